"""The digits CNN of ``examples/cnn_digits.py``: it learns, and it trains as Keras does."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from parity import keras_module

import pellucid

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from _digits import digits  # noqa: E402
from cnn_digits import build_cnn  # noqa: E402

keras = keras_module()


def test_small_run_reaches_85_percent_held_out():
    """1,000 training images, 2 epochs of batches of 32 (63 steps, about 20 s on two
    cores): held-out accuracy >= 0.85 (0.90 with these seeds; chance is 0.10)."""
    pellucid.utils.set_random_seed(0)
    x_train, y_train = digits(1000, seed=0)
    x_test, y_test = digits(500, seed=1)
    model = build_cnn(pellucid)
    history = model.fit(x_train, y_train, epochs=2, batch_size=32, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.85


def batch_losses(lib, model, x, y) -> list[float]:
    """The running mean loss after each step of one unshuffled epoch."""
    losses: list[float] = []

    class Record(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0, callbacks=[Record()])
    return losses


def test_one_epoch_loss_curve_equals_keras_from_the_same_weights(monkeypatch):
    # Dropout draws different masks in the two libraries, so it is off here (rate 0);
    # everything else is the example's model, optimizer and loss. On the CPU pellucid
    # runs convolutions on YNNPACK's kernels, equal to XLA's (Keras's) to float32
    # rounding (tests/test_cpu_kernels.py); Adam turns such differences into steps of up
    # to its learning rate for weights whose gradient is itself rounding noise, so the
    # weights are compared with the kernels Keras uses. The initial weights are seeded: from
    # about one random start in ten, a ReLU unit's input for some image lands within float32
    # rounding of zero during the epoch, so the unit is on in one library and off in the
    # other, and Adam moves that unit's weights apart by up to its learning rate per step.
    monkeypatch.setenv("PELLUCID_CPU_YNNPACK", "0")
    pellucid.utils.set_random_seed(2)
    x, y = digits(256, seed=2)
    ours = build_cnn(pellucid, dropout=0.0)
    theirs = build_cnn(keras, dropout=0.0)
    theirs.set_weights(ours.get_weights())
    our_curve = batch_losses(pellucid, ours, x, y)
    their_curve = batch_losses(keras, theirs, x, y)
    assert len(our_curve) == len(their_curve) == 8
    np.testing.assert_allclose(our_curve, their_curve, atol=1e-4)
    assert our_curve[-1] < our_curve[0]
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)
