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


def _assert_identical(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


# One shape keeps XLA compilations (the slow part, in both libraries) few.
@pytest.mark.parametrize("name", RANDOM)
def test_seeded_values_are_bit_identical(name):
    _assert_identical(getattr(initializers, name)(seed=3)((5, 7)),
                      getattr(keras.initializers, name)(seed=3)((5, 7)))


def test_conv_kernel_and_tall_orthogonal_are_bit_identical():
    kernel = (3, 3, 4, 6)
    _assert_identical(initializers.GlorotUniform(seed=8)(kernel),
                      keras.initializers.GlorotUniform(seed=8)(kernel))
    _assert_identical(initializers.Orthogonal(seed=8)((7, 5)),
                      keras.initializers.Orthogonal(seed=8)((7, 5)))


@pytest.mark.parametrize("shape", [(32, 128), (256, 1024), (3, 3, 16, 40)])
def test_recurrent_sized_orthogonal_is_bit_identical(shape):
    # Large enough for LAPACK's blocked QR, which the CPU path calls as JAX's QR does.
    _assert_identical(initializers.Orthogonal(seed=4)(shape),
                      keras.initializers.Orthogonal(seed=4)(shape))


@pytest.mark.parametrize("kwargs", [
    {"scale": 0.5, "mode": "fan_out", "distribution": "uniform"},
    {"scale": 2.0, "mode": "fan_avg", "distribution": "normal"},
    {"scale": 1.5, "mode": "fan_in", "distribution": "untruncated_normal"},
    {"scale": 1.0, "mode": "fan_in", "input_axes": [1], "output_axes": [0]},
])
def test_variance_scaling_options(kwargs):
    _assert_identical(initializers.VarianceScaling(**kwargs, seed=11)((5, 7)),
                      keras.initializers.VarianceScaling(**kwargs, seed=11)((5, 7)))


def test_non_default_arguments_and_dtype():
    pairs = [
        (initializers.RandomNormal(1.0, 2.0, seed=5), keras.initializers.RandomNormal(1.0, 2.0, 5)),
        (initializers.RandomUniform(0, 3, seed=5), keras.initializers.RandomUniform(0, 3, seed=5)),
        (initializers.TruncatedNormal(-1, 0.1, 7), keras.initializers.TruncatedNormal(-1, 0.1, 7)),
        (initializers.Orthogonal(2.0, seed=9), keras.initializers.Orthogonal(2.0, seed=9)),
    ]
    for ours, theirs in pairs:
        _assert_identical(ours((5, 7)), theirs((5, 7)))
    half = initializers.RandomNormal(seed=5)((5, 7), dtype="float16")
    _assert_identical(half, keras.initializers.RandomNormal(seed=5)((5, 7), dtype="float16"))


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
    theirs = [keras.initializers.GlorotUniform()((5, 7)), keras.initializers.Orthogonal()((5, 7)),
              keras.initializers.RandomNormal()((5, 7))]
    set_random_seed(1234)
    ours = [initializers.GlorotUniform()((5, 7)), initializers.Orthogonal()((5, 7)),
            initializers.RandomNormal()((5, 7))]
    for o, t in zip(ours, theirs, strict=True):
        _assert_identical(o, t)
    # Each initializer holds its seed: repeated calls give the same values, new ones differ.
    init = initializers.HeNormal()
    _assert_identical(init((5, 7)), init((5, 7)))
    assert not np.array_equal(init((5, 7)), initializers.HeNormal()((5, 7)))


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (3, 3, 2, 8), (5, 2, 3, 4, 6)])
def test_compute_fans_matches_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers.compute_fans(shape) == compute_fans(shape)


def test_orthogonal_is_orthogonal():
    w = np.asarray(initializers.Orthogonal(seed=1)((5, 7)))
    np.testing.assert_allclose(w @ w.T, np.eye(5), atol=1e-5)


@pytest.mark.parametrize("name", sorted(keras.src.initializers.ALL_OBJECTS_DICT))
def test_get_resolves_every_keras_name(name):
    if name in ("STFT", "stft", "STFTInitializer", "Initializer", "initializer"):
        pytest.raises(ValueError, initializers.get, name)
        return
    ours = initializers.get(name)
    if name in ("Constant", "constant"):
        # Keras itself fails here (Constant.from_config needs a "value" key).
        assert isinstance(ours, initializers.Constant) and ours.value == 0.0
        return
    theirs = keras.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    # Keras's Identity has no get_config and drops its gain; ours keeps it.
    assert ours.get_config().keys() - {"gain"} == theirs.get_config().keys() - {"gain"}


@pytest.mark.parametrize("name", RANDOM + ["VarianceScaling", "Zeros", "Constant", "Ones"])
def test_config_and_serialize_match_keras(name):
    kwargs = {"seed": 4} if name in RANDOM + ["VarianceScaling"] else {}
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    restored = initializers.get(keras.initializers.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    if name in RANDOM:
        _assert_identical(restored((5, 7)), theirs((5, 7)))


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
