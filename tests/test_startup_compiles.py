"""What a model compiles before its first step, and what a second process can reuse.

Weights come from a few fixed-size programs (not one XLA compile per weight shape and
operation), and the training step's program does not depend on the run's random key,
so JAX's persistent cache serves it to the next process.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from compile_log import compiles

import pellucid as keras
from pellucid.backend import random_draws, threefry
from pellucid.backend.random import seeded_key


def test_dense_layers_of_many_shapes_compile_nothing(monkeypatch):
    # Their uniform draws are small enough for NumPy (the CPU's rounding is checked below),
    # within the time NumPy may spend before the program takes over.
    monkeypatch.setattr(random_draws, "_host_seconds", 0.0)
    with compiles() as names:
        for units, inputs in [(3, 5), (7, 11), (13, 2), (64, 30), (1, 129)]:
            layer = keras.layers.Dense(units)
            layer.build((None, inputs))
    assert names == []


def test_a_recurrent_layer_compiles_only_the_normal_draw():
    random_draws.draw("normal", np.array([1, 0], np.uint32), (2,))  # compiled already
    with compiles() as names:
        keras.layers.LSTM(24).build((None, 5, 3))  # orthogonal: normal draw + LAPACK QR
        keras.layers.GRU(7).build((None, 5, 9))
    assert names == []


@pytest.mark.parametrize("seed", [0, 1, 12345, 10**9, 2**31 - 1])
def test_keys_made_on_the_host_equal_jax_random(seed):
    assert np.array_equal(threefry.seed_key(seed), np.asarray(jax.random.PRNGKey(seed)))
    for data in [0, 1, 7, 2**31, 2**32 - 1]:
        theirs = np.asarray(jax.random.fold_in(jax.random.PRNGKey(seed), data))
        np.testing.assert_array_equal(threefry.fold_in(threefry.seed_key(seed), data), theirs)
        np.testing.assert_array_equal(np.asarray(seeded_key(seed, data)), theirs)
    key = np.array([seed, 99], np.uint32)
    np.testing.assert_array_equal(threefry.random_bits(key, 0, 1001),
                                  np.asarray(jax.random.bits(jnp.asarray(key), (1001,))))
    with pytest.raises(ValueError, match="seeds in"):
        threefry.seed_key(-1)


def test_out_of_range_seeds_still_give_jax_random_keys():
    for seed in [2**31, 2**40]:
        if seed >= 2**32 and not jax.config.jax_enable_x64:
            continue  # jax.random refuses 64-bit seeds in 32-bit mode, as seeded_key does
        np.testing.assert_array_equal(
            np.asarray(seeded_key(seed, 3)),
            np.asarray(jax.random.fold_in(jax.random.PRNGKey(seed), 3)))


def _random_bounds(rng: np.random.Generator) -> tuple[float, float]:
    low = np.float32(rng.uniform(-5, 5) * 10.0 ** rng.integers(-4, 3))
    return float(low), float(np.float32(low + rng.uniform(1e-3, 5) * 10.0 ** rng.integers(-4, 3)))


@pytest.mark.parametrize("host", [True, False])
def test_uniform_draws_on_either_path_are_bit_identical_to_jax_random(monkeypatch, host):
    # Initializer bounds (symmetric limits, [0, 1)) and random ones, some of which the host
    # path declines (shift far above the scale) and the program draws instead.
    monkeypatch.setattr(random_draws, "_host_is_cheaper", lambda size: host)
    rng = np.random.default_rng(0)
    bounds = [(-0.3, 0.7), (-0.05, 0.05), (0.0, 1.0), (-1.0, 1.0), (2.0, 2.5),
              (1000.0, 1000.5), (-1e-30, 1e-30)] + [_random_bounds(rng) for _ in range(24)]
    on_host = 0
    for low, high in bounds:
        key = rng.integers(0, 2**32, size=2, dtype=np.uint32)
        size = int(rng.integers(1, 40_000))
        on_host += random_draws._host_matches(np.float32(low), np.float32(high))
        ours = random_draws.draw("uniform", key, (size,), low, high)
        theirs = np.asarray(jax.random.uniform(jnp.asarray(key), (size,), minval=low,
                                               maxval=high))
        np.testing.assert_array_equal(ours.view(np.uint32), theirs.view(np.uint32))
    if host and random_draws._fused_multiply_add():
        assert 10 < on_host < len(bounds)  # both paths were compared


def test_numpy_draws_until_it_has_cost_a_program_load(monkeypatch):
    monkeypatch.setattr(random_draws, "_compiled", {})
    monkeypatch.setattr(random_draws, "_host_seconds", 0.0)
    assert random_draws._host_is_cheaper(1 << 20)
    assert not random_draws._host_is_cheaper((1 << 20) + 1)
    monkeypatch.setattr(random_draws, "_host_seconds", random_draws.HOST_BUDGET_S)
    assert not random_draws._host_is_cheaper(10)
    monkeypatch.setattr(random_draws, "_compiled", {"uniform": object()})
    assert random_draws._host_is_cheaper(100) and not random_draws._host_is_cheaper(50_000)


def test_float64_exactness_rule():
    exact = random_draws._exact_in_float64
    assert exact(np.float32(0.1), np.float32(-0.05))
    assert exact(np.float32(1.0), np.float32(0.0))
    assert not exact(np.float32(0.5), np.float32(1000.0))  # shift 11 binades above
    assert not exact(np.float32(1.0), np.float32(np.inf))


@pytest.mark.parametrize("kind", random_draws.KINDS)
@pytest.mark.parametrize("shape", [(), (5, 7), (3, 3, 2, 4), (random_draws.CHUNK + 3,)])
def test_draws_are_bit_identical_to_jax_random(kind, shape):
    key = np.array([123456789, 0], np.uint32)
    if kind == "uniform":
        ours = random_draws.draw(kind, key, shape, -0.3, 0.7)
        theirs = jax.random.uniform(jnp.asarray(key), shape, minval=-0.3, maxval=0.7)
    elif kind == "normal":
        ours = random_draws.affine(random_draws.draw(kind, key, shape), 0.05, 0.1)
        theirs = jax.random.normal(jnp.asarray(key), shape) * 0.05 + 0.1
    else:
        ours = random_draws.affine(random_draws.draw(kind, key, shape, -2.0, 2.0), 0.05, 0.1)
        theirs = jax.random.truncated_normal(jnp.asarray(key), -2.0, 2.0, shape) * 0.05 + 0.1
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.view(np.uint32), theirs.view(np.uint32))


def test_training_step_program_does_not_depend_on_the_random_key():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 4), np.float32), np.ones((8, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    trainer = model._trainer
    state = (*trainer._read_state(), trainer.optimizer.state,
             trainer.compiled.init_metric_states(), trainer._counter)
    arrays = ([x], [y], None)
    indices = np.zeros((16, 4), np.int32)

    def program_text(seed: int) -> str:
        key = jax.random.PRNGKey(seed)
        return trainer._train_fn[1].jitted.lower(state, arrays, indices, np.int32(1),
                                                 key).as_text()

    # Equal programs give equal persistent-cache keys in every process.
    assert program_text(1) == program_text(2)


def test_other_prng_implementations_keep_their_own_keys():
    previous = jax.config.jax_default_prng_impl
    jax.config.update("jax_default_prng_impl", "rbg")
    try:
        np.testing.assert_array_equal(
            np.asarray(seeded_key(7, 2)),
            np.asarray(jax.random.fold_in(jax.random.PRNGKey(7), 2)))
    finally:
        jax.config.update("jax_default_prng_impl", previous)


def test_set_weights_and_loading_send_every_array_in_one_transfer(monkeypatch, tmp_path):
    model = keras.Sequential([keras.Input((3,))] + [keras.layers.Dense(4) for _ in range(6)])
    model.compile("adam", "mse")
    new = [np.random.default_rng(i).normal(size=w.shape) for i, w in enumerate(model.weights)]
    put = jax.device_put
    calls = []
    monkeypatch.setattr(jax, "device_put", lambda *a, **k: calls.append(1) or put(*a, **k))
    model.set_weights(new)  # float64 in, float32 kept
    assert len(calls) == 1
    monkeypatch.setattr(jax, "device_put", put)
    for given, held in zip(new, model.get_weights(), strict=True):
        assert held.dtype == np.float32
        np.testing.assert_array_equal(held, given.astype(np.float32))
    new[0][:] = 7.0  # the variables hold copies
    assert not np.any(model.get_weights()[0] == 7.0)

    model.fit(np.ones((2, 3)), np.ones((2, 4)), verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    saved = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in saved])
    calls.clear()
    monkeypatch.setattr(jax, "device_put", lambda *a, **k: calls.append(1) or put(*a, **k))
    model.load_weights(tmp_path / "m.weights.h5")
    assert len(calls) == 2  # the weights, then the optimizer's arrays
    monkeypatch.setattr(jax, "device_put", put)
    for a, b in zip(saved, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
