"""The input projection hoisted out of the scan (accelerators) and kept in the step (CPU)
compute the same function, forward and backward, as Keras."""

import jax
import numpy as np
import pytest

import pellucid
from pellucid.backend import StateScope
from tests.parity import keras_module

keras = keras_module()
X = np.random.default_rng(4).normal(size=(4, 6, 5)).astype("float32")


@pytest.mark.parametrize("hoist", ["1", "0"])
@pytest.mark.parametrize("name,kwargs", [
    ("LSTM", {"return_sequences": True}),
    ("GRU", {"go_backwards": True}),
    ("GRU", {"reset_after": False, "return_sequences": True}),
    ("SimpleRNN", {}),
])
def test_projection_paths_match_keras(monkeypatch, hoist, name, kwargs):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", hoist)
    theirs = getattr(keras.layers, name)(3, **kwargs)
    ours = getattr(pellucid.layers, name)(3, **kwargs)
    expected = np.asarray(theirs(X))
    ours(X)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(X)), expected, atol=1e-5)

    def loss(values):
        with StateScope(dict(zip(ours.weights, values, strict=True))):
            return (ours(X) ** 2).sum()

    grads = jax.grad(loss)([w.value for w in ours.weights])
    frozen = [v.value for v in theirs.non_trainable_variables]
    grads_k = jax.grad(lambda w: (theirs.stateless_call(w, frozen, X)[0] ** 2).sum())(
        [v.value for v in theirs.trainable_variables])
    for g, gk in zip(grads, grads_k, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gk), atol=1e-4, rtol=1e-4)
