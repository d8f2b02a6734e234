"""The cases as Keras 3 models, built from whichever module is passed in.

``keras`` is either the real Keras 3 or ``pellucid``: the same code builds both, which is
the point of the comparison.
"""

from __future__ import annotations

from typing import Any

from bench.cases import Case


def build(keras: Any, case: Case) -> Any:
    """A compiled model for ``case``."""
    layers = keras.layers
    if case.key == "B0":
        model = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                                  layers.Dense(10, activation="softmax")])
        model.compile(case.optimizer, "sparse_categorical_crossentropy")
    elif case.key == "B1":
        model = keras.Sequential([keras.Input((64, 15)),
                                  layers.GRU(16, return_sequences=True),
                                  layers.Dense(15, activation="softmax")])
        model.compile(case.optimizer, "categorical_crossentropy")
    elif case.key in ("B2", "B2n"):
        inputs = keras.Input((50,), dtype="int32")
        embedded = layers.Embedding(100, 32, mask_zero=case.mask)(inputs)
        state = layers.LSTM(32)(embedded)
        hidden = layers.Dense(64, activation="relu")(state)
        main = layers.Dense(1, activation="sigmoid", name="main")(hidden)
        aux = layers.Dense(1, activation="sigmoid", name="aux")(state)
        model = keras.Model(inputs, [main, aux])
        model.compile(case.optimizer, ["binary_crossentropy", "binary_crossentropy"],
                      loss_weights=[1.0, 0.2])
    elif case.key == "B3":
        model = keras.Sequential([
            keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(64, 3, strides=2, activation="relu"), layers.Flatten(),
            layers.Dense(512, activation="relu"), layers.Dropout(0.5),
            layers.Dense(10, activation="softmax")])
        model.compile(case.optimizer, "sparse_categorical_crossentropy")
    elif case.key == "B4":
        model = keras.Sequential([keras.Input((100, 64)), layers.LSTM(256), layers.Dense(1)])
        model.compile(case.optimizer, "mse")
    else:
        raise KeyError(case.key)
    return model
