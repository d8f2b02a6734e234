"""The summary table: medians over repeats, ratios, and the share of matmul peak."""

from __future__ import annotations

import platform
import statistics
from typing import Any

from bench.cases import CASES, PREDICT_GOAL, TRAIN_FLOPS_FACTOR


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(results: list[dict], case: str, framework: str) -> dict[str, Any]:
    """Medians over repeats (each repeat's own median epoch/predict rate first)."""
    runs = [r for r in results if r["case"] == case and r["framework"] == framework]
    ok = [r for r in runs if "skipped" not in r]
    if not ok:
        return {"skipped": runs[0]["skipped"] if runs else "not run"}
    cold = min(ok, key=lambda r: r["repeat"])
    return {
        "train": _median([statistics.median(r["train_sps"]) for r in ok if r["train_sps"]]),
        "train_cpu": _median([statistics.median(r["train_cpu_sps"]) for r in ok
                              if r.get("train_cpu_sps")]),
        "predict": _median([statistics.median(r["predict_sps"]) for r in ok]),
        "first": _median([r["first_epoch_s"] for r in ok]),
        "first_cold": cold["first_epoch_s"],
        "rss": _median([r["peak_rss_mb"] for r in ok]),
        "device_mb": _median([r["device_peak_mb"] for r in ok
                              if r.get("device_peak_mb") is not None]),
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[dict], cases: list[str], frameworks: list[str],
                peaks: list[dict]) -> None:
    """Prints one row per (case, framework) and the pellucid/peer ratios.

    ``peaks`` are :func:`bench.peak.measure` results; a column of accelerator memory
    (peak MB in use) appears when the workers ran on one.
    """
    peak = statistics.median(p["gflops"] for p in peaks)
    size, device = peaks[0]["size"], peaks[0]["device"]
    print(f"machine: {platform.processor() or platform.machine()}, device: {device}, "
          f"matmul peak (jitted {size}x{size} f32, median of {len(peaks)}): "
          f"{peak:.1f} GFLOP/s")
    on_device = any(r.get("device_peak_mb") is not None for r in results)
    header = (f"{'case':<5}{'framework':<10}{'train/s':>10}{'cpu-s/s':>10}{'predict/s':>11}"
              f"{'1st ep s':>9}{'(cold)':>8}{'RSS MB':>8}"
              f"{'dev MB' if on_device else '':>{8 if on_device else 0}}"
              f"{'%peak':>7}{'x keras':>8}{'x torch':>8}")
    print(header)
    print("-" * len(header))
    for case in cases:
        rows = {fw: summarize(results, case, fw) for fw in frameworks}
        flops = CASES[case].forward_flops * TRAIN_FLOPS_FACTOR
        mine = rows.get("pellucid", {})
        for fw, row in rows.items():
            if "skipped" in row:
                print(f"{case:<5}{fw:<10}skipped: {row['skipped']}")
                continue
            ratios = []
            for peer in ("keras", "torch"):
                other = rows.get(peer, {})
                if fw == "pellucid" and other.get("train") and mine.get("train"):
                    ratios.append(f"{mine['train'] / other['train']:>8.2f}")
                else:
                    ratios.append(f"{'':>8}")
            share = 100.0 * row["train"] * flops / 1e9 / peak if row["train"] else None
            print(f"{case:<5}{fw:<10}{_fmt(row['train'], '10.0f')}"
                  f"{_fmt(row['train_cpu'], '10.0f')}{_fmt(row['predict'], '11.0f')}"
                  f"{_fmt(row['first'], '9.2f')}{_fmt(row['first_cold'], '8.2f')}"
                  f"{_fmt(row['rss'], '8.0f')}"
                  f"{_fmt(row['device_mb'], '8.0f') if on_device else ''}"
                  f"{_fmt(share, '7.1f')}{''.join(ratios)}")
        if "skipped" not in mine:
            for peer in ("keras", "torch"):
                other = rows.get(peer, {})
                if other.get("predict") and mine.get("predict"):
                    print(f"{'':<5}predict pellucid/{peer}: "
                          f"{mine['predict'] / other['predict']:.2f}")
            for line in _goal_shares(CASES[case], rows, peak):
                print(f"{'':<5}{line}")


def _goal_shares(case: Any, rows: dict, peak: float) -> list[str]:
    """What the case's speed goals ask of the machine: the samples/s of each goal (a
    multiple of the faster peer's) as a share of the matmul peak by the case's FLOP
    count, beside pellucid's share now. A goal above 100% is out of any framework's reach
    on that machine."""
    if case.train_goal is None:
        return []
    peers = [rows[p] for p in ("keras", "torch") if p in rows and "skipped" not in rows[p]]
    mine = rows.get("pellucid", {})
    lines = []
    for what, key, goal, flops in (
            ("training", "train", case.train_goal, case.forward_flops * TRAIN_FLOPS_FACTOR),
            ("predict", "predict", PREDICT_GOAL, case.forward_flops)):
        fastest = max((p[key] or 0.0 for p in peers), default=0.0)
        if not fastest or not mine.get(key):
            continue

        def share(samples_per_s: float, flops: float = flops) -> float:
            return 100.0 * samples_per_s * flops / 1e9 / peak

        lines.append(f"{what} goal, {goal:g}x the faster peer: {share(goal * fastest):.0f}% "
                     f"of the peak (pellucid {share(mine[key]):.0f}%)")
    return lines
