"""Crossentropy on probabilities: Keras's renormalised, clipped ``log p`` with its
derivative written out gives the same values and the same derivatives as differentiating
the formula, at the clip's bounds too, in both directions of differentiation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid
from pellucid.ops.nn import clipped_log_probabilities
from tests.parity import keras_module

keras = keras_module()


def _formula(output, axis=-1):
    share = output / jnp.sum(output, axis, keepdims=True)
    return jnp.log(jnp.clip(share, 1e-7, 1.0 - 1e-7))


def _probabilities(rows: int, classes: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(classes) * 0.3, size=rows).astype("float32")
    p[0] = 0.0
    p[0, 0] = 1.0  # one class certain: the others below the lower bound, it above the upper
    if classes > 2:
        p[1, :2] = [1e-7, 1.0 - 1e-7]  # exactly on both bounds
        p[1, 2:] = 0.0
    return p


@pytest.mark.parametrize("rows,classes,axis", [(7, 5, -1), (64, 15, -1), (6, 3, 0)])
def test_values_and_derivatives_equal_the_formula(rows, classes, axis):
    p = jnp.asarray(_probabilities(rows, classes, classes))
    np.testing.assert_array_equal(np.asarray(clipped_log_probabilities(p, axis)),
                                  np.asarray(_formula(p, axis)))
    cotangent = jnp.asarray(np.random.default_rng(1).normal(size=p.shape), jnp.float32)
    ours = jax.vjp(lambda p: clipped_log_probabilities(p, axis), p)[1](cotangent)[0]
    theirs = jax.vjp(lambda p: _formula(p, axis), p)[1](cotangent)[0]
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)
    tangent = jnp.asarray(np.random.default_rng(2).normal(size=p.shape), jnp.float32)
    ours = jax.jvp(lambda p: clipped_log_probabilities(p, axis), (p,), (tangent,))[1]
    theirs = jax.jvp(lambda p: _formula(p, axis), (p,), (tangent,))[1]
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6)


def test_softmax_model_training_matches_keras():
    # B1's tail: softmax per time step, crossentropy on the probabilities, three steps.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 6, 4)).astype("float32")
    y = np.eye(5, dtype="float32")[rng.integers(0, 5, size=(32, 6))]

    def build(lib):
        model = lib.Sequential([lib.Input((6, 4)), lib.layers.TimeDistributed(
            lib.layers.Dense(5, activation="softmax"))])
        model.compile(lib.optimizers.SGD(0.5), "categorical_crossentropy")
        return model

    theirs, ours = build(keras), build(pellucid)
    ours.set_weights(theirs.get_weights())
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
