"""Bahdanau (additive) attention, written out with three Dense layers, learns to reverse digits.

For every output step the decoder asks "which input step should I read?":

    score[t, s]  = V(tanh(W1(query[t]) + W2(values[s])))      (one number per pair)
    weights[t,:] = softmax over the encoder steps s of score[t, :]
    context[t]   = sum_s weights[t, s] * values[s]

Reversing a sequence needs output step t to read input step T - 1 - t, which the attention
weights learn. Run: ``python examples/bahdanau_attention.py``.
"""

from __future__ import annotations

import time

import numpy as np

import pellucid as keras
from pellucid import ops

STEPS, DIGITS, UNITS = 6, 10, 32


class BahdanauAttention(keras.layers.Layer):
    """``context, weights = attention(query (B, Tq, d), values (B, Tv, d))``."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.W1 = keras.layers.Dense(units)
        self.W2 = keras.layers.Dense(units)
        self.V = keras.layers.Dense(1)

    def call(self, inputs):
        query, values = inputs
        # (B, Tq, 1, u) + (B, 1, Tv, u): every query step meets every encoder step.
        hidden = ops.tanh(ops.expand_dims(self.W1(query), 2) + ops.expand_dims(self.W2(values), 1))
        score = ops.squeeze(self.V(hidden), -1)                    # (B, Tq, Tv)
        weights = ops.softmax(score, axis=-1)                       # over encoder steps
        context = ops.matmul(weights, values)                       # (B, Tq, d)
        return context, weights


def build_model() -> keras.Model:
    digits = keras.Input((STEPS,), dtype="int32")
    positions = keras.Input((STEPS,), dtype="int32")
    where = keras.layers.Embedding(STEPS, UNITS)
    values = keras.layers.Dense(UNITS, activation="tanh")(
        keras.layers.Concatenate()([keras.layers.Embedding(DIGITS, UNITS)(digits),
                                    where(positions)]))
    query = keras.layers.Embedding(STEPS, UNITS)(positions)         # "I am output step t"
    context, _ = BahdanauAttention(UNITS)([query, values])
    out = keras.layers.Dense(DIGITS, activation="softmax")(context)
    return keras.Model([digits, positions], out)


def main() -> float:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, DIGITS, size=(4000, STEPS)).astype("int32")
    pos = np.tile(np.arange(STEPS, dtype="int32"), (len(x), 1))
    y = x[:, ::-1].copy()
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit([x, pos], y, batch_size=64, epochs=8, verbose=0)
    x_test = rng.integers(0, DIGITS, size=(500, STEPS)).astype("int32")
    pred = model.predict([x_test, pos[:500]], verbose=0).argmax(-1)
    accuracy = float((pred == x_test[:, ::-1]).mean())
    print(f"reversal accuracy per digit: {accuracy:.3f} ({time.time() - start:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main()
