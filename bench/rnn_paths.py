"""``python -m bench.rnn_paths``: pellucid's LSTM cases with cuDNN's fused kernel
(``use_cudnn=True``) and with the XLA loop (``"auto"``), side by side in one process.
Needs a CUDA GPU (the CPU has no cuDNN path).

Prints training samples/s (median of the epochs after the first) and predict samples/s
for each LSTM case and path.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pellucid as keras
from bench.cases import CASES, make_data
from bench.keras_models import build

EPOCHS = 3


def _measure(case_key: str, use_cudnn: Any) -> tuple[float, float]:
    case = CASES[case_key]
    x, y = make_data(case, case.samples)
    model = build(keras, case)
    for layer in model.layers:
        if isinstance(layer, keras.layers.LSTM):
            layer.use_cudnn = use_cudnn
    stamps: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            stamps.append(time.perf_counter())

    model.fit(x, y, batch_size=case.batch_size, epochs=EPOCHS, verbose=0,
              callbacks=[EpochTimer()])
    train = statistics.median(case.samples / (b - a) for a, b in zip(stamps, stamps[1:],
                                                                      strict=False))
    model.predict(x, batch_size=case.batch_size, verbose=0)
    start = time.perf_counter()
    model.predict(x, batch_size=case.batch_size, verbose=0)
    return train, case.samples / (time.perf_counter() - start)


def main() -> None:
    print(f"{'case':<5}{'use_cudnn':>10}{'train/s':>10}{'predict/s':>11}")
    for key in ("B2", "B2n", "B4"):
        for use_cudnn in (True, "auto"):
            train, predict = _measure(key, use_cudnn)
            print(f"{key:<5}{use_cudnn!s:>10}{train:>10.0f}{predict:>11.0f}", flush=True)


if __name__ == "__main__":
    main()
