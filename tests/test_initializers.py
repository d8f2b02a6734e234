"""pellucid.initializers against keras.initializers.

Random initializers must be bit-identical to Keras for the same seed: Keras 3 on JAX uses
an integer seed ``s`` as the raw key ``uint32[s, 0]``, and an unseeded initializer draws
its integer from Python's ``random`` when constructed, so ``set_random_seed`` followed by
the same construction order reproduces Keras's values exactly.
"""

import os

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pellucid import initializers  # noqa: E402
from pellucid.backend import set_random_seed  # noqa: E402

RANDOM = ["RandomNormal", "RandomUniform", "TruncatedNormal", "GlorotUniform", "GlorotNormal",
          "HeNormal", "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal"]
SHAPES = [(5, 7), (7, 5), (3, 3, 4, 6), (2, 8, 3)]


def _assert_identical(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", RANDOM)
@pytest.mark.parametrize("shape", SHAPES)
def test_seeded_values_are_bit_identical(name, shape):
    _assert_identical(getattr(initializers, name)(seed=3)(shape),
                      getattr(keras.initializers, name)(seed=3)(shape))


@pytest.mark.parametrize("kwargs", [
    {"scale": 0.5, "mode": "fan_out", "distribution": "uniform"},
    {"scale": 2.0, "mode": "fan_avg", "distribution": "normal"},
    {"scale": 1.5, "mode": "fan_in", "distribution": "untruncated_normal"},
    {"scale": 1.0, "mode": "fan_in", "input_axes": [0, 1], "output_axes": [2]},
])
def test_variance_scaling_options(kwargs):
    _assert_identical(initializers.VarianceScaling(**kwargs, seed=11)((3, 4, 5)),
                      keras.initializers.VarianceScaling(**kwargs, seed=11)((3, 4, 5)))


def test_non_default_arguments_and_dtype():
    pairs = [
        (initializers.RandomNormal(1.0, 2.0, seed=5), keras.initializers.RandomNormal(1.0, 2.0, 5)),
        (initializers.RandomUniform(0, 3, seed=5), keras.initializers.RandomUniform(0, 3, seed=5)),
        (initializers.TruncatedNormal(-1, 0.1, 7), keras.initializers.TruncatedNormal(-1, 0.1, 7)),
        (initializers.Orthogonal(2.0, seed=9), keras.initializers.Orthogonal(2.0, seed=9)),
    ]
    for ours, theirs in pairs:
        _assert_identical(ours((6, 4)), theirs((6, 4)))
        _assert_identical(ours((6, 4), dtype="float16"), theirs((6, 4), dtype="float16"))


def test_constant_initializers():
    for shape in [(3,), (2, 5)]:
        _assert_identical(initializers.Zeros()(shape), keras.initializers.Zeros()(shape))
        _assert_identical(initializers.Ones()(shape, "int32"),
                          keras.initializers.Ones()(shape, "int32"))
        _assert_identical(initializers.Constant(0.7)(shape),
                          keras.initializers.Constant(0.7)(shape))
    _assert_identical(initializers.Identity(3.0)((3, 5)), keras.initializers.Identity(3.0)((3, 5)))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


def test_unseeded_initializers_follow_set_random_seed_like_keras():
    keras.utils.set_random_seed(1234)
    theirs = [keras.initializers.GlorotUniform()((4, 6)), keras.initializers.Orthogonal()((5, 5)),
              keras.initializers.RandomNormal()((3,))]
    set_random_seed(1234)
    ours = [initializers.GlorotUniform()((4, 6)), initializers.Orthogonal()((5, 5)),
            initializers.RandomNormal()((3,))]
    for o, t in zip(ours, theirs, strict=True):
        _assert_identical(o, t)
    # Each initializer holds its seed: repeated calls give the same values, new ones differ.
    init = initializers.HeNormal()
    _assert_identical(init((3, 3)), init((3, 3)))
    assert not np.array_equal(init((3, 3)), initializers.HeNormal()((3, 3)))


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (3, 3, 2, 8), (5, 2, 3, 4, 6)])
def test_compute_fans_matches_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers.compute_fans(shape) == compute_fans(shape)


def test_orthogonal_is_orthogonal():
    w = np.asarray(initializers.Orthogonal(seed=1)((6, 4)))
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-5)


@pytest.mark.parametrize("name", sorted(keras.src.initializers.ALL_OBJECTS_DICT))
def test_get_resolves_every_keras_name(name):
    if name in ("STFT", "stft", "STFTInitializer", "Initializer", "initializer"):
        pytest.raises(ValueError, initializers.get, name)
        return
    ours, theirs = initializers.get(name), keras.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config().keys() == theirs.get_config().keys()


@pytest.mark.parametrize("name", RANDOM + ["VarianceScaling", "Zeros", "Constant", "Identity"])
def test_config_and_serialize_match_keras(name):
    kwargs = {"seed": 4} if name in RANDOM + ["VarianceScaling"] else {}
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    restored = initializers.get(keras.initializers.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    if name in RANDOM:
        _assert_identical(restored((4, 3)), theirs((4, 3)))


def test_get_other_identifiers():
    assert initializers.get(None) is None
    assert isinstance(initializers.get(initializers.HeUniform), initializers.HeUniform)
    init = initializers.Ones()
    assert initializers.get(init) is init
    value = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(initializers.get(value)((2, 3)), value)
    with pytest.raises(ValueError, match="shape"):
        initializers.get(value)((3, 2))


@pytest.mark.parametrize("typo,suggestion", [("glorot_unifrom", "glorot_uniform"),
                                              ("HeNromal", "HeNormal"), ("zeroes", "zeros")])
def test_misspelt_name_suggests_nearest(typo, suggestion):
    with pytest.raises(ValueError, match=f"Did you mean '{suggestion}'"):
        initializers.get(typo)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_everything")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="two-dimensional"):
        initializers.Orthogonal()((4,))
