"""A recurrent layer after an Embedding projects the embedding table once and looks rows
up in each step (layers/recurrent/lookup_projection.py): the same function, forward and
backward, as Keras and as multiplying in the steps."""

import gc

import jax
import numpy as np
import pytest

import pellucid
from pellucid.backend import StateScope
from pellucid.layers import lookups
from pellucid.training.execution import equations
from tests.parity import keras_module

keras = keras_module()
IDS = np.random.default_rng(5).integers(0, 7, size=(6, 9)).astype("int32")
IDS[:2, -3:] = 0  # padding at the end of two rows
IDS[2, :2] = 0  # and at the start of one


def _pair(name, units, mask_zero, rows=7, bidirectional=False, **kwargs):
    def make(lib):
        rnn = getattr(lib.layers, name)(units, **kwargs)
        if bidirectional:
            rnn = lib.layers.Bidirectional(rnn)
        return lib.Sequential([lib.layers.Embedding(rows, 4, mask_zero=mask_zero), rnn])

    theirs, ours = make(keras), make(pellucid)
    theirs(IDS)
    ours(IDS)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _gradients(ours, ids=IDS):
    def loss(values):
        with StateScope(dict(zip(ours.weights, values, strict=True))):
            return (ours(ids) ** 2).sum()

    return jax.grad(loss)([w.value for w in ours.weights])


def _keras_gradients(theirs, ids=IDS):
    frozen = [v.value for v in theirs.non_trainable_variables]
    return jax.grad(lambda w: (theirs.stateless_call(w, frozen, ids)[0] ** 2).sum())(
        [v.value for v in theirs.trainable_variables])


def _products_per_step(model, ids=IDS, loops=1):
    """The matmuls inside the loop of ``model``'s traced forward pass (each loop's, where
    it has ``loops`` of them)."""
    jaxpr = jax.make_jaxpr(lambda x: model(x))(ids).jaxpr
    scans = [e for e in equations(jaxpr) if e.primitive.name == "scan"]
    assert len(scans) == loops
    counts = [sum(e.primitive.name == "dot_general"
                  for e in equations(scan.params["jaxpr"].jaxpr)) for scan in scans]
    return counts[0] if loops == 1 else counts


@pytest.mark.parametrize("hoist", ["0", "1"])
@pytest.mark.parametrize("name,units,mask_zero,kwargs,products", [
    ("LSTM", 3, True, {}, 1),  # feature-major steps on CPUs
    ("LSTM", 24, True, {"return_sequences": True}, 1),  # batch-major, written gradient
    ("LSTM", 24, False, {"go_backwards": True}, 1),
    ("GRU", 5, True, {"go_backwards": True, "return_sequences": True}, 1),
    # h @ recurrent_kernel in two parts: the candidate's comes after the reset gate.
    ("GRU", 20, False, {"reset_after": False}, 2),
    ("SimpleRNN", 6, True, {}, 1),
])
def test_table_projection_matches_keras(monkeypatch, hoist, name, units, mask_zero, kwargs,
                                        products):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", hoist)
    ours, theirs = _pair(name, units, mask_zero, **kwargs)
    if hoist == "0":  # only the recurrent products are left in the step
        assert _products_per_step(ours) == products
    np.testing.assert_allclose(np.asarray(ours(IDS)), np.asarray(theirs(IDS)), atol=1e-5)
    for g, gk in zip(_gradients(ours), _keras_gradients(theirs), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gk), atol=1e-5, rtol=1e-4)


def test_both_directions_of_a_bidirectional_layer_project_the_table(monkeypatch):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", "0")
    ours, theirs = _pair("LSTM", 24, True, bidirectional=True, return_sequences=True)
    assert _products_per_step(ours, loops=2) == [1, 1]
    np.testing.assert_allclose(np.asarray(ours(IDS)), np.asarray(theirs(IDS)), atol=1e-5)
    for g, gk in zip(_gradients(ours), _keras_gradients(theirs), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gk), atol=1e-5, rtol=1e-4)


def test_steps_multiply_when_the_table_has_more_rows_than_half_the_lookups(monkeypatch):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", "0")
    big, theirs = _pair("LSTM", 8, True, rows=IDS.size // 2 + 1)
    assert _products_per_step(big) == 2
    small, _ = _pair("LSTM", 8, True, rows=IDS.size // 2)
    assert _products_per_step(small) == 1
    np.testing.assert_allclose(np.asarray(big(IDS)), np.asarray(theirs(IDS)), atol=1e-5)
    monkeypatch.setenv("PELLUCID_RNN_LOOKUP", "1")
    assert _products_per_step(big) == 1
    monkeypatch.setenv("PELLUCID_RNN_LOOKUP", "0")
    assert _products_per_step(small) == 2


def test_input_dropout_keeps_the_product_in_the_step(monkeypatch):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", "0")
    model = pellucid.Sequential([pellucid.layers.Embedding(7, 4),
                                 pellucid.layers.LSTM(8, dropout=0.5)])
    model(IDS)
    jaxpr = jax.make_jaxpr(lambda x: model(x, training=True))(IDS).jaxpr
    scans = [e for e in equations(jaxpr) if e.primitive.name == "scan"]
    inner = scans[0].params["jaxpr"].jaxpr
    assert sum(e.primitive.name == "dot_general" for e in equations(inner)) == 2
    assert _products_per_step(model) == 1  # inference has no dropout masks


def test_a_layer_between_the_lookup_and_the_rnn_keeps_the_product_in_the_step(monkeypatch):
    monkeypatch.setenv("PELLUCID_RNN_HOIST", "0")
    model = pellucid.Sequential([pellucid.layers.Embedding(7, 4),
                                 pellucid.layers.Activation("tanh"),
                                 pellucid.layers.LSTM(8)])
    model(IDS)
    assert _products_per_step(model) == 2


def test_training_matches_multiplying_in_the_steps(monkeypatch):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, size=(64, 12)).astype("int32")
    target = rng.integers(0, 2, size=(64, 1)).astype("float32")

    def train(lookup):
        monkeypatch.setenv("PELLUCID_RNN_LOOKUP", lookup)
        pellucid.utils.set_random_seed(3)
        model = pellucid.Sequential([pellucid.layers.Embedding(20, 8, mask_zero=True),
                                     pellucid.layers.LSTM(16),
                                     pellucid.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        if lookup == "1":
            model(ids)
            assert _products_per_step(model, ids) == 1
        history = model.fit(ids, target, batch_size=16, epochs=3, shuffle=False, verbose=0)
        return history.history["loss"], model.get_weights()

    losses, weights = train("1")
    plain_losses, plain_weights = train("0")
    np.testing.assert_allclose(losses, plain_losses, atol=1e-5)
    for w, p in zip(weights, plain_weights, strict=True):
        np.testing.assert_allclose(w, p, atol=1e-5)


def test_a_lookup_is_remembered_only_while_its_result_lives():
    table = jax.numpy.ones((3, 2))
    ids = jax.numpy.array([0, 2])
    rows = jax.numpy.take(table, ids, axis=0)
    lookups.remember(rows, table, ids)
    assert lookups.source_of(rows).table is table
    assert lookups.source_of(rows + 0) is None
    key = id(rows)
    del rows
    gc.collect()
    assert key not in lookups._RECORDS
