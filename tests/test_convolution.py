"""Convolution layers against Keras 3: outputs, weight layouts, parameter counts, errors."""

import numpy as np
import pytest

import pellucid
from pellucid.ops.conv import same_padding
from tests.parity import check_layer, keras_module

keras = keras_module()
RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _pair(name, **kwargs):
    return (lambda: getattr(pellucid.layers, name)(**kwargs),
            lambda: getattr(keras.layers, name)(**kwargs))


# Each case changes the numbers or the output shape: padding x stride x odd/even size x
# dilation x data_format x groups. float32 sums of up to ~100 terms in XLA's order: 1e-5.
CONV_CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 8, 3)),
    ("Conv1D", dict(filters=4, kernel_size=4, strides=2, padding="same"), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=2, padding="same", dilation_rate=3), (2, 8, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, groups=2, activation="relu"), (2, 7, 6)),
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, data_format="channels_first"),
     (2, 3, 10)),
    ("Conv2D", dict(filters=5, kernel_size=3, strides=2, padding="same"), (2, 8, 8, 3)),
    ("Conv2D", dict(filters=5, kernel_size=(3, 2), strides=(2, 3), padding="same"),
     (2, 7, 9, 3)),
    ("Conv2D", dict(filters=5, kernel_size=3, padding="valid", dilation_rate=(2, 1)),
     (2, 9, 8, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, padding="same", data_format="channels_first",
                    groups=2, use_bias=False), (2, 4, 6, 7)),
    ("Conv3D", dict(filters=3, kernel_size=2, strides=2, padding="same"), (1, 5, 4, 3, 2)),
    ("Conv3D", dict(filters=3, kernel_size=(3, 1, 2), data_format="channels_first"),
     (1, 2, 5, 4, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2), (2, 5, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 5, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=4, strides=3, padding="same",
                             output_padding=1), (2, 5, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=3, dilation_rate=2, padding="valid"),
     (2, 6, 3)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 4, 5, 2)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=(2, 3), strides=(1, 2), output_padding=(0, 1),
                             data_format="channels_first"), (2, 2, 4, 5)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2), (1, 3, 2, 3, 2)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same"),
     (2, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, padding="valid",
                             dilation_rate=2), (2, 9, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=2, strides=2, padding="same",
                             data_format="channels_first"), (2, 3, 5, 6)),
    ("SeparableConv1D", dict(filters=5, kernel_size=3, depth_multiplier=2, padding="same",
                             strides=2), (2, 9, 3)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, depth_multiplier=1, padding="valid"),
     (2, 7, 6, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=2, strides=2, padding="same",
                             data_format="channels_first", use_bias=False), (2, 3, 5, 5)),
]


@pytest.mark.parametrize(("index", "name", "kwargs", "shape"),
                         [(i, *c) for i, c in enumerate(CONV_CASES)],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV_CASES)])
def test_conv_layers_match_keras(index, name, kwargs, shape):
    # Symbolic (Input) shapes are traced for every third case to keep the file fast.
    ours, theirs = check_layer(*_pair(name, **kwargs), _x(*shape), symbolic=index % 3 == 0)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


def test_same_padding_formula():
    # out = ceil(n / s); total = max(0, (out - 1) * s + k_eff - n); extra zero at the end.
    assert same_padding(8, 3, 2) == (0, 1)
    assert same_padding(7, 3, 2) == (1, 1)
    assert same_padding(8, 4, 2) == (1, 1)
    assert same_padding(9, 4, 2) == (1, 2)
    assert same_padding(5, 2, 1, dilation=3) == (1, 2)
    assert same_padding(4, 1, 4) == (0, 0)


def test_stride2_same_windows_start_at_zero_on_even_input():
    """Stride-2 'same' 3x3 conv on 8x8: windows start at rows/cols 0, 2, 4, 6 (pad at end)."""
    layer = pellucid.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    x = np.zeros((1, 8, 8, 1), "float32")
    layer(x)
    kernel = np.arange(1, 10, dtype="float32").reshape(3, 3, 1, 1)
    layer.set_weights([kernel])
    for r, c in [(0, 0), (2, 4), (3, 5), (7, 7)]:
        impulse = x.copy()
        impulse[0, r, c, 0] = 1.0
        got = np.asarray(layer(impulse))[0, :, :, 0]
        expected = np.zeros((4, 4), "float32")
        # Output (i, j) reads rows 2i..2i+2 and cols 2j..2j+2: the impulse lands at
        # kernel tap (r - 2i, c - 2j) when that tap exists.
        for i in range(4):
            for j in range(4):
                dr, dc = r - 2 * i, c - 2 * j
                if 0 <= dr < 3 and 0 <= dc < 3:
                    expected[i, j] = kernel[dr, dc, 0, 0]
        np.testing.assert_array_equal(got, expected)
        k = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
        k.build((1, 8, 8, 1))
        k.set_weights([kernel])
        np.testing.assert_array_equal(np.asarray(k(impulse))[0, :, :, 0], expected)


def test_parameter_count_of_grouped_conv():
    layer = pellucid.layers.Conv2D(8, (3, 3), groups=4)
    layer(_x(1, 5, 5, 4))
    assert layer.kernel.shape == (3, 3, 1, 8)
    assert layer.count_params() == 3 * 3 * 1 * 8 + 8


@pytest.mark.parametrize(("layer", "shape", "words"), [
    (lambda: pellucid.layers.Conv2D(2, 5), (1, 3, 3, 2), "empty output"),
    (lambda: pellucid.layers.Conv1D(2, 3, data_format="channels_first"), (1, None, 8),
     "channels axis"),
    (lambda: pellucid.layers.MaxPooling2D(4), (1, 3, 3, 2), "empty output"),
])
def test_bad_input_shapes_raise(layer, shape, words):
    with pytest.raises(ValueError, match=words):
        layer()(pellucid.Input(shape[1:]))


def test_channel_mismatch_after_build_names_the_layer():
    layer = pellucid.layers.Conv2D(2, 3, name="c")
    layer(_x(1, 6, 6, 3))
    with pytest.raises(ValueError, match="'c'.*size 3"):
        layer(_x(1, 6, 6, 4))


@pytest.mark.parametrize("kwargs", [
    dict(filters=0, kernel_size=3), dict(filters=2, kernel_size=0),
    dict(filters=2, kernel_size=3, strides=-1), dict(filters=3, kernel_size=3, groups=2),
    dict(filters=2, kernel_size=3, padding="full"),
    dict(filters=2, kernel_size=3, strides=2, dilation_rate=2),
])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError, match="Conv2D"):
        pellucid.layers.Conv2D(**kwargs)


def test_causal_padding_only_for_1d_and_output_never_sees_the_future():
    with pytest.raises(ValueError, match="causal"):
        pellucid.layers.Conv2D(2, 3, padding="causal")
    layer = pellucid.layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = _x(1, 10, 3)
    base = np.asarray(layer(x))
    x2 = x.copy()
    x2[0, 6:] += 1.0
    np.testing.assert_array_equal(np.asarray(layer(x2))[0, :6], base[0, :6])
