"""How XLA's CPU client runs a program: on the thread that calls it.

JAX's CPU client by default queues each program to its own worker threads and returns at
once (asynchronous dispatch). pellucid runs programs side by side from several threads
and waits for each: the two halves of a recurrent model's training step
(:mod:`pellucid.training.split_step`) and ``predict``'s calls
(:mod:`pellucid.training.inference`). Queued, two programs started together often ran
one after the other: in ``fit``, B2 without its mask (LSTM(32), halves of 100 rows) took
2.6-3.4 ms for the two halves at once in most steps, and 4.4-5.7 ms, about the two
halves' sum, in 32 of 82. Run on their calling threads, whole steps (the halves and the
update) took 2.9-3.4 ms in 74 of 82 and over 4 ms in 5.

Measured on a 2-core Intel Xeon with AVX-512 (``bench.worker pellucid CASE --epochs 3``,
queued / on the calling thread, alternating processes, training samples/s): B2 without
its mask 45-51k / 56-64k, B2 46-50k / 55-64k, B1 43-50k / 50-57k, B3 3.1-3.4k / 3.1-3.4k,
B0 102-111k / 101-108k, B4 922-1,017 / 903-993 (about 3% slower); ``predict`` B3
17.0-19.9k / 16.4-19.9k, the others even.

The choice is the CPU client's, made once per process when JAX first starts it, so it
is set when pellucid is imported: a JAX program that started the CPU client before that
keeps its own choice, and so does ``JAX_CPU_ENABLE_ASYNC_DISPATCH`` set in the
environment. ``PELLUCID_CPU_ASYNC_DISPATCH=1`` keeps JAX's default.
"""

from __future__ import annotations

import os

import jax

__all__ = ["run_cpu_programs_inline"]


def run_cpu_programs_inline() -> None:
    """Asks JAX's CPU client, when it starts, to run each program on its calling thread."""
    if os.environ.get("PELLUCID_CPU_ASYNC_DISPATCH") == "1":
        return
    if "JAX_CPU_ENABLE_ASYNC_DISPATCH" in os.environ:
        return
    jax.config.update("jax_cpu_enable_async_dispatch", False)
