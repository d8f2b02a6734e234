"""Pooling, global pooling, upsampling, zero padding and cropping against Keras 3."""

import numpy as np
import pytest

import pellucid
from tests.parity import check_layer, keras_module

keras = keras_module()
RNG = np.random.default_rng(1)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _pair(name, **kwargs):
    return (lambda: getattr(pellucid.layers, name)(**kwargs),
            lambda: getattr(keras.layers, name)(**kwargs))


# padding x stride x odd/even size x data_format; 'same' average pooling on odd sizes puts
# partial windows at the border, which is where the count of real cells matters.
CASES = [
    ("MaxPooling1D", dict(pool_size=2), (2, 9, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 3)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 8, 3)),
    ("MaxPooling2D", dict(pool_size=(2, 3), strides=1, data_format="channels_first"),
     (2, 3, 5, 6)),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), (1, 3, 4, 5, 2)),
    ("AveragePooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 9, 3)),
    ("AveragePooling1D", dict(pool_size=2, data_format="channels_first"), (2, 3, 9)),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 7, 3)),
    ("AveragePooling2D", dict(pool_size=2, strides=(1, 2), padding="valid"), (2, 5, 6, 3)),
    ("AveragePooling2D", dict(pool_size=3, padding="same", data_format="channels_first"),
     (2, 3, 5, 7)),
    ("AveragePooling3D", dict(pool_size=(2, 3, 2), strides=2, padding="same"), (1, 5, 4, 3, 2)),
    ("GlobalMaxPooling1D", dict(), (2, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True, data_format="channels_first"), (2, 3, 4, 5)),
    ("GlobalMaxPooling3D", dict(), (2, 3, 4, 2, 3)),
    ("GlobalAveragePooling1D", dict(data_format="channels_first"), (2, 3, 5)),
    ("GlobalAveragePooling2D", dict(keepdims=True), (2, 4, 5, 3)),
    ("GlobalAveragePooling3D", dict(data_format="channels_first"), (2, 3, 2, 4, 2)),
    ("UpSampling1D", dict(size=3), (2, 4, 3)),
    ("UpSampling2D", dict(size=(2, 3)), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), (2, 3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear",
                          data_format="channels_first"), (2, 2, 3, 4)),
    ("UpSampling3D", dict(size=(1, 2, 3), data_format="channels_first"), (1, 2, 2, 3, 2)),
    ("ZeroPadding1D", dict(padding=(1, 3)), (2, 4, 3)),
    ("ZeroPadding2D", dict(padding=((1, 0), (2, 3))), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=2, data_format="channels_first"), (2, 2, 3, 4)),
    ("ZeroPadding3D", dict(padding=(1, 0, 2)), (1, 2, 3, 2, 2)),
    ("Cropping1D", dict(cropping=(2, 1)), (2, 6, 3)),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1))), (2, 5, 6, 2)),
    ("Cropping2D", dict(cropping=1, data_format="channels_first"), (2, 2, 5, 6)),
    ("Cropping3D", dict(cropping=((1, 1), (0, 1), (2, 0))), (1, 4, 3, 5, 2)),
]


@pytest.mark.parametrize(("index", "name", "kwargs", "shape"),
                         [(i, *c) for i, c in enumerate(CASES)],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pooling_family_matches_keras(index, name, kwargs, shape):
    # Symbolic (Input) shapes are traced for every third case to keep the file fast.
    check_layer(*_pair(name, **kwargs), _x(*shape), symbolic=index % 3 == 0)


def test_same_average_pooling_divides_by_real_cells():
    x = np.ones((1, 5, 1), "float32")
    out = np.asarray(pellucid.layers.AveragePooling1D(3, strides=2, padding="same")(x))
    # Padding zeros are not counted, so a constant input stays constant at the borders.
    np.testing.assert_allclose(out[0, :, 0], np.ones(3))


def test_global_average_pooling_1d_uses_the_mask_like_keras():
    x = _x(2, 5, 3)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    got = pellucid.layers.GlobalAveragePooling1D()(x, mask=mask)
    expected = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-6)
    np.testing.assert_allclose(np.asarray(got)[0], x[0, :3].mean(0), atol=1e-6)


def test_masked_average_in_a_functional_model():
    def build(lib):
        inp = lib.Input((4,), dtype="int32")
        emb = lib.layers.Embedding(10, 3, mask_zero=True)(inp)
        return lib.Model(inp, lib.layers.GlobalAveragePooling1D()(emb))
    ours, theirs = build(pellucid), build(keras)
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[3, 4, 0, 0], [1, 2, 5, 0]], "int32")
    np.testing.assert_allclose(np.asarray(ours(tokens)), np.asarray(theirs(tokens)), atol=1e-6)


@pytest.mark.parametrize(("make", "shape", "words"), [
    (lambda: pellucid.layers.MaxPooling2D(4), (1, 3, 3, 2), "empty output"),
    (lambda: pellucid.layers.AveragePooling1D(3, data_format="channels_first"), (1, 5, 2),
     "empty output"),
    (lambda: pellucid.layers.Cropping1D((2, 2)), (1, 4, 2), "crop all"),
])
def test_bad_shapes_raise(make, shape, words):
    with pytest.raises(ValueError, match=words):
        make()(pellucid.Input(shape[1:]))


@pytest.mark.parametrize(("make", "words"), [
    (lambda: pellucid.layers.MaxPooling2D(0), "pool_size"),
    (lambda: pellucid.layers.AveragePooling1D(2, strides=-1), "strides"),
    (lambda: pellucid.layers.MaxPooling1D(2, padding="causal"), "padding"),
    (lambda: pellucid.layers.UpSampling2D(0), "size"),
    (lambda: pellucid.layers.ZeroPadding2D(-1), "padding"),
    (lambda: pellucid.layers.UpSampling2D(interpolation="area"), "interpolation"),
    (lambda: pellucid.layers.GlobalMaxPooling2D(data_format="nhwc"), "data_format"),
])
def test_bad_arguments_raise(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match="max_pooling2d.*rank 4"):
        pellucid.layers.MaxPooling2D()(_x(2, 5, 3))
