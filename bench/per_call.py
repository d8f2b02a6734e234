"""What one call of the Keras API costs, as a loop in a user's script pays it.

``python -m bench.per_call [--repeats 3] [--frameworks pellucid,keras,torch]``

Three small models, a Dense MLP (20 -> 64 relu -> 3 softmax), ``LSTM(32)`` over 30
steps of 8 features followed by ``Dense(3)``, and a deeper MLP of 20 ``Dense(32, relu)``
layers and ``Dense(3)`` (where a call's cost per layer shows), all trained with Adam on
the mean squared error. For each, the median wall time of a call repeated in a loop,
after warm-up calls:

- ``model(x)``, ``predict`` and ``predict_on_batch`` on one sample (a generation or
  control loop), and ``layer(x)``, the model's first layer called on its own (a
  notebook looking at what a layer does);
- ``train_on_batch`` on 64 samples (a GAN or reinforcement-learning loop);
- ``fit(epochs=1)`` over 64 samples in batches of 32, the same over a generator of those
  two batches, and ``evaluate`` over them (a loop that calls ``fit`` once per epoch).

PyTorch's counterparts: ``module(x)`` under ``no_grad`` for the three inference calls,
one optimizer step, a loop over the two batches, and a ``no_grad`` loop for ``evaluate``.
Each framework runs in a process of its own, in rotating order, ``--repeats`` times;
the table shows the medians and each peer's time divided by pellucid's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FRAMEWORKS = ("pellucid", "keras", "torch")
CALLS = ("model(x)", "layer(x)", "predict", "predict_on_batch", "train_on_batch", "fit(epochs=1)",
         "fit(generator)", "evaluate")
MODELS = {"mlp": (20,), "lstm": (30, 8), "deep": (20,)}
DEEP_LAYERS = 20


def _median_ms(call: Callable[[], Any], warmup: int = 3, repeats: int = 30) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def _data(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, *shape)).astype("float32")
    y = rng.random((64, 3)).astype("float32")
    return x, y, x[:1]


def _batches(x: Any, y: Any) -> Any:
    """The two 32-row batches of ``(x, y)``, as a generator yields them."""
    for i in (0, 32):
        yield x[i:i + 32], y[i:i + 32]


def _keras_api_calls(keras: Any, name: str) -> dict[str, float]:
    layers = keras.layers
    body = {"mlp": [layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")],
            "lstm": [layers.LSTM(32), layers.Dense(3)],
            "deep": [*(layers.Dense(32, activation="relu") for _ in range(DEEP_LAYERS)),
                     layers.Dense(3)]}[name]
    model = keras.Sequential([keras.Input(MODELS[name]), *body])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    x, y, one = _data(MODELS[name])
    return {
        "model(x)": _median_ms(lambda: np.asarray(model(one))),
        "layer(x)": _median_ms(lambda: np.asarray(model.layers[0](one))),
        "predict": _median_ms(lambda: model.predict(one, verbose=0)),
        "predict_on_batch": _median_ms(lambda: model.predict_on_batch(one)),
        "train_on_batch": _median_ms(lambda: model.train_on_batch(x, y)),
        "fit(epochs=1)": _median_ms(lambda: model.fit(x, y, batch_size=32, epochs=1,
                                                      verbose=0)),
        "fit(generator)": _median_ms(lambda: model.fit(_batches(x, y), steps_per_epoch=2,
                                                       epochs=1, shuffle=False, verbose=0)),
        "evaluate": _median_ms(lambda: model.evaluate(x, y, batch_size=32, verbose=0)),
    }


def _torch_calls(name: str) -> dict[str, float]:
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    class Recurrent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(8, 32, batch_first=True)
            self.dense = nn.Linear(32, 3)

        def forward(self, x: Any) -> Any:
            return self.dense(self.lstm(x)[0][:, -1])

    if name == "mlp":
        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3), nn.Softmax(-1))
    elif name == "deep":
        hidden = [module for width in [20] + [32] * (DEEP_LAYERS - 1)
                  for module in (nn.Linear(width, 32), nn.ReLU())]
        model = nn.Sequential(*hidden, nn.Linear(32, 3))
    else:
        model = Recurrent()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    x, y, one = (torch.from_numpy(a) for a in _data(MODELS[name]))

    def infer() -> Any:
        with torch.no_grad():
            return model(one).numpy()

    def first_layer() -> Any:
        with torch.no_grad():
            return (model.lstm(one)[0][:, -1] if name == "lstm" else model[0](one)).numpy()

    def step(xb: Any, yb: Any) -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()

    def evaluate() -> float:
        with torch.no_grad():
            return sum(loss_fn(model(x[i:i + 32]), y[i:i + 32]).item() for i in (0, 32)) / 2

    return {"model(x)": _median_ms(infer), "layer(x)": _median_ms(first_layer),
            "predict": _median_ms(infer),
            "predict_on_batch": _median_ms(infer),
            "train_on_batch": _median_ms(lambda: step(x, y)),
            "fit(epochs=1)": _median_ms(lambda: [step(x[i:i + 32], y[i:i + 32])
                                                 for i in (0, 32)]),
            "fit(generator)": _median_ms(lambda: [step(a, b) for a, b in _batches(x, y)]),
            "evaluate": _median_ms(evaluate)}


def worker(framework: str) -> None:
    """Prints one JSON line per model: ``{"framework", "model", call: ms, ...}``."""
    for name in MODELS:
        if framework == "torch":
            times = _torch_calls(name)
        else:
            os.environ.setdefault("KERAS_BACKEND", "jax")
            module = __import__("pellucid" if framework == "pellucid" else "keras")
            times = _keras_api_calls(module, name)
        print(json.dumps({"framework": framework, "model": name, **times}), flush=True)


def _run(framework: str) -> list[dict] | None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "bench.per_call", "--worker", framework],
                          capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        print(f"{framework}: not measured ({done.stderr.strip().splitlines()[-1:]})",
              file=sys.stderr)
        return None
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def table(rows: list[dict], frameworks: list[str]) -> str:
    """Median ms per (model, call) and framework; each peer's time over pellucid's."""
    peers = [f for f in frameworks if f != "pellucid"]
    head = ["model", "call", *(f"{f} ms" for f in frameworks), *(f"{p} / pellucid"
                                                                 for p in peers)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in MODELS:
        for call in CALLS:
            ms = {f: statistics.median(r[call] for r in rows
                                       if r["framework"] == f and r["model"] == name)
                  for f in frameworks if any(r["framework"] == f for r in rows)}
            cells = [name, call, *(f"{ms[f]:.2f}" if f in ms else "-" for f in frameworks)]
            cells += [f"{ms[p] / ms['pellucid']:.1f}" if p in ms and "pellucid" in ms else "-"
                      for p in peers]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.per_call", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    frameworks = [f for f in args.frameworks.split(",") if f]
    rows: list[dict] = []
    for repeat in range(args.repeats):
        shift = repeat % len(frameworks)
        for framework in frameworks[shift:] + frameworks[:shift]:
            for row in _run(framework) or []:
                rows.append({**row, "repeat": repeat})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows, frameworks))


if __name__ == "__main__":
    main()
