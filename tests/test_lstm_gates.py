"""The LSTM step's written-out derivative equals automatic differentiation of its formula,
and only the steps it was measured faster for use it."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid
from pellucid.backend import StateScope
from pellucid.layers.recurrent import lstm_gates as gates_module
from pellucid.layers.recurrent.lstm_gates import lstm_gates, takes_written_gradient
from pellucid.layers.recurrent.step_layout import BATCH_MAJOR, BATCH_MAJOR_PADDED, FEATURE_MAJOR
from tests.parity import keras_module

keras = keras_module()


def _formula(z, c):
    z_i, z_f, z_g, z_o = jnp.split(z, 4, axis=-1)
    c_new = jax.nn.sigmoid(z_f) * c + jax.nn.sigmoid(z_i) * jnp.tanh(z_g)
    return jax.nn.sigmoid(z_o) * jnp.tanh(c_new), c_new


@pytest.mark.parametrize("batch,units", [(1, 1), (5, 3), (200, 32)])
def test_values_and_gradient_equal_the_formula(batch, units):
    rng = np.random.default_rng(units)
    z = jnp.asarray(rng.normal(scale=3.0, size=(batch, 4 * units)), jnp.float32)
    c = jnp.asarray(rng.normal(size=(batch, units)), jnp.float32)
    cotangents = (jnp.asarray(rng.normal(size=(batch, units)), jnp.float32),
                  jnp.asarray(rng.normal(size=(batch, units)), jnp.float32))
    ours, our_vjp = jax.vjp(lstm_gates, z, c)
    theirs, their_vjp = jax.vjp(_formula, z, c)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(o), np.asarray(t))
    for o, t in zip(our_vjp(cotangents), their_vjp(cotangents), strict=True):
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=2e-6, atol=1e-6)


def test_only_default_activations_in_batch_major_steps_on_cpu():
    cell = pellucid.layers.LSTMCell(4)
    assert takes_written_gradient(cell, BATCH_MAJOR)
    assert takes_written_gradient(cell, BATCH_MAJOR_PADDED)
    assert not takes_written_gradient(cell, FEATURE_MAJOR)
    assert not takes_written_gradient(pellucid.layers.LSTMCell(4, activation="relu"), BATCH_MAJOR)
    assert not takes_written_gradient(
        pellucid.layers.LSTMCell(4, recurrent_activation="hard_sigmoid"), BATCH_MAJOR)


@pytest.mark.parametrize("written", [True, False])
def test_masked_lstm_layer_gradient_matches_keras_either_way(monkeypatch, written):
    if not written:
        monkeypatch.setattr("pellucid.layers.recurrent.lstm.takes_written_gradient",
                            lambda cell, layout: False)
    calls = []
    real = gates_module.lstm_gates
    monkeypatch.setattr("pellucid.layers.recurrent.lstm.lstm_gates",
                        lambda z, c: calls.append(1) or real(z, c))
    monkeypatch.setenv("PELLUCID_RNN_LAYOUT", "batch")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 7, 5)).astype("float32")
    mask = rng.random((6, 7)) > 0.3
    theirs = keras.layers.LSTM(40, return_sequences=True)
    ours = pellucid.layers.LSTM(40, return_sequences=True)
    theirs(x, mask=mask)
    ours(x, mask=mask)
    ours.set_weights(theirs.get_weights())

    def our_loss(values):
        with StateScope(dict(zip(ours.weights, values, strict=True))):
            return (ours(x, mask=mask) ** 2).sum()

    def their_loss(values):
        frozen = [v.value for v in theirs.non_trainable_variables]
        return (theirs.stateless_call(values, frozen, x, mask=mask)[0] ** 2).sum()

    calls.clear()
    grads = jax.grad(our_loss)([w.value for w in ours.weights])
    assert bool(calls) == written
    expected = jax.grad(their_loss)([v.value for v in theirs.trainable_variables])
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-4, atol=1e-5)


def test_forward_mode_works_for_explanations():
    # jax.jacfwd (used by the dependency explanations) needs a JVP rule.
    rng = np.random.default_rng(5)
    z = jnp.asarray(rng.normal(size=(2, 12)), jnp.float32)
    c = jnp.asarray(rng.normal(size=(2, 3)), jnp.float32)
    ours = jax.jacfwd(lambda z: lstm_gates(z, c)[0])(z)
    theirs = jax.jacfwd(lambda z: _formula(z, c)[0])(z)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=2e-6, atol=1e-7)
    model = pellucid.Sequential([pellucid.Input((4, 2)), pellucid.layers.LSTM(40)])
    x = rng.normal(size=(1, 4, 2)).astype("float32")
    jac = jax.jacfwd(lambda x: model(x))(x)
    assert jac.shape == (1, 40, 1, 4, 2) and np.isfinite(np.asarray(jac)).all()
