"""Rescaling and Resizing against Keras 3: values, dtypes, shapes, configs, saving."""

import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid

keras = keras_module()
L, KL = pellucid.layers, keras.layers
RNG = np.random.default_rng(7)
IMAGES = RNG.random((2, 9, 13, 3)).astype("float32") * 255
PIXELS = RNG.integers(0, 256, (2, 9, 13, 3)).astype("uint8")


def pair(name, *args, **kwargs):
    return (lambda: getattr(L, name)(*args, **kwargs)), (lambda: getattr(KL, name)(*args, **kwargs))


@pytest.mark.parametrize("kwargs", [
    {}, {"interpolation": "nearest"}, {"interpolation": "bicubic"},
    {"interpolation": "lanczos3", "antialias": True},
    {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 7.0},
])
@pytest.mark.parametrize("size", [(5, 6), (12, 20)])
def test_resizing_matches_keras(kwargs, size):
    check_layer(*pair("Resizing", *size, **kwargs), IMAGES, atol=1e-3)


@pytest.mark.parametrize("kwargs", [{}, {"crop_to_aspect_ratio": True},
                                    {"pad_to_aspect_ratio": True}])
def test_resizing_channels_first_and_single_images(kwargs):
    first = np.ascontiguousarray(IMAGES.transpose(0, 3, 1, 2))
    check_layer(*pair("Resizing", 4, 8, data_format="channels_first", **kwargs), first,
                atol=1e-3)
    ours, theirs = L.Resizing(4, 8, **kwargs), KL.Resizing(4, 8, **kwargs)
    np.testing.assert_allclose(np.asarray(ours(IMAGES[0])), np.asarray(theirs(IMAGES[0])),
                               atol=1e-3)


def test_integer_images_stay_integers_as_in_keras():
    ours = np.asarray(L.Resizing(5, 7)(PIXELS))
    theirs = np.asarray(KL.Resizing(5, 7)(PIXELS))
    assert ours.dtype == theirs.dtype == np.uint8
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("args", [(1 / 255,), (1 / 127.5, -1.0), ([0.5, 1.0, 2.0], [0, 1, 2])])
def test_rescaling_matches_keras(args):
    ours, theirs = check_layer(*pair("Rescaling", *args), IMAGES)
    assert np.asarray(L.Rescaling(*args)(PIXELS)).dtype == np.float32
    np.testing.assert_allclose(np.asarray(L.Rescaling(*args)(PIXELS)),
                               np.asarray(KL.Rescaling(*args)(PIXELS)), rtol=1e-6)


def test_configs_and_a_saved_model_round_trip_with_keras(tmp_path):
    for ours, theirs in [(L.Resizing(4, 5, interpolation="nearest", pad_to_aspect_ratio=True),
                          KL.Resizing(4, 5, interpolation="nearest", pad_to_aspect_ratio=True)),
                         (L.Rescaling(0.5, 1.0), KL.Rescaling(0.5, 1.0))]:
        assert ours.get_config() == theirs.get_config()
    model = pellucid.Sequential([pellucid.Input((9, 13, 3)), L.Resizing(6, 6),
                                 L.Rescaling(1 / 255), L.Flatten(), L.Dense(2)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(IMAGES)), np.asarray(model(IMAGES)),
                               atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(4, 4, interpolation="area")
    with pytest.raises(ValueError, match="only one of"):
        L.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="rank 3"):
        L.Resizing(4, 4)(np.zeros((2, 3, 4, 5, 6), "float32"))


@pytest.mark.parametrize("size", [(5, 6), (9, 13), (12, 20), (4, 20)])
def test_center_crop_matches_keras(size):
    # A crop when the image is large enough, else Keras's crop-to-aspect-and-resize.
    check_layer(*pair("CenterCrop", *size), IMAGES, atol=1e-3)
    first = np.ascontiguousarray(IMAGES.transpose(0, 3, 1, 2))
    check_layer(*pair("CenterCrop", *size, data_format="channels_first"), first, atol=1e-3)
    ours, theirs = L.CenterCrop(*size)(PIXELS), KL.CenterCrop(*size)(PIXELS)
    assert np.asarray(ours).dtype == np.asarray(theirs).dtype == np.float32
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-3)
    assert L.CenterCrop(*size).get_config() == KL.CenterCrop(*size).get_config()
