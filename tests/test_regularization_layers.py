"""SpatialDropout, GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization,
the activation layers and Lambda, against Keras 3 (statistically where noise is drawn)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid
from pellucid import layers as P

keras = keras_module()
K = keras.layers
RNG = np.random.default_rng(2)
X3 = RNG.uniform(1.0, 2.0, size=(32, 20, 50)).astype("float32")
X4 = RNG.uniform(1.0, 2.0, size=(16, 3, 4, 40)).astype("float32")
X5 = RNG.uniform(1.0, 2.0, size=(8, 2, 3, 4, 40)).astype("float32")
SPATIAL = [("SpatialDropout1D", X3, {}), ("SpatialDropout2D", X4, {}),
           ("SpatialDropout3D", X5, {}),
           ("SpatialDropout2D", X4, {"data_format": "channels_first"}),
           ("SpatialDropout3D", X5, {"data_format": "channels_first"})]
NOISY = [("GaussianNoise", {"stddev": 0.5}), ("GaussianDropout", {"rate": 0.3}),
         ("AlphaDropout", {"rate": 0.3})]


# --- inference is the identity, like Keras -------------------------------------------
@pytest.mark.parametrize("name,x,kwargs", SPATIAL)
def test_spatial_dropout_identity_at_inference(name: str, x: np.ndarray, kwargs: dict) -> None:
    check_layer(lambda: getattr(P, name)(0.5, **kwargs),
                lambda: getattr(K, name)(0.5, **kwargs), x[:2])


@pytest.mark.parametrize("name,kwargs", NOISY)
def test_noise_layers_identity_at_inference(name: str, kwargs: dict) -> None:
    check_layer(lambda: getattr(P, name)(**kwargs), lambda: getattr(K, name)(**kwargs), X3[:2])
    np.testing.assert_array_equal(
        np.asarray(getattr(P, name)(**kwargs)(X3, training=False)), X3)


# --- spatial dropout drops whole feature maps ----------------------------------------
@pytest.mark.parametrize("name,x,kwargs", SPATIAL)
def test_spatial_dropout_drops_whole_maps(name: str, x: np.ndarray, kwargs: dict) -> None:
    rate = 0.4
    out = np.asarray(getattr(P, name)(rate, seed=3, **kwargs)(x, training=True))
    channel_axis = 1 if kwargs.get("data_format") == "channels_first" else x.ndim - 1
    spatial = tuple(i for i in range(1, x.ndim) if i != channel_axis)
    dropped = out == 0
    whole = dropped.all(axis=spatial)
    assert (whole == dropped.any(axis=spatial)).all()  # a map is all dropped or all kept
    assert abs(whole.mean() - rate) < 0.1
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - rate), rtol=1e-6)


def test_spatial_dropout_seed_reproducible_and_rank_checked() -> None:
    a = P.SpatialDropout1D(0.5, seed=9)(X3, training=True)
    b = P.SpatialDropout1D(0.5, seed=9)(X3, training=True)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="rank 3"):
        P.SpatialDropout1D(0.5)(X4)


# --- Gaussian noise and dropout, AlphaDropout: moments -------------------------------
def test_gaussian_noise_moments() -> None:
    noise = np.asarray(P.GaussianNoise(0.5, seed=1)(X3, training=True)) - X3
    assert abs(noise.mean()) < 0.01
    assert abs(noise.std() - 0.5) < 0.01


def test_gaussian_dropout_moments() -> None:
    rate = 0.3
    factor = np.asarray(P.GaussianDropout(rate, seed=1)(X3, training=True)) / X3
    assert abs(factor.mean() - 1) < 0.01
    assert abs(factor.std() - np.sqrt(rate / (1 - rate))) < 0.01


def test_alpha_dropout_keeps_selu_moments() -> None:
    x = RNG.normal(size=(64, 1000)).astype("float32")
    out = np.asarray(P.AlphaDropout(0.2, seed=4)(x, training=True))
    assert abs(out.mean()) < 0.02
    assert abs(out.var() - 1) < 0.03
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p**2)) ** -0.5
    dropped_value = a * alpha_p - a * alpha_p * 0.2
    dropped = np.isclose(out, dropped_value, atol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01


def test_alpha_dropout_noise_shape_shares_draws() -> None:
    x = RNG.normal(size=(16, 30, 20)).astype("float32")
    layer = P.AlphaDropout(0.5, noise_shape=(None, 1, 20), seed=2)
    out = np.asarray(layer(x, training=True))
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.5) * (1 + 0.5 * alpha_p**2)) ** -0.5
    dropped = np.isclose(out, a * alpha_p * 0.5, atol=1e-6)
    assert (dropped == dropped[:, :1, :]).all()


@pytest.mark.parametrize("name,kwargs", NOISY)
def test_noise_seed_reproducible(name: str, kwargs: dict) -> None:
    a = getattr(P, name)(seed=5, **kwargs)(X3, training=True)
    b = getattr(P, name)(seed=5, **kwargs)(X3, training=True)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), X3)


@pytest.mark.parametrize("name", ["GaussianNoise", "GaussianDropout", "AlphaDropout"])
def test_noise_arguments_validated(name: str) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        getattr(P, name)(1.5)


# --- ActivityRegularization ----------------------------------------------------------
def test_activity_regularization_loss_matches_keras() -> None:
    x = RNG.normal(size=(4, 6)).astype("float32")
    ours, theirs = P.ActivityRegularization(l1=0.1, l2=0.2), K.ActivityRegularization(0.1, 0.2)
    np.testing.assert_array_equal(np.asarray(ours(x)), x)
    theirs(x)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-6)
    ours(x)
    assert len(ours.losses) == 1  # only the latest call's penalty, as in Keras


# --- configs and masks ---------------------------------------------------------------
CONFIGS = [
    lambda m: m.SpatialDropout1D(0.2, seed=1, name="s"),
    lambda m: m.SpatialDropout2D(0.2, data_format="channels_first", name="s"),
    lambda m: m.SpatialDropout3D(0.3, name="s"),
    lambda m: m.GaussianNoise(0.1, seed=2, name="s"),
    lambda m: m.GaussianDropout(0.1, name="s"),
    lambda m: m.AlphaDropout(0.1, noise_shape=(None, 1, 3), name="s"),
    lambda m: m.ActivityRegularization(l1=0.1, name="s"),
    lambda m: m.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5, name="s"),
    lambda m: m.LeakyReLU(0.2, name="s"),
    lambda m: m.PReLU(shared_axes=[1], alpha_regularizer="l2", name="s"),
    lambda m: m.ELU(0.5, name="s"),
    lambda m: m.Softmax(axis=1, name="s"),
]


@pytest.mark.parametrize("make", CONFIGS)
def test_configs_match_keras(make) -> None:
    assert make(P).get_config() == make(K).get_config()


# Rank-3 inputs: SpatialDropout2D/3D need more axes; Softmax applies its mask (tested below).
@pytest.mark.parametrize("make", [CONFIGS[0], *CONFIGS[3:11]])
def test_masks_pass_through(make) -> None:
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    layer = make(P)
    mask = jnp.array([[True, False, True], [False, True, True]])
    _, out_mask = layer.call_with_masks((x,), {}, mask)
    np.testing.assert_array_equal(np.asarray(out_mask), np.asarray(mask))


# --- activation layers ---------------------------------------------------------------
X = RNG.normal(size=(2, 3, 4)).astype("float32") * 3
ACTIVATION_LAYERS = [
    ("ReLU", {}), ("ReLU", {"max_value": 1.5}), ("ReLU", {"negative_slope": 0.2}),
    ("ReLU", {"threshold": 0.5, "negative_slope": 0.1, "max_value": 4.0}),
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.01}), ("ELU", {}),
    ("ELU", {"alpha": 0.3}), ("Softmax", {}), ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": (1, 2)}), ("PReLU", {}), ("PReLU", {"shared_axes": [1]}),
    ("PReLU", {"alpha_initializer": "ones", "shared_axes": [1, 2]}),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATION_LAYERS)
def test_activation_layers_match_keras(name: str, kwargs: dict) -> None:
    check_layer(lambda: getattr(P, name)(**kwargs), lambda: getattr(K, name)(**kwargs), X)


def test_prelu_weights_with_set_alpha() -> None:
    ours, theirs = check_layer(P.PReLU, K.PReLU, X)
    alpha = RNG.normal(size=(3, 4)).astype("float32")
    theirs.set_weights([alpha])
    ours.set_weights([alpha])
    np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), rtol=1e-6)
    assert ours.count_params() == 12


def test_softmax_mask_matches_keras() -> None:
    mask = RNG.uniform(size=(2, 3, 4)) > 0.3
    np.testing.assert_allclose(np.asarray(P.Softmax()(X, mask=jnp.asarray(mask))),
                               np.asarray(K.Softmax()(X, mask=mask)), rtol=1e-6)
    with pytest.raises(ValueError, match="broadcastable"):
        P.Softmax()(X, mask=jnp.ones((2, 3), bool))


def test_activation_layer_argument_checks() -> None:
    with pytest.raises(ValueError, match="max_value"):
        P.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        P.LeakyReLU(-0.1)


# --- Lambda --------------------------------------------------------------------------
def double(x):
    return x * 2


def scale(x, factor=1.0):
    return x * factor


def test_lambda_matches_keras_and_traces_shapes() -> None:
    fn = lambda t: t[:, :2] * 2  # noqa: E731
    check_layer(lambda: P.Lambda(fn), lambda: K.Lambda(fn), X)
    check_layer(lambda: P.Lambda(scale, arguments={"factor": 3.0}),
                lambda: K.Lambda(scale, arguments={"factor": 3.0}), X)
    out = P.Lambda(lambda t: jnp.sum(t, axis=1))(pellucid.Input((None, 4)))
    assert out.shape == (None, 4)


def test_lambda_mask_argument() -> None:
    mask = jnp.array([[True, False, True], [False, True, True]])
    _, dropped = P.Lambda(double).call_with_masks((X,), {}, mask)
    assert dropped is None
    _, kept = P.Lambda(double, mask=lambda x, m: m).call_with_masks((X,), {}, mask)
    np.testing.assert_array_equal(np.asarray(kept), np.asarray(mask))
    seen = {}

    def use_mask(x, mask=None):
        seen["mask"] = mask
        return x

    P.Lambda(use_mask).call_with_masks((X,), {}, mask)
    assert seen["mask"] is mask


def test_lambda_config_matches_keras() -> None:
    kwargs = {"output_shape": (3, 4), "arguments": {"factor": 2.0}, "name": "lam"}
    assert (P.Lambda(scale, **kwargs).get_config()
            == K.Lambda(scale, **kwargs).get_config())
    fn = lambda t: t + 1  # noqa: E731
    ours = P.Lambda(fn, name="l").get_config()
    theirs = K.Lambda(fn, name="l").get_config()
    assert ours == theirs
    assert ours["function"]["class_name"] == "__lambda__"


def test_lambda_from_config_refuses_bytecode_in_safe_mode() -> None:
    config = P.Lambda(lambda t: t * 5, name="l").get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        P.Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        P.Lambda.from_config(config, safe_mode=True)
    loaded = P.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(X)), X * 5)


def test_lambda_from_config_named_function() -> None:
    config = P.Lambda(double, name="l").get_config()
    with pytest.raises(ValueError, match="custom_objects"):
        P.Lambda.from_config(config)
    loaded = P.Lambda.from_config(config, custom_objects={"double": double})
    np.testing.assert_allclose(np.asarray(loaded(X)), X * 2)
    relu = P.Lambda.from_config(P.Lambda(pellucid.activations.relu).get_config())
    np.testing.assert_allclose(np.asarray(relu(X)), np.maximum(X, 0))
