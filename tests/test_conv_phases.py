"""Strided convolutions differentiate through their phases (``ops.conv_phases``): the
same derivatives as XLA's own rule, in reverse and forward mode, and training that
matches Keras 3."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid
from pellucid import layers
from pellucid.backend import device
from pellucid.ops import conv as conv_ops
from pellucid.ops.conv_phases import conv_by_phases, strided_conv
from pellucid.training.execution import primitives
from tests.parity import copy_model_weights, keras_module

RNG = np.random.default_rng(11)

CASES = [
    # rank, data_format, strides, kernel, padding
    *[(2, "channels_last", (s, s), k, p)
      for s, k, p in itertools.product([2, 3], [1, 2, 3, 4], ["valid", "same"])],
    (2, "channels_first", (2, 2), 3, "same"),
    (2, "channels_last", (2, 1), 3, "valid"),
    (1, "channels_last", (2,), 5, "same"),
    (1, "channels_first", (3,), 2, "valid"),
    (3, "channels_last", (2, 2, 2), 3, "same"),
    (3, "channels_first", (1, 2, 3), 2, "valid"),
]


def _problem(rank, data_format, strides, kernel, padding):
    spatial = [9, 8, 7][:rank]
    shape = (3, *spatial, 4) if data_format == "channels_last" else (3, 4, *spatial)
    x = jnp.asarray(RNG.normal(size=shape), jnp.float32)
    w = jnp.asarray(RNG.normal(size=(kernel,) * rank + (4, 5)), jnp.float32)
    pads = tuple(map(tuple, conv_ops.conv_padding(spatial, [kernel] * rank, strides,
                                                  [1] * rank, padding)))
    dims = conv_ops._dimension_numbers(rank, data_format)

    def xla(x, w):
        return jax.lax.conv_general_dilated(x, w, strides, list(pads), dimension_numbers=dims)

    def phased(x, w):
        return strided_conv(x, w, tuple(strides), pads, dims)

    return x, w, pads, dims, xla, phased


@pytest.mark.parametrize("case", CASES, ids=str)
def test_phases_give_xlas_values_and_derivatives(case):
    x, w, pads, dims, xla, phased = _problem(*case)
    expected = xla(x, w)
    np.testing.assert_allclose(conv_by_phases(x, w, case[2], pads, dims), expected,
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(phased(x, w), expected, rtol=1e-6, atol=1e-6)

    cotangent = jnp.asarray(RNG.normal(size=expected.shape), jnp.float32)
    for ours, theirs in zip(jax.vjp(phased, x, w)[1](cotangent),
                            jax.vjp(xla, x, w)[1](cotangent), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)

    tangents = (jnp.asarray(RNG.normal(size=x.shape), jnp.float32),
                jnp.asarray(RNG.normal(size=w.shape), jnp.float32))
    np.testing.assert_allclose(jax.jvp(phased, (x, w), tangents)[1],
                               jax.jvp(xla, (x, w), tangents)[1], rtol=1e-5, atol=1e-5)


def test_one_sided_and_second_derivatives():
    x, w, _, _, xla, phased = _problem(2, "channels_last", (2, 2), 3, "same")
    for argnums in (0, 1):
        def loss(f, x, w):
            return jnp.sum(jnp.sin(f(x, w)))
        np.testing.assert_allclose(jax.grad(loss, argnums + 1)(phased, x, w),
                                   jax.grad(loss, argnums + 1)(xla, x, w), rtol=1e-5, atol=1e-5)
        hessian_vector = [jax.jvp(jax.grad(lambda x, w, f=f: loss(f, x, w), argnums), (x, w),
                                  (jnp.ones_like(x), jnp.ones_like(w)))[1]
                          for f in (phased, xla)]
        np.testing.assert_allclose(*hessian_vector, rtol=1e-4, atol=1e-4)
    small = x[:1, :4, :4, :1]
    kernel = w[:, :, :1, :2]
    np.testing.assert_allclose(jax.jacfwd(phased)(small, kernel), jax.jacrev(xla)(small, kernel),
                               rtol=1e-5, atol=1e-5)


def _convolution_primitives(**kwargs):
    layer = layers.Conv2D(4, 3, **kwargs)
    layer.build((None, 9, 9, 4))
    closed = jax.make_jaxpr(lambda x: layer(x))(jnp.ones((2, 9, 9, 4)))
    return {eqn.primitive.name for eqn in closed.jaxpr.eqns}, primitives(closed)


@pytest.mark.skipif(device.on_accelerator(), reason="phases are the CPU's path")
def test_only_strided_undilated_ungrouped_convolutions_take_phases():
    top, nested = _convolution_primitives(strides=2)
    assert "custom_jvp_call" in top and "conv_general_dilated" in nested
    for kwargs in ({}, {"strides": 2, "groups": 2}, {"dilation_rate": 2}):
        top, _ = _convolution_primitives(**kwargs)
        assert "custom_jvp_call" not in top and "conv_general_dilated" in top, kwargs


@pytest.mark.parametrize("layer_name, shape", [("Conv1D", (12, 3)), ("Conv2D", (11, 10, 3)),
                                               ("Conv3D", (7, 6, 5, 3))])
def test_strided_conv_models_train_like_keras(layer_name, shape):
    keras = keras_module()

    def build(lib):
        conv = getattr(lib.layers, layer_name)
        model = lib.Sequential([lib.Input(shape), conv(4, 3, strides=2, padding="same",
                                                       activation="relu"),
                                conv(5, 2, strides=2, activation="tanh"),
                                lib.layers.Flatten(), lib.layers.Dense(2)])
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model

    keras.utils.set_random_seed(1)
    theirs = build(keras)
    ours = build(pellucid)
    copy_model_weights(ours, theirs)
    x = RNG.normal(size=(16, *shape)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    ours_history = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    theirs_history = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(ours_history["loss"], theirs_history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
