"""Dependency maps are measured from the real function: exact boolean structures."""

import jax.numpy as jnp
import numpy as np
import pytest

import pellucid as keras
from pellucid.explain import explain

L = keras.layers
# Small sizes keep the Jacobians (and their compile times) small; the structure asserted
# is the same at any size. U != F so that swapped output/input axes cannot pass.
T, F, U = 4, 2, 3


def _block_diagonal(t: int, out: int, inp: int) -> np.ndarray:
    """``[t, out, s, in]`` True exactly when ``t == s``."""
    eye = np.eye(t, dtype=bool)
    return np.broadcast_to(eye[:, None, :, None], (t, out, t, inp))


def _over_steps(steps: np.ndarray, out: int, inp: int) -> np.ndarray:
    """Expand a ``(t, s)`` step pattern to ``(t, out, s, in)``."""
    t, s = steps.shape
    return np.broadcast_to(steps[:, None, :, None], (t, out, s, inp))


class MixesPreviousStep(L.Layer):
    """A user-written layer: ``y_t = x_t · w + x_(t-1) · v`` (with x_(-1) = 0)."""

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], 2), name="w")
        self.v = self.add_weight((input_shape[-1], 2), name="v")

    def call(self, x):
        previous = jnp.pad(x, ((0, 0), (1, 0), (0, 0)))[:, :-1]
        return x @ self.w.value + previous @ self.v.value


def test_dense_on_sequence_is_block_diagonal_over_time():
    dep = explain(L.Dense(U), input_shape=(T, F)).dependency()
    assert dep.shape == (T, U, T, F)
    assert np.array_equal(dep, _block_diagonal(T, U, F))


def test_time_distributed_dense_is_block_diagonal_over_time():
    dep = explain(L.TimeDistributed(L.Dense(U)), input_shape=(T, F)).dependency()
    assert np.array_equal(dep, _block_diagonal(T, U, F))


def test_flatten_dense_reads_every_step():
    model = keras.Sequential([keras.Input((T, F)), L.Flatten(), L.Dense(T * U),
                              L.Reshape((T, U))])
    dep = explain(model).dependency()
    assert dep.shape == (T, U, T, F) and dep.all()


def test_user_layer_mixing_previous_step():
    # One explanation serves both checks: axis_patterns reuses the measured map.
    expl = explain(MixesPreviousStep(), input_shape=(T, F))
    dep = expl.dependency()
    steps = np.zeros((T, T), bool)
    for t in range(T):
        steps[t, t] = True
        if t > 0:
            steps[t, t - 1] = True
    assert np.array_equal(dep, _over_steps(steps, 2, F))
    assert expl.axis_patterns() == {"time": "local windows"}


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_recurrent_layers_are_causal(cls):
    layer = getattr(L, cls)(U, return_sequences=True)
    dep = explain(layer, input_shape=(T, F)).dependency()
    causal = np.tril(np.ones((T, T), bool))
    assert np.array_equal(dep, _over_steps(causal, U, F))


def test_go_backwards_reads_the_sequence_from_the_end():
    dep = explain(L.LSTM(U, return_sequences=True, go_backwards=True),
                  input_shape=(T, F)).dependency()
    rows, cols = np.indices((T, T))
    assert np.array_equal(dep, _over_steps(cols >= T - 1 - rows, U, F))


def test_bidirectional_reads_both_ways():
    dep = explain(L.Bidirectional(L.LSTM(U, return_sequences=True)),
                  input_shape=(T, F)).dependency()
    assert dep.shape == (T, 2 * U, T, F)
    causal = _over_steps(np.tril(np.ones((T, T), bool)), U, F)
    anti = _over_steps(np.triu(np.ones((T, T), bool)), U, F)
    assert np.array_equal(dep[:, :U], causal)
    assert np.array_equal(dep[:, U:], anti)


def test_last_state_reads_every_step():
    dep = explain(L.LSTM(U), input_shape=(T, F)).dependency()
    assert dep.shape == (U, T, F) and dep.all()


def test_embedding_tokens_by_perturbation():
    dep = explain(L.Embedding(10, 3), input_shape=(T,)).dependency()
    expected = np.broadcast_to(np.eye(T, dtype=bool)[:, None, :], (T, 3, T))
    assert np.array_equal(dep, expected)


@pytest.mark.parametrize("n", [6, 7])
def test_conv1d_same_stride2_windows_match_impulses(n):
    layer = L.Conv1D(2, 3, strides=2, padding="same")
    expl = explain(layer, input_shape=(n, 1))
    (axis,) = expl.windows
    total_pad = max((-(-n // 2) - 1) * 2 + 3 - n, 0)
    assert (axis.padding_before, axis.padding_after) == (total_pad // 2,
                                                         total_pad - total_pad // 2)
    assert (axis.kernel, axis.stride) == (3, 2)
    for i in range(n):
        impulse = np.zeros((1, n, 1), "float32")
        impulse[0, i, 0] = 1.0
        out = np.asarray(layer(impulse))[0, :, 0] != np.asarray(
            layer(np.zeros_like(impulse)))[0, :, 0]
        for j in range(len(out)):
            assert out[j] == (i in axis.reads(j))


def test_conv2d_receptive_fields_and_valid_windows():
    expl = explain(L.Conv2D(2, (3, 2), strides=(2, 1), padding="valid"),
                   input_shape=(7, 5, 1))
    rows, cols = expl.windows
    assert [rows.window(j) for j in range(3)] == [(0, 3), (2, 5), (4, 7)]
    assert [cols.window(j) for j in range(4)] == [(0, 2), (1, 3), (2, 4), (3, 5)]
    assert rows.padding_before == rows.padding_after == 0
    dep = expl.dependency()
    assert dep[1, 2, 0].sum() == 3 * 2 and dep[1, 2, 0, 2:5, 2:4].all()


def test_dropout_masks_each_entry_independently():
    groups = explain(L.Dropout(0.5), input_shape=(T, F)).mask_groups()
    assert groups.shape == (2, T, F) and len(np.unique(groups)) == 2 * T * F


def test_noise_shape_shares_one_draw_per_feature():
    groups = explain(L.Dropout(0.5, noise_shape=(None, 1, F)), input_shape=(T, F)).mask_groups()
    assert len(np.unique(groups)) == 2 * F
    assert (groups == groups[:, :1, :]).all()


def test_spatial_dropout_shares_over_steps():
    groups = explain(L.SpatialDropout1D(0.5), input_shape=(T, F)).mask_groups()
    assert len(np.unique(groups)) == 2 * F and (groups == groups[:, :1, :]).all()


def test_lstm_dropout_drops_features_for_all_steps():
    groups = explain(L.LSTM(U, dropout=0.5), input_shape=(T, F)).mask_groups()
    assert (groups == groups[:, :1, :]).all()
    assert len(np.unique(groups)) == 2 * F


def test_inference_has_no_mask():
    assert (explain(L.Dense(U), input_shape=(T, F)).mask_groups() == -1).all()
