"""Embedding and Masking against Keras 3, and masks flowing through a model."""

from __future__ import annotations

import numpy as np
import pytest
from parity import check_layer, keras_module

import pellucid

keras = keras_module()
L, KL = pellucid.layers, keras.layers
RNG = np.random.default_rng(1)
IDS = RNG.integers(0, 10, size=(4, 7)).astype("int32")
IDS[:, -2:] = 0


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_parity(mask_zero):
    check_layer(lambda: L.Embedding(10, 3, mask_zero=mask_zero),
                lambda: KL.Embedding(10, 3, mask_zero=mask_zero), IDS)


def test_embedding_mask_and_params():
    layer = L.Embedding(10, 3, mask_zero=True)
    _, mask = layer.call_with_masks((IDS,), {}, None)
    np.testing.assert_array_equal(np.asarray(mask), IDS != 0)
    assert layer.count_params() == 30
    assert L.Embedding(10, 3).compute_mask(IDS) is None
    assert L.Embedding(10, 3).supports_masking is False


def test_embedding_old_arguments():
    table = RNG.normal(size=(10, 3)).astype("float32")
    layer = L.Embedding(10, 3, weights=[table])
    np.testing.assert_allclose(np.asarray(layer(IDS)), table[IDS])
    with pytest.warns(DeprecationWarning, match="input_length"):
        model = pellucid.Sequential([L.Embedding(10, 3, input_length=7), L.LSTM(2)])
    assert model.output_shape == (None, 2)
    init = np.asarray(L.Embedding(100, 20)(IDS))
    assert np.abs(init).max() <= 0.05  # "uniform" = RandomUniform(-0.05, 0.05)
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(0, 3)


def test_masking_parity_and_mask():
    x = RNG.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = 0.5
    x[2, 0] = 0.5
    check_layer(lambda: L.Masking(0.5), lambda: KL.Masking(0.5), x)
    _, mask = L.Masking(0.5).call_with_masks((x,), {}, None)
    np.testing.assert_array_equal(np.asarray(mask), np.any(x != 0.5, axis=-1))


def _model(lib, x_shape, masking=True):
    inputs = lib.Input(x_shape)
    h = lib.layers.Masking(0.0)(inputs) if masking else inputs
    h = lib.layers.Dense(4)(h)
    h = lib.layers.Dropout(0.5)(h)
    h = lib.layers.TimeDistributed(lib.layers.Dense(3))(h)
    h = lib.layers.Bidirectional(lib.layers.GRU(2, return_sequences=True))(h)
    out = lib.layers.LSTM(2)(h)
    return lib.Model(inputs, out)


def test_mask_flows_through_dense_dropout_wrappers_to_rnn():
    x = RNG.normal(size=(3, 6, 2)).astype("float32")
    x[0, 2:] = 0
    x[1, :3] = 0
    ours, theirs = _model(pellucid, (6, 2)), _model(keras, (6, 2))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-5)
    # and the mask matters: without it the answer differs
    unmasked = _model(pellucid, (6, 2), masking=False)
    unmasked.set_weights(theirs.get_weights())
    assert not np.allclose(np.asarray(ours(x)), np.asarray(unmasked(x)), atol=1e-3)


def test_embedding_mask_reaches_lstm_in_sequential():
    def build(lib):
        return lib.Sequential([lib.Input((7,), dtype="int32"),
                               lib.layers.Embedding(10, 3, mask_zero=True),
                               lib.layers.LSTM(4, return_sequences=True)])

    ours, theirs = build(pellucid), build(keras)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(IDS)), np.asarray(theirs(IDS)), atol=1e-5)
