"""``ops.dense_matmul``: ``inputs @ kernel`` with a written-out derivative whose values are
``jnp.matmul``'s, in reverse and forward mode, and Dense layers that train as Keras's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid
from pellucid.backend import device
from pellucid.ops.dense_matmul import dense_matmul
from tests.parity import keras_module

RNG = np.random.default_rng(4)


def _arrays(x_shape, units=5):
    x = jnp.asarray(RNG.normal(size=x_shape).astype("float32"))
    w = jnp.asarray(RNG.normal(size=(x_shape[-1], units)).astype("float32"))
    return x, w


@pytest.mark.parametrize("x_shape", [(7, 3), (2, 6, 3), (2, 2, 3, 4)])
def test_values_and_gradients_equal_matmul(x_shape):
    x, w = _arrays(x_shape)
    np.testing.assert_array_equal(dense_matmul(x, w), jnp.matmul(x, w))
    cotangent = jnp.asarray(RNG.normal(size=x_shape[:-1] + (5,)).astype("float32"))
    ours = jax.vjp(dense_matmul, x, w)[1](cotangent)
    theirs = jax.vjp(jnp.matmul, x, w)[1](cotangent)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    # One-sided: only the kernel differentiated (the data input of a first layer).
    np.testing.assert_allclose(jax.grad(lambda w: jnp.sum(dense_matmul(x, w) ** 2))(w),
                               jax.grad(lambda w: jnp.sum(jnp.matmul(x, w) ** 2))(w),
                               rtol=1e-5, atol=1e-5)


def test_forward_mode_and_second_derivatives():
    x, w = _arrays((4, 3), units=2)
    for argnums in (0, 1):
        np.testing.assert_allclose(jax.jacfwd(dense_matmul, argnums)(x, w),
                                   jax.jacrev(jnp.matmul, argnums)(x, w), rtol=1e-6, atol=1e-6)
    loss = lambda f: lambda x, w: jnp.sum(jnp.tanh(f(x, w)))  # noqa: E731
    np.testing.assert_allclose(jax.hessian(loss(dense_matmul), (0, 1))(x, w)[0][1],
                               jax.hessian(loss(jnp.matmul), (0, 1))(x, w)[0][1],
                               rtol=1e-5, atol=1e-6)
    batched = jax.vmap(jax.grad(loss(dense_matmul), 1), in_axes=(0, None))(
        jnp.stack([x, 2 * x]), w)
    expected = jax.vmap(jax.grad(loss(jnp.matmul), 1), in_axes=(0, None))(
        jnp.stack([x, 2 * x]), w)
    np.testing.assert_allclose(batched, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(device.on_accelerator(), reason="the written derivative is for CPUs")
def test_kernel_gradient_multiplies_a_transposed_copy_on_the_cpu():
    x, w = _arrays((6, 3))
    grad = jax.jit(jax.grad(lambda w: jnp.sum(dense_matmul(x, w))))
    assert "optimization_barrier" in str(grad.lower(w).as_text())
    # A vector input keeps jnp.matmul.
    assert dense_matmul(x[0], w).shape == (5,)
    np.testing.assert_array_equal(dense_matmul(x[0], w), jnp.matmul(x[0], w))


def test_dense_layers_train_like_keras():
    keras = keras_module()
    x = RNG.normal(size=(48, 6, 4)).astype("float32")
    y = RNG.normal(size=(48, 6, 2)).astype("float32")

    def build(lib):
        model = lib.Sequential([lib.Input((6, 4)), lib.layers.Dense(8, activation="tanh"),
                                lib.layers.Flatten(), lib.layers.Dense(12),
                                lib.layers.Reshape((6, 2))])
        model.compile(lib.optimizers.SGD(0.05), "mse")
        return model

    pellucid.utils.set_random_seed(2)
    ours, theirs = build(pellucid), build(keras)
    theirs.set_weights(ours.get_weights())
    our_loss = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
    their_loss = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False,
                            verbose=0).history["loss"]
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
