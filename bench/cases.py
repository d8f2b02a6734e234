"""The benchmark cases: data, sizes, optimizer and loss, and FLOPs per sample.

Data is synthetic and seeded, generated identically in every worker process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One benchmark model: what it trains on and how."""

    key: str
    name: str
    samples: int
    batch_size: int
    optimizer: str
    needs: tuple[str, ...]  # pellucid layers the case uses beyond Dense
    forward_flops: float  # multiply-adds x 2 per sample, forward pass only
    mask: bool = True
    # The speed goal for training: pellucid's samples/s over the faster peer's (2x for the
    # models whose steps are bound by overheads, 1.1x for those bound by compute).
    train_goal: float | None = None


def _lstm_flops(inputs: int, units: int, steps: int) -> float:
    return 2.0 * 4 * (inputs * units + units * units) * steps


def _gru_flops(inputs: int, units: int, steps: int) -> float:
    return 2.0 * 3 * (inputs * units + units * units) * steps


CASES = {
    "B0": Case("B0", "mlp", 8192, 128, "adam", (), 2.0 * (784 * 512 + 512 * 10)),
    "B1": Case("B1", "gru_seq2seq", 4096, 128, "rmsprop", ("GRU",),
               _gru_flops(15, 16, 64) + 2.0 * 16 * 15 * 64, train_goal=2.0),
    "B2": Case("B2", "lstm_events", 8192, 200, "adam", ("Embedding", "LSTM"),
               _lstm_flops(32, 32, 50) + 2.0 * (32 * 64 + 64 + 32), train_goal=2.0),
    "B2n": Case("B2n", "lstm_events_nomask", 8192, 200, "adam", ("Embedding", "LSTM"),
                _lstm_flops(32, 32, 50) + 2.0 * (32 * 64 + 64 + 32), mask=False,
                train_goal=2.0),
    "B3": Case("B3", "cnn_mlp", 8192, 128, "adam", ("Conv2D",),
               2.0 * (26 * 26 * 32 * 9 + 12 * 12 * 64 * 32 * 9 + 9216 * 512 + 512 * 10),
               train_goal=1.1),
    "B4": Case("B4", "lstm_large", 4096, 64, "adam", ("LSTM",),
               _lstm_flops(64, 256, 100) + 2.0 * 256, train_goal=1.1),
}

# The speed goal for predict on the cases with a training goal: pellucid's samples/s
# over the faster peer's.
PREDICT_GOAL = 1.5

# A training step costs about three forward passes (forward, and two matmuls per
# matmul in the backward pass).
TRAIN_FLOPS_FACTOR = 3.0


def make_data(case: Case, samples: int) -> tuple[Any, Any]:
    """``(x, y)`` as NumPy arrays in Keras's layout (channels last, batch first)."""
    rng = np.random.default_rng(1234)
    if case.key == "B0":
        return rng.random((samples, 784), np.float32), rng.integers(0, 10, samples)
    if case.key == "B1":
        x = rng.random((samples, 64, 15), np.float32)
        labels = rng.integers(0, 15, (samples, 64))
        return x, np.eye(15, dtype=np.float32)[labels]
    if case.key in ("B2", "B2n"):
        lengths = rng.integers(10, 51, samples)
        x = rng.integers(1, 100, (samples, 50))
        x[np.arange(50)[None, :] >= lengths[:, None]] = 0  # zero padding at the end
        y = (rng.random((samples, 1)) < 0.5).astype(np.float32)
        return x.astype(np.int32), [y, y.copy()]
    if case.key == "B3":
        return rng.random((samples, 28, 28, 1), np.float32), rng.integers(0, 10, samples)
    if case.key == "B4":
        return rng.random((samples, 100, 64), np.float32), rng.random((samples, 1), np.float32)
    raise KeyError(case.key)
