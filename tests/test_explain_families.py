"""explain() on attention, merging, pooling and transposed convolution: measured maps
checked against the real layers (and Keras where it has the same layer)."""

import numpy as np
import pytest
from parity import keras_module

import pellucid
from pellucid.explain import explain

keras = keras_module()
L = pellucid.layers
T, F = 5, 3


def self_attention(causal: bool) -> pellucid.Model:
    inputs = pellucid.Input((T, F))
    outputs = L.MultiHeadAttention(2, 4)(inputs, inputs, use_causal_mask=causal)
    return pellucid.Model(inputs, outputs)


def moved_outputs(model, step: int) -> np.ndarray:
    """Which output steps change when input step ``step`` changes (the real model)."""
    x = np.random.default_rng(0).normal(size=(1, T, F)).astype("float32")
    changed = x.copy()
    changed[0, step] += 1.0
    before, after = np.asarray(model(x))[0], np.asarray(model(changed))[0]
    return np.abs(after - before).max(axis=-1) > 1e-6


def test_self_attention_every_query_reads_every_value_position():
    model = self_attention(causal=False)
    e = explain(model)
    assert e.dependency().shape == (T, F, T, F) and e.dependency().all()
    assert e.axis_patterns() == {"time": "all-to-all"}
    assert moved_outputs(model, T - 1).all()


def test_causal_self_attention_reads_only_earlier_positions():
    model = self_attention(causal=True)
    e = explain(model)
    steps = e.dependency().any(axis=(1, 3))
    assert np.array_equal(steps, np.tril(np.ones((T, T), bool)))
    assert e.axis_patterns() == {"time": "causal"}
    for s in range(T):
        assert np.array_equal(moved_outputs(model, s), np.arange(T) >= s)


def test_add_output_element_reads_the_same_element_of_each_input():
    e = explain(L.Add(), input_shape=[(T, F), (T, F)])
    identity = np.eye(T * F, dtype=bool).reshape(T, F, T, F)
    assert np.array_equal(e.dependency(0, 0), identity)
    assert np.array_equal(e.dependency(1, 0), identity)
    assert e.param_count == 0


def keras_window_hits(size: int, pool: int, stride: int) -> np.ndarray:
    """``hits[a, b, i, j]``: Keras's MaxPooling2D output (a, b) sees pixel (i, j) — an
    impulse of 1 at (i, j) on an image of -1s reaches it."""
    layer = keras.layers.MaxPooling2D(pool, strides=stride, padding="same")
    images = -np.ones((size * size, size, size, 1), "float32")
    images[np.arange(size * size), np.arange(size * size) // size,
           np.arange(size * size) % size, 0] = 1.0
    out = np.asarray(layer(images))[..., 0] > 0  # (pixel, a, b)
    return np.moveaxis(out.reshape(size, size, *out.shape[1:]), [0, 1], [2, 3])


@pytest.mark.parametrize("size", [7, 8])
def test_max_pooling_same_stride2_windows_equal_keras(size):
    e = explain(L.MaxPooling2D(3, strides=2, padding="same"), input_shape=(size, size, 1))
    out = -(-size // 2)
    assert e.output_shape == (None, out, out, 1)
    rows, cols = e.windows
    total = (out - 1) * 2 + 3 - size
    assert (rows.padding_before, rows.padding_after) == (total // 2, total - total // 2)
    assert (rows.kernel, rows.stride) == (3, 2)
    assert (rows.role, cols.role) == ("height", "width") and rows.starts == cols.starts
    # Every pixel of a window can be its max, so the map shows whole windows.
    measured = e.dependency()[:, :, 0, :, :, 0]
    assert np.array_equal(measured, keras_window_hits(size, 3, 2))
    for a in range(out):
        for b in range(out):
            r0, r1 = rows.window(a)
            c0, c1 = cols.window(b)
            assert measured[a, b].sum() == (min(r1, size) - max(r0, 0)) * (
                min(c1, size) - max(c0, 0))


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 4, "kernel_size": 3, "strides": 2}, (5, 2)),
    ({"filters": 6, "kernel_size": 5, "padding": "same", "use_bias": False}, (7, 3)),
])
def test_conv1d_transpose_parameter_arithmetic(kwargs, shape):
    ours = L.Conv1DTranspose(**kwargs)
    e = explain(ours, input_shape=shape)
    theirs = keras.layers.Conv1DTranspose(**kwargs)
    theirs.build((None,) + shape)
    expected = kwargs["kernel_size"] * kwargs["filters"] * shape[-1] + (
        kwargs["filters"] if kwargs.get("use_bias", True) else 0)
    assert e.param_count == ours.count_params() == theirs.count_params() == expected
    assert e.param_lines[-1] == f"total {expected:,}"
    assert sum(count for _, _, count in e.weights) == expected
    assert e.output_shape == tuple(theirs.compute_output_shape((None,) + shape))
