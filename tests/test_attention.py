"""Attention, AdditiveAttention and MultiHeadAttention against Keras 3."""

import numpy as np
import pytest

import pellucid
from tests.parity import check_layer, keras_module

keras = keras_module()
RNG = np.random.default_rng(3)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


Q, V, K = _x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 4)
Q_MASK = np.array([[1, 1, 0], [1, 1, 1]], bool)
V_MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)


def _pair(name, **kwargs):
    return (lambda: getattr(pellucid.layers, name)(**kwargs),
            lambda: getattr(keras.layers, name)(**kwargs))


def _randomise_and_compare(ours, theirs, args, kwargs, atol=1e-5):
    weights = [RNG.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    got, expected = ours(*args, **kwargs), theirs(*args, **kwargs)
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), atol=atol, rtol=1e-5)


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
@pytest.mark.parametrize(("kwargs", "call"), [
    (dict(), dict()),
    (dict(use_scale=True), dict(return_attention_scores=True)),
    (dict(), dict(mask=[Q_MASK, V_MASK], return_attention_scores=True)),
    (dict(use_scale=True), dict(use_causal_mask=True, mask=[None, V_MASK])),
])
def test_luong_and_bahdanau_attention_match_keras(name, kwargs, call):
    ours, theirs = check_layer(*_pair(name, **kwargs), [Q, V, K], call_kwargs=call,
                               symbolic="mask" not in call)
    _randomise_and_compare(ours, theirs, ([Q, V, K],), call)


@pytest.mark.parametrize("call", [dict(), dict(mask=[Q_MASK, V_MASK]),
                                  dict(use_causal_mask=True, return_attention_scores=True)])
def test_concat_score_mode_matches_keras(call):
    ours, theirs = check_layer(*_pair("Attention", score_mode="concat", use_scale=True),
                               [Q, V], call_kwargs=call, symbolic=False)
    _randomise_and_compare(ours, theirs, ([Q, V],), call)


MHA_CASES = [
    (dict(num_heads=2, key_dim=3), dict()),
    (dict(num_heads=2, key_dim=3, value_dim=5, output_shape=6, use_bias=False),
     dict(return_attention_scores=True)),
    (dict(num_heads=3, key_dim=2), dict(value_mask=V_MASK, return_attention_scores=True)),
    (dict(num_heads=2, key_dim=3), dict(use_causal_mask=True, return_attention_scores=True)),
    (dict(num_heads=2, key_dim=3),
     dict(attention_mask=RNG.uniform(size=(2, 3, 5)) > 0.3, value_mask=V_MASK)),
]


@pytest.mark.parametrize(("kwargs", "call"), MHA_CASES)
def test_multi_head_attention_matches_keras(kwargs, call):
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    ours = pellucid.layers.MultiHeadAttention(**kwargs)
    expected = theirs(Q, V, K, **call)
    ours(Q, V, K, **call)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params()
    # Keras may route this through jax.nn.dot_product_attention (another summation
    # order): 1e-5 still holds at these sizes.
    _randomise_and_compare(ours, theirs, (Q, V, K), call)
    del expected


def test_multi_head_attention_over_two_axes_matches_keras():
    q, v = _x(2, 3, 4, 5), _x(2, 3, 4, 5)
    kwargs = dict(num_heads=2, key_dim=3, attention_axes=(1, 2))
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    ours = pellucid.layers.MultiHeadAttention(**kwargs)
    theirs(q, v)
    ours(q, v)
    _randomise_and_compare(ours, theirs, (q, v), dict(return_attention_scores=True))


def test_multi_head_attention_symbolic_shapes_and_query_mask():
    def build(lib):
        tokens = lib.Input((4,), dtype="int32")
        x = lib.layers.Embedding(10, 6, mask_zero=True)(tokens)
        y = lib.layers.MultiHeadAttention(2, 3)(x, x)
        return lib.Model(tokens, lib.layers.GlobalAveragePooling1D()(y))
    ours, theirs = build(pellucid), build(keras)
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]], "int32")
    np.testing.assert_allclose(np.asarray(ours(ids)), np.asarray(theirs(ids)), atol=1e-5)


def test_dropout_only_while_training():
    layer = pellucid.layers.Attention(dropout=0.5, seed=1)
    a = np.asarray(layer([Q, V]))
    np.testing.assert_allclose(np.asarray(layer([Q, V], training=False)), a)
    assert not np.allclose(np.asarray(layer([Q, V], training=True)), a)


@pytest.mark.parametrize(("make", "args"), [
    (lambda: pellucid.layers.Attention(), ([Q, _x(2, 5, 3)],)),
    (lambda: pellucid.layers.AdditiveAttention(), ([Q, V, _x(2, 4, 4)],)),
])
def test_attention_feature_mismatch_raises(make, args):
    with pytest.raises(ValueError, match="attention.*differ"):
        make()(*args)


def test_multi_head_attention_rebuilt_features_mismatch_raises():
    layer = pellucid.layers.MultiHeadAttention(2, 3, name="mha")
    layer(Q, V)
    with pytest.raises(ValueError, match="'mha'.*query"):
        layer(_x(2, 3, 7), V)


@pytest.mark.parametrize("kwargs", [dict(num_heads=0, key_dim=2), dict(num_heads=2, key_dim=-1)])
def test_multi_head_attention_bad_sizes_raise(kwargs):
    with pytest.raises(ValueError, match="MultiHeadAttention"):
        pellucid.layers.MultiHeadAttention(**kwargs)
