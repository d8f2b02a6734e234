"""``pellucid demo``: the questions' string-to-string model, trained and explained.

The model is the one from the Dense-vs-TimeDistributed question: 64 steps of 15 one-hot
features -> ``GRU(16, return_sequences=True)`` -> ``Dense(15)`` applied at every step ->
softmax. The task, generated in code: convert a string into the same string shifted by
one character (each output character is the previous input character), which no per-step
layer can do alone, so the GRU's memory is what learns it. The run prints the summary,
the progress bar, held-out per-character accuracy, a few converted strings, and the
explanation of the model. Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ALPHABET = "_abcdefghijklmn"  # 15 symbols; "_" is the padding/start symbol
STEPS = 64


def make_data(n: int = 4096, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random strings and their conversions, one-hot: ``(n, 64, 15)`` each."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, len(ALPHABET), size=(n, STEPS))
    shifted = np.concatenate([np.zeros((n, 1), dtype=ids.dtype), ids[:, :-1]], axis=1)
    eye = np.eye(len(ALPHABET), dtype="float32")
    return eye[ids], eye[shifted]


def decode(one_hot: np.ndarray) -> str:
    return "".join(ALPHABET[i] for i in np.argmax(one_hot, axis=-1))


def build_model() -> Any:
    import pellucid as keras  # noqa: PLC0415
    from pellucid import layers  # noqa: PLC0415

    inputs = keras.Input(shape=(STEPS, len(ALPHABET)), name="characters")
    hidden = layers.GRU(16, return_sequences=True, name="gru")(inputs)
    scores = layers.Dense(len(ALPHABET), name="per_step_dense")(hidden)
    outputs = layers.Activation("softmax", name="softmax")(scores)
    return keras.Model(inputs, outputs, name="string_to_string")


def run(epochs: int = 8, seed: int = 0, samples: int = 4096) -> dict:
    """Train, report, explain; returns the held-out metrics."""
    import pellucid as keras  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    x, y = make_data(samples + 512, seed=seed)
    x_train, y_train, x_test, y_test = x[:samples], y[:samples], x[samples:], y[samples:]
    model = build_model()
    model.summary()
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=1)
    metrics = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print("held-out per-character metrics: "
          + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    predictions = model.predict(x_test[:3], verbose=0)
    for source, converted in zip(x_test[:3], predictions, strict=True):
        print(f"  {decode(source)[:32]}...  ->  {decode(converted)[:32]}...")
    with tempfile.TemporaryDirectory() as folder:
        explanation = model.explain()
        print(explanation)
        picture = Path(folder) / "string_to_string.png"
        try:
            explanation.save(picture)
        except ImportError:
            print("(pictures need matplotlib: pip install 'pellucid[plot]')")
        else:
            print(f"(a picture of the model was drawn: {picture.stat().st_size:,} bytes)")
    return metrics
