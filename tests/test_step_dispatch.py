"""Convolutional models run one step per dispatch; RNNs may skip stacking their outputs."""

import jax
import jax.numpy as jnp
import numpy as np

import pellucid as keras
from pellucid.ops.rnn import rnn
from pellucid.training import execution


def _conv_model(steps_per_execution=1):
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, strides=2),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile("adam", "mse", steps_per_execution=steps_per_execution)
    return model


def test_uses_convolution_finds_nested_convolutions():
    def convolve(x, w):
        return jax.lax.conv_general_dilated(x, w, (1, 1), "VALID")

    x, w = jnp.ones((1, 1, 5, 5)), jnp.ones((1, 1, 3, 3))
    nested = jax.make_jaxpr(lambda x, w: jax.jit(jax.grad(
        lambda w: jnp.sum(convolve(x, w))))(w))(x, w)
    assert execution.uses_convolution(nested)
    assert not execution.uses_convolution(jax.make_jaxpr(lambda x: jnp.sum(x @ x))(w[0, 0]))


def test_dispatches_split_a_block_into_real_steps():
    index = [np.arange(i * 2, i * 2 + 2) for i in range(3)]
    block = next(execution.blocks(index, 4))
    assert [(part.tolist(), count) for part, count in execution.dispatches(block, 4)] == [
        (block.indices.tolist(), 3)]
    assert [(part.tolist(), count) for part, count in execution.dispatches(block, 1)] == [
        ([[0, 1]], 1), ([[2, 3]], 1), ([[4, 5]], 1)]


def test_conv_model_trains_the_same_with_blocks():
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 8, 8, 1), np.float32), rng.random((40, 3), np.float32)
    results = []
    for spe in (1, 4):
        model = _conv_model(spe)
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert model._trainer._convolves
        results.append((history.history["loss"], model.get_weights()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_rnn_last_output_without_stacking():
    rng = np.random.default_rng(1)
    xs = jnp.asarray(rng.random((3, 5, 2), np.float32))
    mask = jnp.asarray(rng.random((3, 5)) < 0.6)
    w = jnp.asarray(rng.random((2, 2), np.float32))

    def step(x_t, states):
        h = jnp.tanh(x_t + states[0] @ w)
        return h, [h]

    for m in (None, mask):
        for backwards in (False, True):
            full = rnn(step, xs, [jnp.zeros((3, 2))], m, backwards)
            last = rnn(step, xs, [jnp.zeros((3, 2))], m, backwards, return_all_outputs=False)
            assert last[1] is None
            np.testing.assert_allclose(full[0], last[0], rtol=1e-6)
            np.testing.assert_allclose(full[2][0], last[2][0], rtol=1e-6)
