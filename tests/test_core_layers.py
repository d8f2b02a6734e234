"""Dense, Activation, Dropout, Flatten, Identity and Input against Keras 3."""

from __future__ import annotations

import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid
from pellucid import activations
from pellucid.layers import Activation, Dense, Dropout, Flatten, Identity

keras = keras_module()
RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(4, 10)).astype("float32")
X3 = RNG.normal(size=(2, 5, 6)).astype("float32")
X4 = RNG.normal(size=(2, 3, 4, 5)).astype("float32")


# --- Dense ---------------------------------------------------------------------------
DENSE_ARGS = [
    {"units": 3},
    {"units": 4, "activation": "relu"},
    {"units": 2, "activation": "softmax", "use_bias": False},
    {"units": 5, "kernel_initializer": "ones", "bias_initializer": "ones"},
    {"units": 3, "kernel_initializer": "he_normal", "activation": "tanh"},
]


@pytest.mark.parametrize("kwargs,x", [
    (kwargs, x) for kwargs, x in zip(DENSE_ARGS, [X2, X3, X4, X3, X4], strict=True)
] + [(DENSE_ARGS[0], X3), (DENSE_ARGS[0], X4)])
def test_dense_matches_keras(kwargs: dict, x: np.ndarray) -> None:
    check_layer(lambda: Dense(**kwargs), lambda: keras.layers.Dense(**kwargs), x)


def test_dense_on_sequence_is_per_step() -> None:
    layer = Dense(3)
    out = np.asarray(layer(X3))
    per_step = np.stack([np.asarray(layer(X3[:, t])) for t in range(X3.shape[1])], axis=1)
    np.testing.assert_allclose(out, per_step, rtol=1e-5, atol=1e-6)


def test_dense_regularizers_add_to_losses() -> None:
    kwargs = {"units": 3, "kernel_regularizer": "l2", "bias_regularizer": "l1",
              "activity_regularizer": keras.regularizers.L1L2(l1=0.01, l2=0.02),
              "bias_initializer": "ones"}
    ours_kwargs = {**kwargs, "activity_regularizer": pellucid.regularizers.L1L2(l1=0.01, l2=0.02)}
    ours, theirs = Dense(**ours_kwargs), keras.layers.Dense(**kwargs)
    theirs(X2)
    ours(X2)
    ours.set_weights(theirs.get_weights())
    theirs(X2)
    ours(X2)
    assert len(ours.losses) == len(theirs.losses) == 3
    np.testing.assert_allclose(sorted(float(v) for v in ours.losses),
                               sorted(float(v) for v in theirs.losses), rtol=1e-5)


def test_dense_constraints_match_keras() -> None:
    kwargs = {"units": 3, "kernel_constraint": "non_neg", "bias_constraint": "max_norm"}
    ours, theirs = Dense(**kwargs), keras.layers.Dense(**kwargs)
    theirs(X2)
    ours(X2)
    w = RNG.normal(size=(10, 3)).astype("float32")
    b = (3 * RNG.normal(size=(3,))).astype("float32")
    np.testing.assert_allclose(np.asarray(ours.kernel.constraint(w)),
                               np.asarray(theirs.kernel.constraint(w)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ours.bias.constraint(b)),
                               np.asarray(theirs.bias.constraint(b)), rtol=1e-6)
    assert (np.asarray(ours.kernel.constraint(w)) >= 0).all()


def test_dense_config_matches_keras() -> None:
    kwargs = {"units": 7, "activation": "relu", "use_bias": False, "kernel_regularizer": "l2",
              "name": "d"}
    assert Dense(**kwargs).get_config() == keras.layers.Dense(**kwargs).get_config()


# --- Activation ----------------------------------------------------------------------
_NEEDS_ARGS = {"threshold"}


@pytest.mark.parametrize("name", sorted(set(activations.ACTIVATIONS) - _NEEDS_ARGS))
def test_activation_every_name(name: str) -> None:
    # Keras reports the input shape for every Activation on symbolic inputs, which is wrong
    # for glu (it halves the last axis); ours is traced from the computation.
    check_layer(lambda: Activation(name), lambda: keras.layers.Activation(name), X3 * 3,
                atol=1e-5, rtol=1e-4, symbolic=name != "glu")


def test_glu_symbolic_shape_is_the_computed_shape() -> None:
    assert Activation("glu")(pellucid.Input((5, 6))).shape == (None, 5, 3)
    assert Activation("glu")(X3).shape == (2, 5, 3)


def test_activation_config_matches_keras() -> None:
    ours = Activation("gelu", name="a").get_config()
    assert ours == keras.layers.Activation("gelu", name="a").get_config()


# --- Dropout -------------------------------------------------------------------------
BIG = RNG.uniform(1.0, 2.0, size=(64, 50, 20)).astype("float32")  # 64000 draws


def test_dropout_is_identity_at_inference() -> None:
    layer = Dropout(0.5, seed=1)
    np.testing.assert_array_equal(np.asarray(layer(BIG)), BIG)
    np.testing.assert_array_equal(np.asarray(layer(BIG, training=False)), BIG)
    check_layer(lambda: Dropout(0.3), lambda: keras.layers.Dropout(0.3), X3)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_fraction_and_scales(rate: float) -> None:
    out = np.asarray(Dropout(rate, seed=7)(BIG, training=True))
    kept = out != 0
    # 64000 Bernoulli draws: 5 standard deviations is < 0.01.
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(out[kept], BIG[kept] / (1 - rate), rtol=1e-6)


def test_dropout_noise_shape_shares_draws_along_size_one_axes() -> None:
    out = np.asarray(Dropout(0.5, noise_shape=(None, 1, 20), seed=3)(BIG, training=True))
    dropped = out == 0
    assert (dropped == dropped[:, :1, :]).all()  # same features dropped at every step
    assert 0.4 < dropped[:, 0, :].mean() < 0.6
    # Different samples and features still get different draws.
    assert dropped[:, 0, :].any(axis=0).all() and (~dropped[:, 0, :]).any(axis=0).all()


def test_dropout_seed_is_reproducible() -> None:
    a = np.asarray(Dropout(0.5, seed=11)(BIG, training=True))
    b = np.asarray(Dropout(0.5, seed=11)(BIG, training=True))
    np.testing.assert_array_equal(a, b)
    layer = Dropout(0.5, seed=11)
    first, second = layer(BIG, training=True), layer(BIG, training=True)
    assert not np.array_equal(np.asarray(first), np.asarray(second))


def test_dropout_config_matches_keras() -> None:
    kwargs = {"rate": 0.25, "noise_shape": (None, 1, 4), "seed": 5, "name": "drop"}
    ours, theirs = Dropout(**kwargs).get_config(), keras.layers.Dropout(**kwargs).get_config()
    assert {**ours, "noise_shape": tuple(ours["noise_shape"])} == theirs


# --- Flatten, Identity ---------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("x", [X2, X3, X4], ids=["rank2", "rank3", "rank4"])
def test_flatten_matches_keras(data_format: str, x: np.ndarray) -> None:
    check_layer(lambda: Flatten(data_format=data_format),
                lambda: keras.layers.Flatten(data_format=data_format), x)


def test_identity_matches_keras() -> None:
    check_layer(Identity, keras.layers.Identity, X4)


# --- Input / InputLayer --------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"shape": (8,)},
    {"shape": (None, 4), "dtype": "int32"},
    {"shape": (3, 2), "batch_size": 5},
    {"batch_shape": (None, 7)},
])
def test_input_matches_keras(kwargs: dict) -> None:
    kwargs = {**kwargs, "name": "x"}
    ours, theirs = pellucid.Input(**kwargs), keras.Input(**kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    ours_layer = pellucid.layers.InputLayer(**kwargs)
    theirs_layer = keras.layers.InputLayer(**kwargs)
    assert ours_layer.get_config() == {**theirs_layer.get_config(),
                                       "batch_shape": list(theirs_layer.batch_shape)}


def test_input_needs_a_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        pellucid.Input()


# --- error messages ------------------------------------------------------------------
def test_set_weights_wrong_count_names_layer_and_shapes() -> None:
    layer = Dense(3, name="head")
    layer(X2)
    with pytest.raises(ValueError, match=r"'head'.*\(10, 3\).*\(3,\).*received 1"):
        layer.set_weights([np.zeros((10, 3))])


def test_set_weights_wrong_shape_names_layer_and_shapes() -> None:
    layer = Dense(3, name="head")
    layer(X2)
    with pytest.raises(ValueError, match=r"'head'.*\(10, 3\).*\(10, 4\)"):
        layer.set_weights([np.zeros((10, 4)), np.zeros(3)])


def test_dense_called_on_wrong_feature_count_names_both_shapes() -> None:
    layer = Dense(3, name="proj")
    layer(X2)
    with pytest.raises(ValueError, match=r"'proj'.*size 10.*\(4, 7\)"):
        layer(X2[:, :7])
    with pytest.raises(ValueError):  # Keras refuses it too
        theirs = keras.layers.Dense(3)
        theirs(X2)
        theirs(X2[:, :7])


def test_unknown_activation_suggests_nearest() -> None:
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        Activation("relU")
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        Dense(3, activation="relU")
