"""The compiled training step alone, pellucid next to Keras 3 (JAX), in one process.

``python -m bench.step_cost [--models B1,B3] [--steps 30] [--frameworks pellucid,keras]``

For each case and framework this prints one JSON line with:

- ``flops`` / ``bytes``: XLA's cost analysis of the compiled step (one batch);
- ``step_cpu_ms`` / ``step_wall_ms``: the median CPU and wall time of one call of the
  compiled step on a fixed batch, waited for with ``block_until_ready`` (no ``fit``);
- ``fit_cpu_ms``: CPU time per step of a later ``fit`` epoch over the case's data, so
  ``fit_cpu_ms - step_cpu_ms`` is what the Python loop, batching and callbacks add.

CPU time (``time.process_time``) is the number to compare on a shared machine: other
programs slow the wall clock but not the time this process spends computing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from bench.cases import CASES, Case, make_data
from bench.keras_models import build


def _timed_calls(call: Any, steps: int) -> tuple[float, float]:
    """Median (cpu_ms, wall_ms) of ``call()`` over ``steps`` calls after two warm-ups."""
    import jax  # noqa: PLC0415

    for _ in range(2):
        jax.block_until_ready(call())
    cpu, wall = [], []
    for _ in range(steps):
        c, w = time.process_time(), time.perf_counter()
        jax.block_until_ready(call())
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1e3, statistics.median(wall) * 1e3


def _cost(lowered: Any) -> dict:
    analysis = lowered.compile().cost_analysis()
    if isinstance(analysis, list):  # older JAX returns one dict per device
        analysis = analysis[0]
    return {"flops": analysis.get("flops", 0.0), "bytes": analysis.get("bytes accessed", 0.0)}


def _fit_cpu_ms(keras: Any, model: Any, case: Case, x: Any, y: Any) -> float:
    """CPU ms per step of the second of two ``fit`` epochs (the first one compiles)."""
    cpu: list[float] = []

    class Stamp(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            cpu.append(time.process_time())

    model.fit(x, y, batch_size=case.batch_size, epochs=2, verbose=0, callbacks=[Stamp()])
    steps = -(-len(x) // case.batch_size)
    return (cpu[1] - cpu[0]) / steps * 1e3


def _batch(case: Case, x: Any, y: Any) -> tuple[Any, list]:
    xb = x[:case.batch_size]
    ys = y if isinstance(y, list) else [y]
    return xb, [t[:case.batch_size] for t in ys]


def pellucid_step(case: Case, x: Any, y: Any) -> tuple[Any, Any, Any]:
    """``(model, lowered step, call)`` for pellucid's jitted training step."""
    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415

    import pellucid  # noqa: PLC0415

    model = build(pellucid, case)
    model.fit(x[:case.batch_size], [t[:case.batch_size] for t in y] if isinstance(y, list)
              else y[:case.batch_size], batch_size=case.batch_size, epochs=1, verbose=0)
    trainer = model._trainer
    step = trainer._train_fn[0]
    xb, yb = _batch(case, x, y)
    batch = ([jnp.asarray(xb)], [jnp.asarray(t) for t in yb], None)
    t_vals, nt_vals = trainer._read_state()
    # Copies: the step donates its state, and the later `fit` still needs the originals.
    state = [jax.tree_util.tree_map(
        lambda a: jnp.array(a, copy=True),
        (t_vals, nt_vals, trainer.optimizer.state, trainer.compiled.init_metric_states(),
         trainer._counter))]
    lowered = step.lower(state[0], batch, trainer._base_key)

    def call() -> Any:
        state[0], logs = step(state[0], batch, trainer._base_key)
        return logs

    jax.block_until_ready(state[0])
    return model, lowered, call


def keras_step(case: Case, x: Any, y: Any) -> tuple[Any, Any, Any]:
    """``(model, lowered step, call)`` for Keras's own ``train_step`` under ``jax.jit``."""
    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415
    import keras  # noqa: PLC0415

    model = build(keras, case)
    model.fit(x[:case.batch_size], [t[:case.batch_size] for t in y] if isinstance(y, list)
              else y[:case.batch_size], batch_size=case.batch_size, epochs=1, verbose=0)
    xb, yb = _batch(case, x, y)
    data = (jnp.asarray(xb), [jnp.asarray(t) for t in yb] if len(yb) > 1 else
            jnp.asarray(yb[0]))
    state = [jax.tree_util.tree_map(
        lambda a: jnp.array(a, copy=True),
        ([v.value for v in model.trainable_variables],
         [v.value for v in model.non_trainable_variables],
         [v.value for v in model.optimizer.variables],
         [v.value for v in model.metrics_variables]))]
    step = jax.jit(model.train_step, donate_argnums=0)
    lowered = step.lower(state[0], data)

    def call() -> Any:
        logs, state[0] = step(state[0], data)
        return logs

    return model, lowered, call


def measure(framework: str, case: Case, steps: int) -> dict:
    """One JSON-able row of measurements for ``case`` in ``framework``."""
    if framework == "keras":
        import keras  # noqa: PLC0415

        make = keras_step
    else:
        import pellucid as keras  # noqa: PLC0415

        make = pellucid_step
    x, y = make_data(case, case.samples // 4)
    model, lowered, call = make(case, x, y)
    row: dict[str, Any] = {"case": case.key, "framework": framework, **_cost(lowered)}
    row["step_cpu_ms"], row["step_wall_ms"] = _timed_calls(call, steps)
    row["fit_cpu_ms"] = _fit_cpu_ms(keras, model, case, x, y)
    return row


def main(argv: list[str] | None = None) -> None:
    """Print one JSON line per (case, framework)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="B0,B1,B2,B2n,B3,B4")
    parser.add_argument("--frameworks", default="pellucid,keras")
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "jax")
    for key in args.models.split(","):
        for framework in args.frameworks.split(","):
            row = measure(framework, CASES[key], args.steps)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                              for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
