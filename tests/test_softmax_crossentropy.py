"""Crossentropy on a softmax output: Keras's renormalised, clipped ``log p`` trains as in
Keras."""

import numpy as np

import pellucid
from tests.parity import check_training, keras_module

keras = keras_module()


def test_softmax_model_training_matches_keras():
    # B1's tail: softmax per time step, crossentropy on the probabilities, three steps.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 6, 4)).astype("float32")
    y = np.eye(5, dtype="float32")[rng.integers(0, 5, size=(32, 6))]

    def build(lib):
        model = lib.Sequential([lib.Input((6, 4)), lib.layers.TimeDistributed(
            lib.layers.Dense(5, activation="softmax"))])
        model.compile(lib.optimizers.SGD(0.5), "categorical_crossentropy")
        return model

    check_training(build(pellucid), build(keras), x, y, weight_rtol=1e-5, weight_atol=1e-6,
                   batch_size=16, epochs=3)
