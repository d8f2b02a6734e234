"""The programs behind explain(): independent of the weights' values, same draws as before."""

import jax
import jax.numpy as jnp
import numpy as np

import pellucid as keras
from pellucid.explain.subject import resolve

L = keras.layers


def _lstm_subject(seed: int):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6, 3)), L.LSTM(4), L.Dense(2)])
    return resolve(model)


def test_drawing_programs_depend_on_the_architecture_not_the_values():
    a, b = _lstm_subject(1), _lstm_subject(2)
    assert not np.array_equal(np.asarray(a.draw_scales()), np.asarray(b.draw_scales()))

    def draws(subject):
        return jax.make_jaxpr(lambda key, scales: subject.random_weights(key, scales))(
            jax.random.PRNGKey(0), subject.draw_scales())

    jaxpr_a, jaxpr_b = draws(a), draws(b)
    # Values closed over would be constants of the program, and part of its cache key.
    assert jaxpr_a.consts == [] and jaxpr_b.consts == []
    assert str(jaxpr_a) == str(jaxpr_b)


def test_weight_draws_keep_their_values():
    subject = _lstm_subject(3)
    key = jax.random.PRNGKey(5)
    drawn = subject.random_weights(key)
    traced = jax.jit(subject.random_weights)(key, subject.draw_scales())
    for i, (w, got, got_traced) in enumerate(zip(subject.weights, drawn, traced,
                                                 strict=True)):
        current = np.asarray(w.value)
        spread = float(np.std(current)) if current.size > 1 else 0.0
        scale = spread if spread > 0 else 0.5  # zero biases are drawn at 0.5
        noise = jax.random.normal(jax.random.fold_in(key, i), w.shape, w.dtype)
        want = scale * (0.5 + jnp.abs(noise)) * jnp.sign(noise)
        if np.all(current >= 0):
            want = jnp.abs(want)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        np.testing.assert_array_equal(np.asarray(got_traced), np.asarray(want))


def test_input_draws_are_jax_randoms():
    subject = _lstm_subject(4)
    key = jax.random.PRNGKey(9)
    (got,) = subject.random_inputs(key, batch=2)
    want = jax.random.normal(jax.random.fold_in(key, 1000), (2, 6, 3), "float32")
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
