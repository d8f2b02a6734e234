"""The programs behind explain(): independent of the weights' values, same draws as before."""

import jax
import jax.numpy as jnp
import numpy as np

import pellucid as keras
from pellucid.explain import subject as subject_module
from pellucid.explain.dependency import dependency_map
from pellucid.explain.subject import resolve, stacked_draws

L = keras.layers


def _lstm_subject(seed: int):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6, 3)), L.LSTM(4), L.Dense(2)])
    return resolve(model)


def test_drawing_programs_depend_on_the_architecture_not_the_values(monkeypatch):
    a, b = _lstm_subject(1), _lstm_subject(2)
    assert not np.array_equal(np.asarray(a.weights[0].value), np.asarray(b.weights[0].value))
    programs = []
    run = subject_module.run_mapped

    def recording(fn, in_axes, *args):
        programs.append(jax.make_jaxpr(jax.vmap(fn, in_axes=in_axes))(*args))
        return run(fn, in_axes, *args)

    monkeypatch.setattr(subject_module, "run_mapped", recording)
    maps = [dependency_map(s, draws=3) for s in (a, b)]
    assert len(programs) == 2
    # Values closed over would be constants of the program, and part of its cache key;
    # random draws inside it would make XLA's compile many times slower.
    assert programs[0].consts == [] and programs[1].consts == []
    assert str(programs[0]) == str(programs[1])
    assert "random_bits" not in str(programs[0]) and "threefry" not in str(programs[0])
    np.testing.assert_array_equal(maps[0], maps[1])
    assert maps[0].all()  # the last h reads every step of the input


def _expected_weights(subject, key):
    want = []
    for i, w in enumerate(subject.weights):
        current = np.asarray(w.value)
        spread = float(np.std(current)) if current.size > 1 else 0.0
        scale = spread if spread > 0 else 0.5  # zero biases are drawn at 0.5
        noise = jax.random.normal(jax.random.fold_in(key, i), w.shape, w.dtype)
        sample = scale * (0.5 + jnp.abs(noise)) * jnp.sign(noise)
        want.append(jnp.abs(sample) if np.all(current >= 0) else sample)
    return want


def test_weight_and_input_draws_are_jax_randoms():
    subject = _lstm_subject(3)
    keys = jax.random.split(jax.random.PRNGKey(5), 3)
    values, inputs = stacked_draws(subject, keys)
    for k, key in enumerate(keys):
        for got, stacked, want in zip(subject.random_weights(key), values,
                                      _expected_weights(subject, key), strict=True):
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
            np.testing.assert_array_equal(np.asarray(stacked[k]), np.asarray(want))
        want_input = jax.random.normal(jax.random.fold_in(key, 1000), (1, 6, 3), "float32")
        np.testing.assert_array_equal(np.asarray(inputs[0][k]), np.asarray(want_input))


def test_token_inputs_are_jax_bernoulli_draws():
    """Integer inputs are 0/1 tokens, ``jax.random.bernoulli(k, 0.5)`` cast to the input's
    dtype, and come without a compile per shape."""
    model = keras.Sequential([keras.Input((7,), dtype="int32"), L.Embedding(2, 3),
                              L.GRU(2)])
    subject = resolve(model)
    keys = jax.random.split(jax.random.PRNGKey(9), 4)
    _, inputs = stacked_draws(subject, keys, batch=5)
    assert inputs[0].shape == (4, 5, 7) and inputs[0].dtype == jnp.int32
    for k, key in enumerate(keys):
        want = jax.random.bernoulli(jax.random.fold_in(key, 1000), 0.5, (5, 7))
        np.testing.assert_array_equal(np.asarray(inputs[0][k]), np.asarray(want, np.int32))
    assert 0 < int(inputs[0].sum()) < inputs[0].size
