"""Normalization layers against Keras 3, including BatchNormalization's moving statistics."""

import numpy as np
import pytest

import pellucid
from pellucid.backend import StateScope
from tests.parity import check_layer, keras_module

keras = keras_module()
RNG = np.random.default_rng(2)


def _x(*shape):
    return (RNG.normal(size=shape) * 2 + 0.5).astype("float32")


def _pair(name, **kwargs):
    return (lambda: getattr(pellucid.layers, name)(**kwargs),
            lambda: getattr(keras.layers, name)(**kwargs))


def _randomised_bn(lib, x, **kwargs):
    layer = lib.layers.BatchNormalization(**kwargs)
    layer.build(x.shape)
    return layer


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize(("kwargs", "shape"), [
    (dict(), (6, 4)),
    (dict(axis=1, momentum=0.9, epsilon=1e-2), (4, 3, 5, 2)),
    (dict(center=False, scale=False), (3, 5, 4)),
])
def test_batch_normalization_outputs_and_moving_statistics(kwargs, shape, training):
    x = _x(*shape)
    theirs = _randomised_bn(keras, x, **kwargs)
    ours = _randomised_bn(pellucid, x, **kwargs)
    # Non-trivial stored statistics and affine weights so both branches are visible.
    weights = [RNG.uniform(0.5, 1.5, size=w.shape).astype("float32")
               for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = theirs(x, training=training)
    got = ours(x, training=training)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-5, rtol=1e-5)
    for g, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(g, e, atol=1e-6, rtol=1e-6)
    changed = not np.allclose(ours.get_weights()[-1], weights[-1])
    assert changed == training
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)


def test_batch_normalization_with_mask_matches_keras():
    x = _x(2, 5, 3)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool)
    theirs = keras.layers.BatchNormalization(momentum=0.5)
    ours = pellucid.layers.BatchNormalization(momentum=0.5)
    expected = theirs(x, training=True, mask=mask)
    got = ours(x, training=True, mask=mask)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-5)
    for g, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(g, e, atol=1e-6)


def test_batch_normalization_inside_state_scope_records_instead_of_mutating():
    layer = pellucid.layers.BatchNormalization()
    x = _x(8, 3)
    layer(x)
    before = layer.moving_mean.numpy().copy()
    with StateScope() as scope:
        layer(x, training=True)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before)
    new = scope.new_values()
    assert layer.moving_mean in new and layer.moving_variance in new
    np.testing.assert_allclose(np.asarray(new[layer.moving_mean]), 0.01 * x.mean(0), atol=1e-6)


def test_frozen_batch_normalization_uses_moving_statistics():
    layer = pellucid.layers.BatchNormalization()
    x = _x(8, 3)
    layer(x)
    layer.trainable = False
    np.testing.assert_allclose(np.asarray(layer(x, training=True)),
                               np.asarray(layer(x, training=False)))


@pytest.mark.parametrize(("name", "kwargs", "shape"), [
    ("LayerNormalization", dict(), (3, 5, 4)),
    ("LayerNormalization", dict(axis=[1, 2], epsilon=1e-5), (3, 4, 5)),
    ("LayerNormalization", dict(axis=1, center=False), (3, 4, 5)),
    ("GroupNormalization", dict(groups=2), (2, 5, 6)),
    ("GroupNormalization", dict(groups=-1, scale=False), (2, 3, 4, 4)),
    ("GroupNormalization", dict(groups=3, axis=1), (2, 6, 4, 3)),
    ("UnitNormalization", dict(), (3, 4)),
    ("UnitNormalization", dict(axis=[1, 2]), (3, 4, 2)),
])
def test_normalization_layers_match_keras(name, kwargs, shape):
    def randomise(layer):
        return layer
    ours, theirs = check_layer(*_pair(name, **kwargs), _x(*shape))
    # Copied non-default gamma/beta change the numbers too.
    if ours.weights:
        weights = [RNG.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
        theirs.set_weights(weights)
        ours.set_weights(weights)
        x = _x(*shape)
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-5)


@pytest.mark.parametrize(("make", "shape", "words"), [
    (lambda: pellucid.layers.GroupNormalization(groups=4), (2, 6), "groups=4"),
    (lambda: pellucid.layers.BatchNormalization(axis=3), (2, 6), "out of range"),
    (lambda: pellucid.layers.LayerNormalization(axis=2), (2, 6), "out of range"),
])
def test_bad_configurations_raise(make, shape, words):
    with pytest.raises(ValueError, match=words):
        make()(_x(*shape))


def test_batch_normalization_channel_mismatch_names_the_layer():
    layer = pellucid.layers.BatchNormalization(name="bn")
    layer(_x(2, 3))
    with pytest.raises(ValueError, match="'bn'.*size 3"):
        layer(_x(2, 4))
