"""``Variable.path`` is Keras 3's: the owner's parents first (``lstm/lstm_cell/kernel``)."""

from __future__ import annotations

import numpy as np
from parity import keras_module

import pellucid
from pellucid.explain import explain

keras = keras_module()


def recurrent_stack(lib):
    """Two LSTMs, a Bidirectional LSTM and a TimeDistributed Dense, unnamed."""
    layers = lib.layers
    inputs = lib.Input((5, 3))
    x = layers.LSTM(4, return_sequences=True)(inputs)
    x = layers.LSTM(4, return_sequences=True)(x)
    x = layers.Bidirectional(layers.LSTM(2, return_sequences=True))(x)
    outputs = layers.TimeDistributed(layers.Dense(3))(x)
    return lib.Model(inputs, outputs)


def test_recurrent_stack_paths_equal_keras():
    ours = [v.path for v in recurrent_stack(pellucid).weights]
    theirs = [v.path for v in recurrent_stack(keras).weights]
    assert ours == theirs
    assert ours[0] == "lstm/lstm_cell/kernel"
    assert ours[3] == "lstm_1/lstm_cell/kernel"
    assert "bidirectional/forward_lstm_2/lstm_cell/kernel" in ours
    assert ours[-1] == "time_distributed/dense/bias"
    assert len(set(ours)) == len(ours)


def nested_owners(lib):
    """Sub-layers built inside attention, stacked cells, Sequentials and a direct build."""
    layers = lib.layers
    inputs = lib.Input((4, 6))
    x = layers.MultiHeadAttention(2, 3, name="mha")(inputs, inputs)
    x = layers.RNN([layers.LSTMCell(2, name="c1"), layers.GRUCell(3, name="c2")],
                   name="stack")(x)
    model = lib.Model(inputs, x)
    with_input = lib.Sequential([lib.Input((4,)), layers.Dense(2, name="a")], name="s1")
    lazy = lib.Sequential([layers.Dense(2, name="b")], name="s2")
    lazy(np.ones((1, 4), "float32"))
    direct = layers.Bidirectional(layers.GRU(2, name="g"), name="bi")
    direct.build((None, 2, 4))
    return [[v.path for v in owner.weights] for owner in (model, with_input, lazy, direct)]


def test_nested_owner_paths_equal_keras():
    ours, theirs = nested_owners(pellucid), nested_owners(keras)
    assert ours == theirs
    assert ours[0][0] == "mha/query/kernel"
    assert ours[1] == ["s1/a/kernel", "s1/a/bias"]
    assert ours[3][0] == "bi/forward_g/gru_cell/kernel"


def test_subclassed_model_builds_its_layers_under_its_path():
    def run(lib):
        class Tagger(lib.Model):
            def __init__(self):
                super().__init__(name="tagger")
                self.rnn = lib.layers.LSTM(2, name="rnn")
                self.head = lib.layers.Dense(2, name="head")

            def call(self, x):
                return self.head(self.rnn(x))

        model = Tagger()
        model(np.ones((1, 3, 2), "float32"))
        return sorted(v.path for v in model.weights)

    assert run(pellucid) == run(keras)


def test_unnamed_weights_get_distinct_paths_like_keras():
    def run(lib):
        class Pair(lib.layers.Layer):
            def build(self, shape):
                self.a = self.add_weight(shape=(2,))
                self.b = self.add_weight(shape=(2,))

            def call(self, x):
                return x * self.a + self.b

        layer = Pair(name="pair")
        layer.build((1, 2))
        return [v.path for v in layer.weights]

    assert run(pellucid) == run(keras) == ["pair/variable", "pair/variable_1"]


def test_explain_lists_every_lstm_weight_by_its_own_path():
    model = recurrent_stack(pellucid)
    labels = [label for label, _, _ in explain(model.layers[2]).weights]
    assert labels[:3] == ["lstm_1/lstm_cell/kernel", "lstm_1/lstm_cell/recurrent_kernel",
                          "lstm_1/lstm_cell/bias"]
