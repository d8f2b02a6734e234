"""Runs one case in one framework and prints one JSON line of measurements.

``python -m bench.worker FRAMEWORK CASE [--samples N] [--epochs E]``; FRAMEWORK is
``pellucid``, ``keras`` or ``torch``. Times: ``first_epoch_s`` runs from building the
model to the end of the first epoch (compilation included); ``train_sps`` lists the
samples/s of each later epoch; ``predict_sps`` lists timed ``predict`` calls after a
warm-up call; ``train_cpu_sps`` divides by the process's CPU time instead of wall time,
which other programs on a shared machine disturb less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import Any

from bench.cases import CASES, Case, make_data

PREDICT_REPEATS = 3


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _jax_device_peak_mb() -> float | None:
    """Peak accelerator memory of this process in JAX, None on the CPU."""
    import jax  # noqa: PLC0415

    device = jax.local_devices()[0]
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else peak / 2**20


def run_keras_api(keras: Any, case: Case, samples: int, epochs: int) -> dict:
    """pellucid or Keras 3: the same script, only the module differs."""
    from bench.keras_models import build  # noqa: PLC0415

    x, y = make_data(case, samples)
    stamps: list[float] = []
    cpu: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            stamps.append(time.perf_counter())
            cpu.append(time.process_time())

    start = time.perf_counter()
    model = build(keras, case)
    model.fit(x, y, batch_size=case.batch_size, epochs=epochs, verbose=0,
              callbacks=[EpochTimer()])
    first = stamps[0] - start
    train = [samples / (b - a) for a, b in zip(stamps, stamps[1:], strict=False)]
    train_cpu = [samples / (b - a) for a, b in zip(cpu, cpu[1:], strict=False)]
    model.predict(x, batch_size=case.batch_size, verbose=0)
    predict = []
    for _ in range(PREDICT_REPEATS):
        t = time.perf_counter()
        model.predict(x, batch_size=case.batch_size, verbose=0)
        predict.append(samples / (time.perf_counter() - t))
    return {"first_epoch_s": first, "train_sps": train, "train_cpu_sps": train_cpu,
            "predict_sps": predict, "device_peak_mb": _jax_device_peak_mb()}


def run_torch(case: Case, samples: int, epochs: int) -> dict:
    """The idiomatic PyTorch loop: shuffle, forward, loss, backward, step."""
    import torch  # noqa: PLC0415

    from bench import torch_models  # noqa: PLC0415

    torch.manual_seed(0)
    device = torch_models.device()
    x, y = make_data(case, samples)
    # Like the JAX frameworks, which place array data on the accelerator once.
    tx, ty = torch_models.tensors(case, x, y, device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    start = time.perf_counter()
    model, loss_fn = torch_models.build(case)
    model.to(device)
    opt = torch_models.optimizer(case, model.parameters())
    stamps, cpu = [], []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(samples, device=device)
        for i in range(0, samples, case.batch_size):
            index = order[i:i + case.batch_size]
            target = [t[index] for t in ty] if isinstance(ty, list) else ty[index]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(tx[index]), target)
            loss.backward()
            opt.step()
        sync()
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
    first = stamps[0] - start
    train = [samples / (b - a) for a, b in zip(stamps, stamps[1:], strict=False)]
    train_cpu = [samples / (b - a) for a, b in zip(cpu, cpu[1:], strict=False)]
    model.eval()
    predict = []
    for repeat in range(PREDICT_REPEATS + 1):
        t = time.perf_counter()
        with torch.inference_mode():
            # Gathered into host arrays, as Keras's predict returns them.
            outs = [model(tx[i:i + case.batch_size]) for i in range(0, samples, case.batch_size)]
            per_output = zip(*outs, strict=True) if isinstance(outs[0], tuple) else [outs]
            host = [torch.cat(o).cpu().numpy() for o in per_output]
        assert len(host[0]) == samples
        if repeat:  # the first pass warms up, as predict's does for the others
            predict.append(samples / (time.perf_counter() - t))
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
    return {"first_epoch_s": first, "train_sps": train, "train_cpu_sps": train_cpu,
            "predict_sps": predict, "device_peak_mb": peak}


def main(argv: list[str] | None = None) -> None:
    """Entry point: measure, then print the JSON line (or a skip reason)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("framework", choices=["pellucid", "keras", "torch"])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args(argv)
    case = CASES[args.case]
    samples = args.samples or case.samples
    result: dict[str, Any] = {"framework": args.framework, "case": case.key}
    try:
        if args.framework == "torch":
            result.update(run_torch(case, samples, args.epochs))
        else:
            if args.framework == "keras":
                os.environ["KERAS_BACKEND"] = "jax"
                import keras  # noqa: PLC0415
            else:
                import pellucid as keras  # noqa: PLC0415

                missing = [n for n in case.needs if not hasattr(keras.layers, n)]
                if missing:
                    result["skipped"] = f"pellucid has no {', '.join(missing)} yet"
            if "skipped" not in result:
                result.update(run_keras_api(keras, case, samples, args.epochs))
    except ImportError as err:
        result["skipped"] = f"{args.framework} is not installed ({err.name})"
    result["peak_rss_mb"] = _peak_rss_mb()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
