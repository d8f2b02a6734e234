"""Masked recurrent steps: training against Keras 3 in both step layouts, and what the
compiled backward pass stores per step."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from parity import check_training, keras_module

import pellucid
from pellucid.ops.rnn import rnn

keras = keras_module()
RNG = np.random.default_rng(7)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("units", [3, 24])  # feature-major and batch-major steps on CPUs
@pytest.mark.parametrize("options", [{}, {"return_sequences": True},
                                     {"return_sequences": True, "zero_output_for_mask": True,
                                      "go_backwards": True}])
def test_masked_training_matches_keras(name, units, options):
    ids = RNG.integers(1, 30, size=(6, 7))
    ids[0, 4:] = 0
    ids[2, 1:] = 0
    ids[3, :2] = 0
    outputs = 7 if options.get("return_sequences") else None
    y = RNG.normal(size=(6, 7, 2) if outputs else (6, 2)).astype("float32")

    def build(lib):
        extra = {"use_cudnn": False} if name == "LSTM" and lib is keras else {}
        model = lib.Sequential([lib.Input((7,), dtype="int32"),
                                lib.layers.Embedding(30, 5, mask_zero=True),
                                getattr(lib.layers, name)(units, **options, **extra),
                                lib.layers.Dense(2)])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    check_training(build(pellucid), build(keras), ids, y, batch_size=3, epochs=2)


def _stored_masks(feature_major: bool) -> int:
    """Boolean arrays the compiled gradient of a masked two-state loop writes per step."""
    batch, steps, units = 4, 6, 5

    def step(x_t, states):
        h, c = states
        if feature_major:
            c_new = jnp.tanh(x_t[:units] + h) * c
        else:
            c_new = jnp.tanh(x_t[:, :units] + h) * c
        h_new = jnp.sin(c_new)
        return h_new, [h_new, c_new]

    def loss(x, mask):
        states = [jnp.zeros((batch, units)), jnp.ones((batch, units))]
        last, _, final = rnn(step, x, states, mask, feature_major=feature_major,
                             differentiated=True)
        return jnp.sum(last) + jnp.sum(final[1])

    x = jnp.ones((batch, steps, units))
    mask = jnp.asarray(RNG.random((batch, steps)) > 0.3)
    text = jax.jit(jax.grad(loss)).lower(x, mask).compile().as_text()
    writes = [line for line in text.splitlines() if "dynamic-update-slice(" in line]
    assert writes, "the backward pass should store the step's values"
    return sum(1 for line in writes if line.split("=", 1)[1].strip().startswith("pred["))


@pytest.mark.parametrize("feature_major", [False, True])
def test_masked_steps_read_the_mask_instead_of_storing_it(feature_major):
    # Broadcast inside the step, every jnp.where's mask was stored once per step for
    # the backward pass; broadcast before the loop, each step reads its slice back.
    assert _stored_masks(feature_major) == 0


def _masked_lstm(lib, units, **options):
    extra = {"use_cudnn": False} if lib is keras else {}
    return lib.Sequential([lib.Input((7,), dtype="int32"),
                           lib.layers.Embedding(30, 5, mask_zero=True),
                           lib.layers.LSTM(units, **options, **extra)])


@pytest.mark.parametrize("options", [{}, {"return_sequences": True},
                                     {"return_sequences": True, "zero_output_for_mask": True,
                                      "go_backwards": True}])
def test_masked_lstm_prediction_holds_rows_in_its_gates(monkeypatch, options):
    # Batch-major LSTM steps on CPUs hold a padded row's states inside the gates when
    # predicting (lstm_gates_kept); the values are Keras's.
    from pellucid.layers.recurrent import lstm

    calls = []
    original = lstm.lstm_gates_kept
    monkeypatch.setattr(lstm, "lstm_gates_kept",
                        lambda *a: calls.append(1) or original(*a))
    ids = RNG.integers(1, 30, size=(6, 7))
    ids[0, 4:] = 0
    ids[2, 1:] = 0
    ids[3, :2] = 0
    ids[4, 2:4] = 0  # a gap: the cell state must carry across it
    ours, theirs = _masked_lstm(pellucid, 24, **options), _masked_lstm(keras, 24, **options)
    ours.set_weights(theirs.get_weights())
    held = ours.predict(ids, verbose=0)
    assert calls
    np.testing.assert_allclose(held, theirs.predict(ids, verbose=0), rtol=1e-6, atol=1e-6)
    # The step followed by where on the states, to float32 rounding (XLA may fuse the
    # products of the cell state's update differently).
    monkeypatch.setattr(lstm.LSTMCell, "holds_masked_states", lambda self, layout: False)
    plain = _masked_lstm(pellucid, 24, **options)
    plain.set_weights(theirs.get_weights())
    np.testing.assert_allclose(held, plain.predict(ids, verbose=0), rtol=1e-6, atol=1e-8)


def test_held_rows_keep_their_states_even_from_nan_inputs():
    from pellucid.layers.recurrent.lstm_gates import lstm_gates, lstm_gates_kept

    z = jnp.asarray(RNG.normal(size=(4, 12)).astype("float32"))
    z = z.at[1].set(jnp.nan)
    h = jnp.asarray(RNG.normal(size=(4, 3)).astype("float32"))
    c = jnp.asarray(RNG.normal(size=(4, 3)).astype("float32"))
    keep = jnp.asarray([[True], [False], [True], [False]])
    h_kept, c_kept = lstm_gates_kept(z, c, h, keep)
    h_new, c_new = lstm_gates(z, c)
    np.testing.assert_array_equal(h_kept, jnp.where(keep, h_new, h))
    np.testing.assert_array_equal(c_kept, jnp.where(keep, c_new, c))
