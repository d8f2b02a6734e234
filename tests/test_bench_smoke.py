"""Every benchmark model still builds and trains a step in pellucid (keeps bench/ honest)."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import pellucid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cases, keras_models  # noqa: E402


@pytest.mark.parametrize("key", sorted(cases.CASES))
def test_bench_case_trains_one_step(key):
    case = cases.CASES[key]
    assert all(hasattr(pellucid.layers, n) for n in case.needs)
    x, y = cases.make_data(case, 8)
    model = keras_models.build(pellucid, case)
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    out = model.predict(x, batch_size=8, verbose=0)
    first = out[0] if isinstance(out, list) else out
    assert first.shape[0] == 8


def test_report_formats_a_table(capsys):
    from bench.report import print_table  # noqa: PLC0415

    results = [{"framework": fw, "case": "B0", "repeat": 0, "first_epoch_s": 1.0,
                "train_sps": [1000.0], "train_cpu_sps": [900.0], "predict_sps": [5000.0],
                "peak_rss_mb": 100.0} for fw in ("pellucid", "keras")]
    results.append({"framework": "torch", "case": "B0", "repeat": 0, "skipped": "absent"})
    peak = {"gflops": 100.0, "size": 2048, "device": "cpu"}
    print_table(results, ["B0"], ["pellucid", "keras", "torch"], [peak])
    text = capsys.readouterr().out
    assert "B0   pellucid" in text and "skipped: absent" in text
    assert "dev MB" not in text
    for r in results[:2]:
        r["device_peak_mb"] = 321.0
    print_table(results, ["B0"], ["pellucid", "keras", "torch"], [peak])
    assert "dev MB" in (text := capsys.readouterr().out) and "     321" in text


def test_report_says_what_share_of_the_peak_each_goal_needs(capsys):
    from bench.report import print_table  # noqa: PLC0415

    def row(fw, train, predict):
        return {"framework": fw, "case": "B4", "repeat": 0, "first_epoch_s": 1.0,
                "train_sps": [train], "train_cpu_sps": [train], "predict_sps": [predict],
                "peak_rss_mb": 100.0}

    results = [row("pellucid", 200.0, 800.0), row("keras", 100.0, 400.0),
               row("torch", 300.0, 1000.0)]
    flops = cases.CASES["B4"].forward_flops  # GFLOP/s = samples/s * flops / 1e9
    peak = {"gflops": 1000.0 * flops / 1e9, "size": 2048, "device": "cpu"}  # 1,000 predicts/s
    print_table(results, ["B4"], ["pellucid", "keras", "torch"], [peak])
    text = capsys.readouterr().out
    # Training: 1.1 x 300 samples/s x 3 forward passes = 990 forward passes/s; predict:
    # 1.5 x 1,000.
    assert "training goal, 1.1x the faster peer: 99% of the peak (pellucid 60%)" in text
    assert "predict goal, 1.5x the faster peer: 150% of the peak (pellucid 80%)" in text
    print_table(results, ["B0"], ["pellucid", "keras", "torch"], [peak])
    assert "goal" not in capsys.readouterr().out  # B0 has no goal


def test_step_cost_calls_the_compiled_training_step():
    from bench import step_cost  # noqa: PLC0415

    case = cases.CASES["B0"]
    x, y = cases.make_data(case, case.batch_size)
    _, lowered, call = step_cost.pellucid_step(case, x, y)
    assert np.isfinite(float(call()["loss"]))
    assert step_cost._cost(lowered)["flops"] > 0


def test_cpus_option_confines_the_child_processes():
    import subprocess  # noqa: PLC0415

    from bench.__main__ import _pinned  # noqa: PLC0415

    cpu = min(os.sched_getaffinity(0))
    script = "import os; print(sorted(os.sched_getaffinity(0)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, preexec_fn=_pinned({cpu}))
    assert done.stdout.strip() == f"[{cpu}]"
    assert _pinned(None) is None


def test_per_call_bench_times_every_call_and_tabulates_ratios(monkeypatch, capsys):
    from bench import per_call  # noqa: PLC0415

    ran = []

    def once(call, warmup=0, repeats=1):
        call()
        ran.append(call)
        return 2.0

    monkeypatch.setattr(per_call, "_median_ms", once)
    per_call.worker("pellucid")
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["model"] for r in rows] == list(per_call.MODELS)
    assert len(ran) == len(per_call.CALLS) * len(per_call.MODELS)
    rows += [{**r, "framework": "keras", **dict.fromkeys(per_call.CALLS, 5.0)} for r in rows]
    text = per_call.table(rows, ["pellucid", "keras", "torch"])
    assert "| mlp | model(x) | 2.00 | 5.00 | - | 2.5 | - |" in text
