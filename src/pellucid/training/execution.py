"""Running several training steps per dispatch, and compiling ahead in the background.

A *block* is up to ``k`` consecutive batches of the same size. The compiled block
function receives their index arrays stacked as ``int32[k, batch]`` plus how many rows
are real, and loops over them on the device, so one Python dispatch runs ``k`` steps.
Because the row count is a runtime value, one executable serves every block of a given
batch size, including a short final block; only a batch of a different size (the
partial last batch of an epoch) needs a second executable, compiled once and reused by
every later epoch.

:class:`Executables` compiles those executables ahead of their first use, in worker
threads: XLA's compiler releases the GIL, so on a machine with two cores the
full-batch and partial-batch executables compile side by side.

Convolutions on the CPU are the exception. XLA's CPU compiler rewrites the gradient
convolutions of a training step into the layout its fast convolution kernels take only
outside loops;
inside the device loop they stay in the layout of the gradient and run as generic loop
nests, about 15x slower (a 160 ms Conv2D step took 2.6 s). :func:`uses_convolution`
finds such steps in a traced function; for them the trainer dispatches one step at a time
on the CPU (``loop_steps`` with a single row emits no loop), which costs tens of
microseconds of Python per step, nothing next to a convolution step. GPUs keep the
device loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import jax
import numpy as np

# Blocks longer than this gain nothing measurable (dispatch costs tens of microseconds)
# and make the progress bar and `stop_training` coarser.
AUTO_BLOCK_STEPS = 16


@dataclass
class Block:
    """Consecutive steps ``first..last`` (inclusive) run by one dispatch."""

    first: int
    last: int
    indices: np.ndarray  # int32[rows, batch]; rows past `count` repeat the last real row
    count: int


def blocks(index_arrays: Iterable[np.ndarray], rows: int) -> Iterator[Block]:
    """Groups per-step index arrays into blocks of at most ``rows`` equal-sized steps.

    A block ends early when the batch size changes, so a partial last batch travels in
    a block of its own (its shape needs its own executable in any case).
    """
    pending: list[np.ndarray] = []
    first = 0
    step = -1
    for step, index in enumerate(index_arrays):
        if pending and (len(pending) == rows or len(index) != len(pending[0])):
            yield _make_block(pending, first, rows)
            pending, first = [], step
        pending.append(index)
    if pending:
        yield _make_block(pending, first, rows)


def _make_block(pending: list[np.ndarray], first: int, rows: int) -> Block:
    count = len(pending)
    # Every block has `rows` rows so that one executable serves all of them; the padding
    # rows are never run (the loop stops at `count`) and cost only their indices.
    padded = pending + [pending[-1]] * (rows - count)
    return Block(first, first + count - 1, np.stack(padded).astype(np.int32), count)


def block_shapes(num_samples: int, batch_size: int, steps: int, rows: int) -> list[tuple]:
    """The distinct ``(rows, batch)`` index shapes an epoch of array data will use."""
    shapes = []
    position = 0
    for _ in range(steps):
        size = min(batch_size, num_samples - position)
        shape = (rows, size)
        if shape not in shapes:
            shapes.append(shape)
        position += size
        if position >= num_samples:
            position = 0
    return shapes


def take_rows(arrays: Any, index: Any) -> Any:
    """The rows ``index`` of every array in a pytree (one batch of the data)."""
    return jax.tree_util.tree_map(lambda a: a[index], arrays)


def loop_steps(step: Any, init_logs: Any) -> Any:
    """``run(state, arrays, indices, count, *consts)``: ``step`` applied to the first
    ``count`` rows.

    ``step(state, batch, *consts) -> (state, logs)``, where ``consts`` are values every
    step reads but none changes (the run's random key); ``init_logs(state)`` gives logs of
    the right structure for a block with no rows. The loop runs on the device
    (``fori_loop`` with a traced trip count lowers to one while loop), so its body is
    compiled once.
    """

    def run(state: Any, arrays: Any, indices: Any, count: Any, *consts: Any
            ) -> tuple[Any, Any]:
        def body(i: Any, carry: tuple) -> tuple:
            current, _ = carry
            return step(current, take_rows(arrays, indices[i]), *consts)

        if indices.shape[0] == 1:
            # One row always runs (blocks are never empty): no loop, so XLA compiles the
            # step as it would a plain jitted step (see the module docstring).
            return body(0, (state, None))
        return jax.lax.fori_loop(0, count, body, (state, init_logs(state)))

    return run


def uses_convolution(jaxpr: Any) -> bool:
    """Whether a (closed) jaxpr, or any jaxpr nested in its equations, convolves."""
    return "conv_general_dilated" in primitives(jaxpr)


def primitives(jaxpr: Any) -> set[str]:
    """The names of the primitives a (closed) jaxpr and the jaxprs nested in it use."""
    return {eqn.primitive.name for eqn in equations(jaxpr)}


def equations(jaxpr: Any) -> Iterator[Any]:
    """Every equation of a (closed) jaxpr, each followed by those of the jaxprs nested in
    it (jit, scan, cond and custom derivative bodies)."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    for eqn in jaxpr.eqns:
        yield eqn
        for inner in _nested_jaxprs(eqn.params):
            yield from equations(inner)


def returns_state_unchanged(closed: Any, first: int, count: int) -> bool:
    """Whether a traced function hands its ``count`` state inputs, starting at flat input
    ``first``, back unchanged as its last ``count`` outputs (no batch statistics, no
    stateful RNN carrying state from batch to batch)."""
    jaxpr = closed.jaxpr
    state_in = jaxpr.invars[first:first + count]
    state_out = jaxpr.outvars[len(jaxpr.outvars) - count:] if count else []
    return all(a is b for a, b in zip(state_in, state_out, strict=True))


def _nested_jaxprs(params: dict) -> Iterator[Any]:
    """The jaxprs among an equation's parameters (jit, scan, cond, custom_vjp bodies)."""
    for value in params.values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            inner = getattr(item, "jaxpr", item)
            if hasattr(inner, "eqns"):
                yield inner


def dispatches(block: Block, device_rows: int) -> Iterator[tuple[np.ndarray, int]]:
    """``(indices, count)`` for each dispatch of ``block`` when one runs ``device_rows`` rows.

    With ``device_rows`` equal to the block's rows this is the block itself; with 1 it is
    one dispatch per real step (the padding rows are dropped).
    """
    if device_rows >= len(block.indices):
        yield block.indices, block.count
        return
    for row in range(block.count):
        yield block.indices[row:row + 1], 1


_ARRAY_TYPES = (jax.Array, np.ndarray, jax.ShapeDtypeStruct)


def signature(args: Any) -> Any:
    """What a program compiled for ``args`` depends on: structure, shapes, dtypes."""
    leaves, treedef = jax.tree_util.tree_flatten(args)
    # Read from arrays directly: np.shape's dispatch cost more than the rest together,
    # at every step of an epoch dispatched batch by batch.
    return treedef, tuple((x.shape, x.dtype) if isinstance(x, _ARRAY_TYPES)
                          else (np.shape(x), getattr(x, "dtype", type(x)))
                          for x in leaves)


class Executables:
    """Compiled versions of one jitted function, keyed by argument shapes.

    ``prepare(args)`` lowers in the calling thread (tracing touches pellucid's
    thread-local scopes) and compiles in a worker thread; calling with arguments of a
    prepared signature waits for that compile. Unprepared signatures fall back to the
    jitted function itself.
    """

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pellucid-compile")

    def __init__(self, jitted: Any):
        self.jitted = jitted
        self._compiled: dict[Any, Future] = {}

    def prepare(self, args: tuple) -> Any:
        """Starts compiling for the signature of ``args`` (arrays or ShapeDtypeStructs);
        returns the lowered program, or None when that signature was prepared before."""
        key = signature(args)
        if key in self._compiled:
            return None
        lowered = self.jitted.lower(*args)
        self._compiled[key] = self.pool.submit(lowered.compile)
        return lowered

    def __call__(self, *args: Any) -> Any:
        future = self._compiled.get(signature(args))
        if future is None:
            return self.jitted(*args)
        return future.result()(*args)


Result = TypeVar("Result")
# The worker threads of on_threads, started as calls need them (Python's default bound:
# the cores and four more, at most 32; a call wanting more runs with those).
_side_threads = ThreadPoolExecutor(thread_name_prefix="pellucid-side")


def side_by_side(first: Callable[[], Result], second: Callable[[], Result]
                 ) -> tuple[Result, Result]:
    """``(first(), second())``, run at the same time: ``first`` in a worker thread.

    XLA's CPU programs dispatched from one thread run one after another, each on the
    cores its own kernels use (one, for a recurrent step's small kernels); dispatched
    from two threads, two run at once. Each callable should wait for its program's
    result (``jax.block_until_ready``) so that its thread holds the program until done.
    """
    results: list = [None, None]
    on_threads(lambda run: run(), [first, second], results.__setitem__)
    return results[0], results[1]


def on_threads(run: Callable[[Any], Result], items: list,
               done: Callable[[int, Result], None], threads: int = 2) -> None:
    """``run(item)`` for every item, ``threads`` at a time, the slower items not holding
    up the rest: this thread and ``threads - 1`` worker threads each take the next item
    when free. ``done(i, result)`` is called in this thread, in the items' order, as the
    finished items allow."""
    lock = threading.Lock()
    order = iter(range(len(items)))
    results: dict[int, Result] = {}

    def take() -> int | None:
        with lock:
            return next(order, None)

    def work() -> None:
        while (i := take()) is not None:
            results[i] = run(items[i])

    pending = [_side_threads.submit(work) for _ in range(min(threads, len(items)) - 1)]
    reported = 0
    while (i := take()) is not None:
        results[i] = run(items[i])
        while reported in results:
            done(reported, results.pop(reported))
            reported += 1
    for helper in pending:
        helper.result()
    for j in range(reported, len(items)):
        done(j, results.pop(j))


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity: ``taskset`` narrows it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def reads_each_batch(callback_list: Any, hooks: Iterable[str]) -> bool:
    """Whether a callback of ``callback_list`` other than the progress bar and ``History``
    defines one of the per-batch ``hooks`` itself (not the base no-op): it then sees each
    batch, so batches run one per dispatch."""
    from pellucid.callbacks import Callback, History, ProgbarLogger  # noqa: PLC0415

    hooks = tuple(hooks)
    watched = [cb for cb in callback_list.callbacks
               if not isinstance(cb, (History, ProgbarLogger))]
    # Hooks may be set on the class or on the instance (LambdaCallback(on_batch_end=...)).
    return any(getattr(type(cb), hook, None) is not getattr(Callback, hook, None)
               or hook in vars(cb)
               for cb in watched for hook in hooks)
