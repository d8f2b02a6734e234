"""Convolutional models on the CPU train in two programs per step (gradient, then the
update), with the numbers of the one-program step."""

import jax
import numpy as np
import pytest

import pellucid
from pellucid import layers
from pellucid.backend import device
from pellucid.training import trainer as trainer_module
from pellucid.training.update_program import GradientsThenUpdate

pytestmark = pytest.mark.skipif(
    device.on_accelerator() or not device.convolution_compiler_options(),
    reason="the update runs apart only where convolutions take YNNPACK's options (CPU)")

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 10, 10, 1)).astype("float32")
Y = RNG.integers(0, 4, size=(40,))


def _model() -> pellucid.Model:
    pellucid.utils.set_random_seed(7)
    model = pellucid.Sequential([
        pellucid.Input((10, 10, 1)),
        layers.Conv2D(6, 3, activation="relu"),
        layers.BatchNormalization(),  # state the forward pass changes, kept by the update
        layers.Conv2D(8, 3, strides=2, activation="relu",
                      kernel_constraint=pellucid.constraints.MaxNorm(0.5, axis=[0, 1, 2])),
        layers.Flatten(),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.3),  # draws from the step's key, which both paths derive alike
        layers.Dense(4, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class OneProgram:
    """The step as one program with the same compiler options: the reference."""

    def __init__(self, trainer, options, batch_of):
        def step(state, batch_args, base_key):
            batch = batch_of(*batch_args)
            grads, aux = trainer._gradients(state, batch, base_key)
            return trainer._finish_step(state, grads, batch, aux)

        self._step = jax.jit(step, donate_argnums=(0,), compiler_options=options)

    def prepare(self, args):
        pass

    def __call__(self, state, *args):
        return self._step(state, args[:-1], args[-1])


def _train(one_program: bool, monkeypatch) -> tuple:
    if one_program:
        monkeypatch.setattr(trainer_module, "GradientsThenUpdate", OneProgram)
    model = _model()
    history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0).history

    def batches():
        for start in range(0, len(X), 16):
            yield X[start:start + 16], Y[start:start + 16]

    history_gen = model.fit(batches(), epochs=1, verbose=0).history
    on_batch = model.train_on_batch(X[:8], Y[:8], return_dict=True)
    monkeypatch.undo()
    return model, history, history_gen, on_batch


def test_convolution_steps_run_gradient_and_update_as_two_programs(monkeypatch):
    model, _, _, _ = _train(False, monkeypatch)
    by_batch, by_index = model._trainer._train_fn
    assert isinstance(by_batch, GradientsThenUpdate)
    assert isinstance(by_index, GradientsThenUpdate)

    dense = pellucid.Sequential([pellucid.Input((4,)), layers.Dense(2)])
    dense.compile("adam", "mse")
    dense.fit(np.ones((8, 4), "float32"), np.ones((8, 2), "float32"), verbose=0)
    assert not isinstance(dense._trainer._train_fn[1], GradientsThenUpdate)


def test_two_programs_train_as_one(monkeypatch):
    ours = _train(False, monkeypatch)
    reference = _train(True, monkeypatch)
    assert not isinstance(reference[0]._trainer._train_fn[1], GradientsThenUpdate)
    for got, expected in zip(ours[1:], reference[1:], strict=True):
        assert got.keys() == expected.keys()
        for name in got:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[0].get_weights(), reference[0].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    moving_mean = ours[0].layers[1].moving_mean.numpy()
    assert np.all(moving_mean != 0)  # the batch statistics reached the model
    # The constraint ran in the update program: every filter's norm is at most 0.5.
    kernel = ours[0].layers[2].kernel.numpy()
    norms = np.sqrt(np.sum(kernel.reshape(-1, kernel.shape[-1]) ** 2, axis=0))
    assert np.all(norms <= 0.5 + 1e-5)


def test_compiled_ahead_for_the_epochs_batch_sizes(monkeypatch):
    model = _model()
    model.fit(X[:36], Y[:36], batch_size=8, epochs=1, verbose=0)  # batches of 8 and 4
    step = model._trainer._train_fn[1]
    assert len(step._gradients._compiled) == len(step._update._compiled) == 2
    assert all(f.done() for f in step._update._compiled.values())
