"""The LSTM's cuDNN path: weight layout, step order and the layer's choice of path.

On the CPU the cuDNN call is replaced by JAX's reference LSTM
(``jax.experimental.rnn.lstm_ref``), which reads the same flat weight vector, so the
packing and the handling of ``go_backwards`` and initial states are checked here; on a
CUDA GPU the last test compares the real cuDNN kernel with the loop, values and
gradients.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import rnn as jax_rnn

import pellucid as keras
from pellucid.backend import StateScope
from pellucid.layers.recurrent import cudnn_lstm


def reference_kernel(x, h0, c0, weights, seq_lengths, *, input_size, hidden_size,
                     num_layers, dropout, bidirectional):
    w_ih, w_hh, b_ih, b_hh = jax_rnn.unpack_lstm_weights(
        weights, input_size, hidden_size, num_layers, bidirectional)
    return jax_rnn.lstm_ref(x, h0, c0, w_ih, w_hh, b_ih, b_hh, seq_lengths, input_size,
                            hidden_size, num_layers, dropout, bidirectional)


def _layer_and_data(go_backwards: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    layer = keras.layers.LSTM(6, return_sequences=True, return_state=True,
                              go_backwards=go_backwards, use_cudnn=False)
    x = rng.normal(size=(3, 7, 5)).astype("float32")
    h0, c0 = (rng.normal(size=(3, 6)).astype("float32") for _ in range(2))
    layer(x, initial_state=[h0, c0])
    # A non-zero bias, so a bias in the wrong place shows.
    kernel, recurrent, bias = layer.get_weights()
    layer.set_weights([kernel, recurrent, rng.normal(size=bias.shape).astype("float32")])
    return layer, x, h0, c0


@pytest.mark.parametrize("go_backwards", [False, True])
def test_packed_weights_compute_the_layers_lstm(go_backwards):
    layer, x, h0, c0 = _layer_and_data(go_backwards)
    outputs, h, c = (np.asarray(a) for a in layer(x, initial_state=[h0, c0]))
    kernel, recurrent, bias = (jnp.asarray(w) for w in layer.get_weights())
    last, fused_outputs, (fused_h, fused_c) = cudnn_lstm.lstm_with_cudnn(
        jnp.asarray(x), [jnp.asarray(h0), jnp.asarray(c0)], kernel, recurrent, bias,
        go_backwards, lstm_kernel=reference_kernel)
    np.testing.assert_allclose(fused_outputs, outputs, atol=1e-5)
    np.testing.assert_allclose(last, outputs[:, -1], atol=1e-5)
    np.testing.assert_allclose(fused_h, h, atol=1e-5)
    np.testing.assert_allclose(fused_c, c, atol=1e-5)


def test_pack_weights_layout():
    kernel = jnp.arange(2 * 8, dtype="float32").reshape(2, 8)
    recurrent = 100 + jnp.arange(2 * 8, dtype="float32").reshape(2, 8)
    bias = 1000 + jnp.arange(8, dtype="float32")
    packed = cudnn_lstm.pack_weights(kernel, recurrent, bias)
    assert packed.shape == (jax_rnn.get_num_params_in_lstm(2, 2, 1, False),)
    np.testing.assert_array_equal(packed[:16], kernel.T.ravel())
    np.testing.assert_array_equal(packed[16:32], recurrent.T.ravel())
    np.testing.assert_array_equal(packed[32:40], bias)
    np.testing.assert_array_equal(packed[40:], 0.0)


def test_which_layers_fit_cudnn():
    def fits(layer, mask=None, training=False):
        layer.build((2, 4, 3))
        return cudnn_lstm.lstm_fits_cudnn(layer, mask, training, None)

    assert fits(keras.layers.LSTM(4))
    assert fits(keras.layers.LSTM(4, dropout=0.5))  # dropout is off outside training
    assert not fits(keras.layers.LSTM(4, dropout=0.5), training=True)
    assert not fits(keras.layers.LSTM(4, recurrent_dropout=0.5), training=True)
    assert not fits(keras.layers.LSTM(4, activation="relu"))
    assert not fits(keras.layers.LSTM(4, recurrent_activation="hard_sigmoid"))
    assert not fits(keras.layers.LSTM(4, use_bias=False))
    assert not fits(keras.layers.LSTM(4, unroll=True))
    assert fits(keras.layers.LSTM(4), mask=jnp.ones((2, 4), bool))
    assert not fits(keras.layers.LSTM(4, go_backwards=True), mask=jnp.ones((2, 4), bool))


PREFIX_MASK = np.array([[1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0, 0]],
                       bool)


@pytest.mark.parametrize("zero_output_for_mask", [False, True])
@pytest.mark.parametrize("mask,prefix", [
    (PREFIX_MASK, True),
    (np.array([[1, 0, 1, 1, 1, 1, 1]] * 3, bool), False),  # a hole: not a length
    (np.array([[0] * 7, [1] * 7, [1] * 7], bool), False),  # an empty sequence
])
def test_masked_call_takes_cudnn_only_for_padding_at_the_end(zero_output_for_mask, mask,
                                                             prefix):
    layer, x, h0, c0 = _layer_and_data(False)
    layer.zero_output_for_mask = zero_output_for_mask
    outputs, h, c = (jnp.asarray(a) for a in layer(x, initial_state=[h0, c0], mask=mask))
    # The loop's answer, shifted so that the branch taken shows.
    sentinel = (outputs[:, -1] + 1000, outputs + 1000, [h + 1000, c + 1000])
    weights = tuple(jnp.asarray(w) for w in layer.get_weights())
    last, fused_outputs, (fused_h, fused_c) = cudnn_lstm.masked_lstm_with_cudnn(
        jnp.asarray(x), [jnp.asarray(h0), jnp.asarray(c0)], jnp.asarray(mask), weights,
        zero_output_for_mask, True, lambda: sentinel, lstm_kernel=reference_kernel)
    shift = 0 if prefix else 1000
    np.testing.assert_allclose(fused_outputs, outputs + shift, atol=1e-5)
    np.testing.assert_allclose(last, outputs[:, -1] + shift, atol=1e-5)
    np.testing.assert_allclose(fused_h, h + shift, atol=1e-5)
    np.testing.assert_allclose(fused_c, c + shift, atol=1e-5)


def test_masked_last_output_is_the_last_real_steps():
    layer, x, h0, c0 = _layer_and_data(False)
    single = keras.layers.LSTM(6, use_cudnn=False)
    single(x)
    single.set_weights(layer.get_weights())
    expected = np.asarray(single(x, initial_state=[h0, c0], mask=PREFIX_MASK))
    weights = tuple(jnp.asarray(w) for w in layer.get_weights())
    last, outputs, _ = cudnn_lstm.masked_lstm_with_cudnn(
        jnp.asarray(x), [jnp.asarray(h0), jnp.asarray(c0)], jnp.asarray(PREFIX_MASK),
        weights, False, False, lambda: (jnp.zeros_like(expected), None, [h0, c0]),
        lstm_kernel=reference_kernel)
    assert outputs is None
    np.testing.assert_allclose(last, expected, atol=1e-5)


@pytest.mark.skipif(cudnn_lstm.cudnn_backend(), reason="checks the CPU's answer")
def test_use_cudnn_true_without_a_gpu_is_an_error_as_in_keras():
    layer = keras.layers.LSTM(4, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layer(np.zeros((2, 3, 5), "float32"))
    keras.layers.LSTM(4, use_cudnn="auto")(np.zeros((2, 3, 5), "float32"))


def _outputs_and_grads(layer, x, h0, c0, mask):
    def loss(values):
        with StateScope(dict(zip(layer.weights, values, strict=True))):
            return sum(jnp.sum(jnp.sin(o)) for o in layer(x, initial_state=[h0, c0],
                                                         mask=mask))

    outputs = [np.asarray(o) for o in layer(x, initial_state=[h0, c0], mask=mask)]
    return outputs, jax.grad(loss)([w.value for w in layer.weights])


@pytest.mark.skipif(not cudnn_lstm.cudnn_backend(), reason="needs a CUDA GPU for cuDNN")
@pytest.mark.parametrize("go_backwards,mask", [(False, None), (True, None),
                                               (False, PREFIX_MASK)])
def test_cudnn_path_matches_the_loop_on_gpu(go_backwards, mask):
    loop, x, h0, c0 = _layer_and_data(go_backwards, seed=1)
    fused = keras.layers.LSTM(6, return_sequences=True, return_state=True,
                              go_backwards=go_backwards, use_cudnn=True)
    fused(x, initial_state=[h0, c0])
    fused.set_weights(loop.get_weights())
    outputs, grads = _outputs_and_grads(fused, x, h0, c0, mask)
    loop_outputs, loop_grads = _outputs_and_grads(loop, x, h0, c0, mask)
    for a, b in zip(outputs + grads, loop_outputs + loop_grads, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-4, rtol=1e-4)
