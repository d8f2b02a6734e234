"""``python -m bench``: every case in every framework, alternating, with a summary table.

Options: ``--models B0,B1`` (default all), ``--repeats N`` (default 3), ``--quick``
(a quarter of the samples, three epochs), ``--cpus 1`` (run every process on those
CPUs only, e.g. one core: the steadier figure on a shared machine). pellucid gets a
fresh compilation cache folder per run, so its first repeat shows a cold start and
later ones a cached start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.cases import CASES
from bench.report import print_table

FRAMEWORKS = ["pellucid", "keras", "torch"]
WORKER_TIMEOUT_S = 300


def _pinned(cpus: set[int] | None) -> Any:
    """A ``preexec_fn`` that confines a child process to ``cpus`` (None: no limit)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def _run_worker(framework: str, case: str, samples: int | None, epochs: int,
                cache: str, cpus: set[int] | None = None) -> dict:
    env = dict(os.environ, PELLUCID_CACHE_DIR=cache)
    if framework == "keras":
        env["KERAS_BACKEND"] = "jax"
    cmd = [sys.executable, "-m", "bench.worker", framework, case, "--epochs", str(epochs)]
    if samples:
        cmd += ["--samples", str(samples)]
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root,
                              timeout=WORKER_TIMEOUT_S, check=False,
                              preexec_fn=_pinned(cpus))
    except subprocess.TimeoutExpired:
        return {"framework": framework, "case": case, "skipped": "timed out"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"framework": framework, "case": case, "skipped": f"failed: {tail}"}
    return json.loads(lines[-1])


def _matmul_peak(cpus: set[int] | None = None) -> dict:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "bench.peak"], capture_output=True,
                          text=True, cwd=root, check=True, preexec_fn=_pinned(cpus))
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Runs the benchmarks and prints the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(CASES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--cpus", default="",
                        help="comma-separated CPU numbers every process is confined to")
    args = parser.parse_args(argv)
    cpus = {int(c) for c in args.cpus.split(",") if c.strip()} or None
    cases = [c.strip() for c in args.models.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {sorted(CASES)}")
    frameworks = [f for f in args.frameworks.split(",") if f]
    epochs = 3 if args.quick else 4
    results: list[dict] = []
    peaks = [_matmul_peak(cpus)]
    with tempfile.TemporaryDirectory(prefix="pellucid-bench-cache-") as cache:
        for repeat in range(args.repeats):
            for case in cases:
                samples = CASES[case].samples // 4 if args.quick else None
                # Rotate the order so no framework always runs first (warm caches, turbo).
                order = frameworks[repeat % len(frameworks):] + \
                    frameworks[:repeat % len(frameworks)]
                for framework in order:
                    result = _run_worker(framework, case, samples, epochs, cache, cpus)
                    result["repeat"] = repeat
                    if cpus:
                        result["cpus"] = sorted(cpus)
                    results.append(result)
                    print(json.dumps(result), file=sys.stderr, flush=True)
            peaks.append(_matmul_peak(cpus))
    print_table(results, cases, frameworks, peaks)


if __name__ == "__main__":
    main()
