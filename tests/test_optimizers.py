"""Optimizers and schedules against the real Keras 3: same weights, same gradients."""

import os
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import optax
import pytest

from pellucid import optimizers
from pellucid.backend import Variable
from pellucid.optimizers import schedules

SHAPES = [(3, 4), (4,), (2, 2, 3)]
STEPS = 5


def _data(seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") * 2 for s in SHAPES] for _ in range(STEPS)]
    return weights, grads


def _keras_run(opt, weights, grads):
    variables = [keras.Variable(w) for w in weights]
    for step in grads:
        opt.apply_gradients(zip([jnp.asarray(g) for g in step], variables, strict=True))
    return [np.asarray(v.value) for v in variables], opt


def _pellucid_run(opt, weights, grads):
    params = [jnp.asarray(w) for w in weights]
    state = opt.init(params)
    update = jax.jit(opt.update)
    for step in grads:
        params, state = update([jnp.asarray(g) for g in step], state, params)
    return [np.asarray(p) for p in params], state


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True, "beta_1": 0.8}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 1.5}),
    ("Adam", {"learning_rate": 0.01, "clipvalue": 0.5}),
    ("AdamW", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "rho": 0.8}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.3}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.5}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05, "loss_scale_factor": 4.0}),
]


@pytest.mark.parametrize("cls,kwargs", CASES, ids=[f"{c}-{k}" for c, k in CASES])
def test_update_rule_and_saved_order_match_keras(cls, kwargs):
    weights, grads = _data()
    expected, kopt = _keras_run(getattr(keras.optimizers, cls)(**kwargs), weights, grads)
    popt = getattr(optimizers, cls)(**kwargs)
    got, state = _pellucid_run(popt, weights, grads)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    # Same saved variables, same count, same order (Keras's `optimizer/vars/N`).
    saved = popt.saved_variables(state)
    kvars = [np.asarray(v.value) for v in kopt.variables]
    assert len(saved) == len(kvars)
    for s, k in zip(saved, kvars, strict=True):
        assert s.shape == k.shape
        np.testing.assert_allclose(s, k, rtol=1e-5, atol=1e-7)
    # Config keys and values as Keras writes them.
    kconf, pconf = kopt.get_config(), popt.get_config()
    kconf.pop("name"), pconf.pop("name")
    assert pconf == kconf


@pytest.mark.parametrize("schedule,kwargs", [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[2, 5], values=[0.1, 0.05, 0.01])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=6, power=2.0)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=3, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=7, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=5, warmup_target=0.1,
                         warmup_steps=3)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=3)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=2, t_mul=1.0,
                                 m_mul=0.5, alpha=0.1)),
])
def test_schedules_match_keras(schedule, kwargs):
    ks = getattr(keras.optimizers.schedules, schedule)(**kwargs)
    ps = getattr(schedules, schedule)(**kwargs)
    for step in [0, 1, 2, 3, 5, 6, 9, 14, 30]:
        np.testing.assert_allclose(np.asarray(ps(step)), np.asarray(ks(step)), rtol=1e-6,
                                   err_msg=f"step {step}")
    assert ps.get_config() == ks.get_config()
    assert schedules.serialize(ps) == keras.optimizers.schedules.serialize(ks)
    again = schedules.deserialize(schedules.serialize(ps))
    np.testing.assert_allclose(np.asarray(again(4)), np.asarray(ps(4)))


def test_schedule_inside_jitted_update_matches_keras():
    weights, grads = _data(1)
    kw = dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)
    expected, kopt = _keras_run(
        keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(**kw), momentum=0.5,
                             weight_decay=0.1), weights, grads)
    popt = optimizers.SGD(schedules.ExponentialDecay(**kw), momentum=0.5, weight_decay=0.1)
    got, state = _pellucid_run(popt, weights, grads)
    for g, e in zip(got, expected, strict=True):
        # atol as in the other formula checks: a GPU's fused arithmetic moves entries
        # near zero by a few 1e-8.
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    # A schedule has no learning_rate variable in Keras's saved list.
    assert len(popt.saved_variables(state)) == len(kopt.variables)
    popt.state = state
    np.testing.assert_allclose(popt.learning_rate, float(kopt.learning_rate), rtol=1e-6)
    assert popt.get_config()["learning_rate"] == kopt.get_config()["learning_rate"]
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        popt.learning_rate = 0.5


def test_eager_api_on_variables_matches_keras():
    weights, grads = _data(2)
    expected, kopt = _keras_run(keras.optimizers.Adam(0.01), weights, grads)
    popt = optimizers.Adam(0.01)
    variables = [Variable(w) for w in weights]
    popt.build(variables)
    assert len(popt.variables) == len(kopt.variables)
    for i, step in enumerate(grads):
        if i % 2:
            popt.apply(step)
        else:
            it = popt.apply_gradients(zip(step, variables, strict=True))
            assert int(it) == i + 1
    for v, e in zip(variables, expected, strict=True):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-6)
    assert int(popt.iterations) == STEPS == int(kopt.iterations)


def test_learning_rate_setter_changes_rate_without_recompiling():
    weights, grads = _data(3)
    kopt = keras.optimizers.SGD(0.1, momentum=0.9)
    kvars = [keras.Variable(w) for w in weights]
    popt = optimizers.SGD(0.1, momentum=0.9)
    pvars = [Variable(w) for w in weights]
    for i, step in enumerate(grads):
        if i == 2:
            kopt.learning_rate = 0.01
            popt.learning_rate = 0.01
        kopt.apply_gradients(zip(step, kvars, strict=True))
        popt.apply_gradients(zip(step, pvars, strict=True))
    for p, k in zip(pvars, kvars, strict=True):
        np.testing.assert_allclose(p.numpy(), np.asarray(k.value), rtol=1e-6, atol=1e-7)
    assert popt.learning_rate == pytest.approx(0.01)
    assert popt._compiled_update._cache_size() == 1
    # Before build, the setter changes the initial rate.
    fresh = optimizers.Adam()
    fresh.learning_rate = 0.5
    assert float(fresh.init([jnp.ones(2)])["learning_rate"]) == 0.5


def test_load_saved_variables_round_trip_from_keras():
    weights, grads = _data(4)
    kopt = keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True)
    kvars = [keras.Variable(w) for w in weights]
    for step in grads[:3]:
        kopt.apply_gradients(zip(step, kvars, strict=True))
    popt = optimizers.RMSprop(0.01, momentum=0.5, centered=True)
    popt.build([Variable(w) for w in weights])
    popt.load_saved_variables([np.asarray(v.value) for v in kopt.variables])
    assert int(popt.iterations) == 3
    # Continue from the loaded state in both; they must agree.
    params = [jnp.asarray(v.value) for v in kvars]
    kopt.apply_gradients(zip(grads[3], kvars, strict=True))
    new_params, _ = popt.update(grads[3], popt.state, params)
    for p, k in zip(new_params, kvars, strict=True):
        np.testing.assert_allclose(np.asarray(p), np.asarray(k.value), rtol=1e-6)
    # The two-argument form returns a new state without touching the optimizer's own.
    fresh = popt.init(params)
    loaded = popt.load_saved_variables(fresh, popt.saved_variables())
    assert int(loaded["iteration"]) == 3 and int(fresh["iteration"]) == 0
    with pytest.raises(ValueError, match="expects"):
        popt.load_saved_variables([np.zeros(())])


def test_get_resolves_names_configs_instances_and_optax():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        optimizers.get("adamm")
    config = keras.optimizers.serialize(keras.optimizers.SGD(0.2, momentum=0.5))
    sgd = optimizers.get(config)
    assert isinstance(sgd, optimizers.SGD) and sgd.momentum == 0.5
    assert sgd.learning_rate == pytest.approx(0.2)
    same = optimizers.Adam()
    assert optimizers.get(same) is same
    # Round trip with a schedule inside.
    kconf = keras.optimizers.serialize(
        keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.1, 10)))
    adam = optimizers.get(kconf)
    assert isinstance(adam._learning_rate, schedules.CosineDecay)


def test_optax_transformation_is_wrapped():
    weights, grads = _data(5)
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
    opt = optimizers.get(tx)
    got, state = _pellucid_run(opt, weights, grads)
    expected = [w - 0.1 * sum(g[i] for g in grads) for i, w in enumerate(weights)]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert int(state["iteration"]) == STEPS
    opt.state = state
    opt.learning_rate = 0.0
    params, _ = opt.update(grads[0], opt.state, got)
    np.testing.assert_allclose(np.asarray(params[0]), got[0])
    baked = optimizers.get(optax.adam(1e-3))
    baked.build([Variable(w) for w in weights])
    with pytest.raises(TypeError, match="inject_hyperparams"):
        baked.learning_rate = 0.1


def test_old_arguments_and_unsupported_options():
    with pytest.warns(DeprecationWarning, match="learning_rate"):
        opt = optimizers.SGD(lr=0.1)
    assert opt.learning_rate == pytest.approx(0.1)
    with pytest.warns(UserWarning, match="InverseTimeDecay"):
        optimizers.Adam(decay=0.01)
    with pytest.raises(NotImplementedError, match="use_ema"):
        optimizers.Adam(use_ema=True)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(betaa=0.1)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam(0.01)


def test_none_gradient_leaves_parameter_and_slots_alone():
    weights, grads = _data(6)
    opt = optimizers.Adam(0.1)
    params = [jnp.asarray(w) for w in weights]
    state = opt.init(params)
    new, state = opt.update([grads[0][0], None, grads[0][2]], state, params)
    np.testing.assert_array_equal(np.asarray(new[1]), weights[1])
    assert not np.any(np.asarray(state["slots"]["momentum"][1]))
    assert not np.allclose(np.asarray(new[0]), weights[0])
