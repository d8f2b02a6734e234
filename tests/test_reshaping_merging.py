"""Reshape, Permute, RepeatVector and the merging layers against Keras 3."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid
from pellucid import layers as P

keras = keras_module()
K = keras.layers
RNG = np.random.default_rng(1)


def _x(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape).astype("float32")


X = _x(2, 3, 4)
Y = _x(2, 3, 4)


# --- reshaping -----------------------------------------------------------------------
@pytest.mark.parametrize("target", [(12,), (-1,), (2, 6), (-1, 2), (4, -1), (3, 2, 2)])
def test_reshape_matches_keras(target: tuple) -> None:
    check_layer(lambda: P.Reshape(target), lambda: K.Reshape(target), X)


def test_reshape_with_unknown_sizes_gives_none_like_keras() -> None:
    ours = P.Reshape((-1, 2))(pellucid.Input((None, 4)))
    theirs = K.Reshape((-1, 2))(keras.Input((None, 4)))
    assert tuple(ours.shape) == tuple(theirs.shape) == (None, None, 2)


def test_reshape_rejects_wrong_sizes() -> None:
    with pytest.raises(ValueError, match="entries"):
        P.Reshape((5,))(X)
    with pytest.raises(ValueError, match="entries"):
        P.Reshape((5, -1))(X)
    with pytest.raises(ValueError):
        K.Reshape((5,))(X)
    with pytest.raises(ValueError, match="-1"):
        P.Reshape((-1, -1))


@pytest.mark.parametrize("dims,x", [((2, 1), X), ((1, 2), X), ((3, 1, 2), _x(2, 3, 4, 5))])
def test_permute_matches_keras(dims: tuple, x: np.ndarray) -> None:
    check_layer(lambda: P.Permute(dims), lambda: K.Permute(dims), x)


def test_permute_checks_dims_and_rank() -> None:
    with pytest.raises(ValueError, match="permutation"):
        P.Permute((0, 1))
    with pytest.raises(ValueError, match="rank 3"):
        P.Permute((2, 1))(_x(2, 3))


def test_repeat_vector_matches_keras() -> None:
    check_layer(lambda: P.RepeatVector(3), lambda: K.RepeatVector(3), _x(4, 5))
    with pytest.raises(ValueError, match="rank 2"):
        P.RepeatVector(3)(X)
    with pytest.raises(TypeError):
        P.RepeatVector(2.0)


@pytest.mark.parametrize("make", [
    lambda m: m.Reshape((-1, 2), name="r"), lambda m: m.Permute((2, 1), name="p"),
    lambda m: m.RepeatVector(4, name="rv"),
])
def test_reshaping_configs_match_keras(make) -> None:
    assert make(P).get_config() == make(K).get_config()


# --- elementwise merges --------------------------------------------------------------
ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
PAIRS = {
    "same": [X, Y],
    "broadcast": [_x(2, 1, 4), Y],
    "lower_rank": [_x(2, 4), Y],
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_elementwise_merge_matches_keras(name: str, pair: str) -> None:
    check_layer(lambda: getattr(P, name)(), lambda: getattr(K, name)(), PAIRS[pair])


@pytest.mark.parametrize("name", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_merge_of_three_inputs_matches_keras(name: str) -> None:
    check_layer(lambda: getattr(P, name)(), lambda: getattr(K, name)(), [X, Y, _x(2, 3, 4)])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_functional_forms_match_keras(name: str) -> None:
    fn = name.lower()
    np.testing.assert_allclose(np.asarray(getattr(P, fn)([X, Y])),
                               np.asarray(getattr(K, fn)([X, Y])), rtol=1e-6)


def test_merge_shape_errors() -> None:
    with pytest.raises(ValueError, match="incompatible shapes"):
        P.Add()([X, _x(2, 3, 5)])
    with pytest.raises(ValueError):
        K.Add()([X, _x(2, 3, 5)])
    with pytest.raises(ValueError, match="batch sizes"):
        P.Add()([X, _x(3, 3, 4)])
    with pytest.raises(ValueError, match="list"):
        P.Add()(X)
    with pytest.raises(ValueError, match="exactly 2"):
        P.Subtract()([X, Y, X])


MASK_A = jnp.array([[True, True, False], [True, False, False]])
MASK_B = jnp.array([[True, False, False], [True, True, True]])


def _keras_with_masks(layer, arrays: list, masks: list):
    from keras.src.backend import get_keras_mask, set_keras_mask  # noqa: PLC0415

    tensors = [jnp.array(a) for a in arrays]
    for t, m in zip(tensors, masks, strict=True):
        if m is not None:
            set_keras_mask(t, m)
    out = layer(tensors)
    return out, get_keras_mask(out)


@pytest.mark.parametrize("name", ELEMENTWISE + ["Concatenate"])
@pytest.mark.parametrize("masks", [[MASK_A, MASK_B], [MASK_A, None], [None, MASK_B]],
                         ids=["both", "first", "second"])
def test_masks_used_and_combined_as_keras(name: str, masks: list) -> None:
    ours_out, ours_mask = getattr(P, name)().call_with_masks(([X, Y],), {}, masks)
    theirs_out, theirs_mask = _keras_with_masks(getattr(K, name)(), [X, Y], masks)
    np.testing.assert_allclose(np.asarray(ours_out), np.asarray(theirs_out), rtol=1e-6)
    if theirs_mask is None:
        assert ours_mask is None
    else:
        np.testing.assert_array_equal(np.asarray(ours_mask), np.asarray(theirs_mask))


def test_concatenate_along_steps_joins_masks() -> None:
    ours_out, ours_mask = P.Concatenate(axis=1).call_with_masks(([X, Y],), {}, [MASK_A, None])
    theirs_out, theirs_mask = _keras_with_masks(K.Concatenate(axis=1), [X, Y], [MASK_A, None])
    assert ours_mask.shape == (2, 6)
    np.testing.assert_array_equal(np.asarray(ours_mask), np.asarray(theirs_mask))


# --- Concatenate ---------------------------------------------------------------------
@pytest.mark.parametrize("axis,inputs", [
    (-1, [X, _x(2, 3, 2)]), (1, [X, _x(2, 5, 4)]), (2, [X, Y]), (1, [_x(2, 3), _x(2, 4)]),
    (-1, [X, Y, _x(2, 3, 1)]),
])
def test_concatenate_matches_keras(axis: int, inputs: list) -> None:
    check_layer(lambda: P.Concatenate(axis=axis), lambda: K.Concatenate(axis=axis), inputs)
    np.testing.assert_allclose(np.asarray(P.concatenate(inputs, axis=axis)),
                               np.asarray(K.concatenate(inputs, axis=axis)))


def test_concatenate_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="matching shapes"):
        P.Concatenate()([X, _x(2, 5, 4)])
    with pytest.raises(ValueError):
        K.Concatenate()([X, _x(2, 5, 4)])


# --- Dot -----------------------------------------------------------------------------
DOT_CASES = [
    (-1, [_x(3, 5), _x(3, 5)]),
    (1, [_x(3, 5), _x(3, 5, 4)]),
    ((2, 1), [_x(3, 4, 5), _x(3, 5, 2)]),
    ((1, 1), [X, Y]),
    (2, [X, Y]),
    ((2, 1), [_x(3, 4, 5), _x(3, 5)]),
    ((3, 2), [_x(2, 3, 4, 5), _x(2, 6, 5, 2)]),
]


@pytest.mark.parametrize("axes,inputs,normalize", [
    (axes, inputs, i % 2 == 1) for i, (axes, inputs) in enumerate(DOT_CASES)
] + [(-1, DOT_CASES[0][1], True)])
def test_dot_matches_keras(axes, inputs: list, normalize: bool) -> None:
    check_layer(lambda: P.Dot(axes, normalize=normalize),
                lambda: K.Dot(axes, normalize=normalize), inputs)


def test_dot_functional_form_and_errors() -> None:
    a, b = _x(3, 5), _x(3, 5)
    np.testing.assert_allclose(np.asarray(P.dot([a, b], axes=1)),
                               np.asarray(K.dot([a, b], axes=1)), rtol=1e-5)
    with pytest.raises(ValueError, match="size 5.*size 4"):
        P.Dot(-1)([a, _x(3, 4)])
    with pytest.raises(ValueError, match="batch axis"):
        P.Dot(0)([a, b])
    with pytest.raises(TypeError):
        P.Dot("x")


@pytest.mark.parametrize("make", [
    lambda m: m.Add(name="m"), lambda m: m.Concatenate(axis=1, name="m"),
    lambda m: m.Dot((1, 2), normalize=True, name="m"),
])
def test_merging_configs_match_keras(make) -> None:
    assert make(P).get_config() == make(K).get_config()


def test_merge_in_functional_model_matches_keras() -> None:
    a, b = _x(2, 4), _x(2, 6)
    ins = [pellucid.Input((4,)), pellucid.Input((6,))]
    out = P.Dense(3)(P.concatenate(ins))
    ours = pellucid.Model(ins, out)
    kins = [keras.Input((4,)), keras.Input((6,))]
    theirs = keras.Model(kins, K.Dense(3)(K.concatenate(kins)))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours([a, b])), np.asarray(theirs([a, b])), rtol=1e-5)
