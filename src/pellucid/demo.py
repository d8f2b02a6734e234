"""``pellucid demo``: train a small dense model on data made in code, then explain it.

The data: points in the plane, labelled by whether they fall inside the unit circle. The
model learns it in a few epochs; the run prints the summary, the progress bar, the final
metrics and the model's explanation. Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def make_data(n: int = 2048, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``x`` uniform in [-1.5, 1.5]², ``y = 1`` inside the unit circle."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2)).astype("float32")
    y = (np.sum(x**2, axis=1) < 1.0).astype("float32")[:, None]
    return x, y


def build_model() -> object:
    import pellucid as keras  # noqa: PLC0415

    return keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(16, activation="tanh"),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name="circle")


def run(epochs: int = 5, seed: int = 0) -> dict:
    """Train, report, explain; returns the final metrics."""
    import pellucid as keras  # noqa: PLC0415

    keras.backend.set_random_seed(seed)
    x, y = make_data(seed=seed)
    model = build_model()
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:1536], y[:1536], batch_size=64, epochs=epochs, verbose=1)
    metrics = model.evaluate(x[1536:], y[1536:], verbose=0, return_dict=True)
    print("held-out metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    with tempfile.TemporaryDirectory() as folder:
        picture = Path(folder) / "circle.png"
        explanation = model.explain()
        print(explanation)
        explanation.save(picture)
        print(f"(a picture of the model was drawn: {picture.stat().st_size:,} bytes)")
    return metrics
