"""``predict``: the forward pass jitted once per model.

On the CPU, a model whose rows stay apart in inference runs its jitted forward pass on
several batches' rows at a time, straight from the host arrays: one call per core, each
compiled for one core, or, for a model with convolutions, two calls at a time on
YNNPACK's threads (:func:`_predict_stacked`).
Other array inputs go to the device once and are predicted in blocks of batches, one
dispatch per block (see :mod:`pellucid.training.execution`), two blocks at a time from
two threads on a CPU with two cores or more (:func:`_blocks_on_two_cores`), each batch
one slice of consecutive rows of the data; on accelerators a block's batches run side
by side. Outputs come back in one transfer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import backend
from pellucid.backend import runtime
from pellucid.backend.device import compiler_options, on_accelerator, one_thread_compiler_options
from pellucid.training import data as data_lib
from pellucid.training import execution

# A call on several batches' rows (see _stacks_batches) takes at most this many batches.
# The calls running at once compute at most this many bytes of values (counted from the
# traced program: an upper bound of its memory, since XLA reuses buffers), an equal share
# each, as if at least two ran.
STACKED_BATCHES = execution.AUTO_BLOCK_STEPS
STACKED_BYTES = 512 << 20
# A model with a loop over time steps takes at most this many batches a call.
LOOP_STACKED_BATCHES = 4


def _inference_forward(model: Any) -> Any:
    """``forward(trainable, non_trainable, x) -> (outputs, new_non_trainable)``, training off."""

    def forward(trainable: list, non_trainable: list, x: Any) -> tuple[Any, list]:
        outputs, _, new_nt, _ = model.pure_forward(trainable, non_trainable, x, False,
                                                   jax.random.PRNGKey(0))
        return outputs, new_nt

    return forward


def _kept_forward(model: Any, attribute: str, options: Callable[[], dict]) -> Any:
    """The inference forward pass jitted with ``options()``, kept on ``model`` as
    ``attribute``."""
    runtime.prepare()
    fn = getattr(model, attribute, None)
    if fn is None:
        fn = jax.jit(_inference_forward(model), compiler_options=options())
        setattr(model, attribute, fn)
    return fn


def _forward_fn(model: Any, trainable: list, non_trainable: list, x: Any) -> Any:
    return _kept_forward(model, "_predict_fn", lambda: _compiler_options(
        model, trainable, non_trainable, x))


def _one_thread_forward_fn(model: Any) -> Any:
    """The forward pass of :func:`_forward_fn` compiled to run on one core
    (:func:`pellucid.backend.device.one_thread_compiler_options`), for stacked calls of a
    model without convolutions, one per core; kept on the model."""
    return _kept_forward(model, "_predict_one_thread_fn", one_thread_compiler_options)


def _compiler_options(model: Any, trainable: list, non_trainable: list, x: Any) -> dict:
    """The XLA options for ``model``'s default prediction programs (see
    :func:`pellucid.backend.device.compiler_options`), on CPUs, where they can differ:
    whether the forward pass convolves, as the trainer found it or from the trace
    :func:`_forward_facts` keeps; kept on the model."""
    if on_accelerator():
        return {}
    convolves = getattr(model, "_forward_convolves", None)
    if convolves is None:
        convolves = _forward_facts(model, trainable, non_trainable, x).convolves
        model._forward_convolves = convolves
    return compiler_options(convolves)


def _structure_input(model: Any, xs: list) -> Any:
    structure = getattr(model, "_input_structure", None)
    if isinstance(structure, dict):
        return dict(zip(model.input_names, xs, strict=True))
    if isinstance(structure, (list, tuple)) or len(xs) > 1:
        return list(xs)
    return xs[0]


def _ensure_built(model: Any, xs: list) -> None:
    if model.built and (not hasattr(model, "_stack") or model._symbolic_outputs):
        return
    from pellucid.training.trainer import _build_model  # noqa: PLC0415

    _build_model(model, _structure_input(model, [jnp.asarray(a[:1]) for a in xs]))


def predict_on_batch(model: Any, x: Any) -> Any:
    return _run(model, data_lib.flatten_by_names(x, data_lib.input_names(model), "input"))


def _run(model: Any, xs: list) -> Any:
    _ensure_built(model, xs)
    x = _structure_input(model, [data_lib.for_one_call(a) for a in xs])
    return jax.tree_util.tree_map(np.asarray, run_forward(model, x))


def run_forward(model: Any, x: Any) -> Any:
    """The outputs (JAX arrays) of a built model for the inputs ``x``, in the model's input
    structure, from its jitted forward pass with training off; the states it carries (a
    stateful RNN's) are written back to their variables."""
    t_vars, nt_vars = model.trainable_weights, model.non_trainable_state()
    trainable, non_trainable = [v.value for v in t_vars], [v.value for v in nt_vars]
    outputs, new_nt = _forward_fn(model, trainable, non_trainable, x)(trainable, non_trainable,
                                                                      x)
    for v, val in zip(nt_vars, new_nt, strict=True):
        v._value = val
    return outputs


def _block_fn(model: Any, trainable: list, non_trainable: list, first_batch: Any) -> Any:
    """``run(trainable, non_trainable, xs, indices, count)``: forward over a block of batches.

    Jitted once per model and kept on it; like training blocks, the loop runs on the
    device so one dispatch predicts ``indices.shape[0]`` batches. Each row of ``indices``
    is a batch's consecutive rows of ``xs``, read as one slice from its first row (B0's
    8,192 rows of 784 floats in blocks of 2,048 took 23.5 ms gathered by index and 20.5 ms
    sliced). ``first_batch`` is one batch of input (or its shapes), traced once to choose
    compiler options.
    """
    runtime.prepare()
    fn = getattr(model, "_predict_block_fn", None)
    if fn is None:
        forward = _inference_forward(model)

        def run(trainable: list, non_trainable: list, xs: list, indices: Any,
                count: Any) -> tuple[Any, list]:
            rows, size = indices.shape

            def batch(i: Any) -> Any:
                return _structure_input(model, [
                    jax.lax.dynamic_slice_in_dim(a, indices[i, 0], size) for a in xs])

            if _batches_are_independent(model, trainable, non_trainable, batch(0)):
                # Every row at once (padding rows too; the caller cuts them off). vmap
                # keeps each batch a batch of its own: a layer that reduces over the
                # batch axis sees the same rows as in the loop. Fused kernels have no
                # vmap rule, so layers take their loops.
                with backend.loops_only():
                    out = jax.vmap(lambda i: forward(trainable, non_trainable, batch(i))[0]
                                   )(jnp.arange(rows))
                return out, non_trainable
            shapes = jax.eval_shape(forward, trainable, non_trainable, batch(0))[0]
            init = jax.tree_util.tree_map(
                lambda s: jnp.zeros((rows,) + s.shape, s.dtype), shapes)

            def body(i: Any, carry: tuple) -> tuple:
                nt, outs = carry
                out, nt = forward(trainable, nt, batch(i))
                return nt, jax.tree_util.tree_map(lambda o, r: o.at[i].set(r), outs, out)

            new_nt, outs = jax.lax.fori_loop(0, count, body, (non_trainable, init))
            return outs, new_nt

        fn = jax.jit(run, compiler_options=_compiler_options(
            model, trainable, non_trainable, first_batch))
        model._predict_block_fn = fn
    return fn


def _batches_are_independent(model: Any, trainable: list, non_trainable: list,
                             x: Any) -> bool:
    """Whether a block's batches may run side by side (vmapped) rather than in a loop:
    on an accelerator (where 16 batches at once cost about the time of one, so a
    sequential loop over the block wastes it) and when the forward pass hands its
    non-trainable state back untouched. On the CPU the batches' work costs
    proportionally more side by side, and the loop's memory stays that of one batch;
    there blocks run two at a time instead (:func:`_blocks_on_two_cores`)."""
    return on_accelerator() and _forward_facts(model, trainable, non_trainable,
                                               x).state_untouched


def _stacks_batches(model: Any, trainable: list, non_trainable: list, x: Any) -> bool:
    """Whether several batches run as one batch of all their rows (:func:`_predict_stacked`),
    on the CPU: for a model whose output rows depend on their own input rows only in
    inference (BatchNormalization's do) and whose forward pass leaves its state untouched
    (a stateful RNN's does not).

    Products and convolutions over more rows kept XLA's and YNNPACK's kernels busier, on
    a 2-core Intel Xeon with AVX-512: B3 (Conv2D x2, Dense 512, batch 128) predicted
    18.2-19.9k samples/s two batches a block against 13.8-15.9k in the loop; B0's
    products (Dense 512 on 784 inputs, then 10) took 20 ms for 8,192 rows in blocks of
    2,048 rows and 26 ms in batches of 128. Recurrent models gain from their calls running
    one per core (:func:`pellucid.backend.device.one_thread_compiler_options`): B1
    (GRU(16), batch 128) 24-30 ms against 30-33 ms in the device loop, B4 (LSTM(256),
    batch 64) 863-884 against 1,089-1,145 ms; B2 and B2 without its mask (Embedding,
    LSTM(32), batch 200) within 2% of the loop (27.3-27.8 / 26.7-27.2 and 29.0-29.3 /
    29.4-29.9 ms).
    """
    if on_accelerator():
        return False
    facts = _forward_facts(model, trainable, non_trainable, x)
    return model.rows_independent(training=False) and facts.state_untouched


def _stacked_batches(facts: _ForwardFacts, batch_size: int, at_once: int = 1,
                     batches: int | None = None) -> int:
    """How many batches of ``batch_size`` rows a stacked call takes, ``at_once`` such
    calls running together over ``batches`` in all: a power of two, at most
    :data:`STACKED_BATCHES` (:data:`LOOP_STACKED_BATCHES` for a model with a loop over
    time steps), few enough that each of the ``at_once`` calls gets some, and as many as
    keep the values its forward pass computes within its share of :data:`STACKED_BYTES`
    (one batch where a single one does not): 256 MiB a call for one or two calls, 32 MiB
    each for 16. B0's calls take 16 batches of 128 rows (12 KB of
    values a row), B3's two (687 KB a row): four predicted B3 no faster. Recurrent
    models' calls on one core each, 1 / 2 / 4 / 8 / 16 batches a call (ms, 2-core Xeon):
    LSTM(32) at batch 200 47 / 52 / 47 / 53 / 51, B4 1,128 / 963 / 876 / 848 / 851, B1
    31.0 / 26.8 / 24.7 / 32.9 / 24.5; B2 without its mask 29.3 / 32.4 / 29.3 at 1 / 2 /
    4, and 31.1 at 16 (another run)."""
    most = LOOP_STACKED_BATCHES if facts.loops else STACKED_BATCHES
    if batches is not None:
        most = min(most, batches // at_once)
    fit = STACKED_BYTES // max(2, at_once) // max(1, facts.row_bytes * batch_size)
    taken = max(1, min(most, int(fit)))
    return 1 << (taken.bit_length() - 1)


@dataclass(frozen=True)
class _ForwardFacts:
    """What one trace of a model's inference forward pass tells ``predict``."""

    state_untouched: bool  # the non-trainable state comes back unchanged
    loops: bool  # a loop over time steps (a recurrent layer) runs in it
    convolves: bool  # a convolution runs in it
    row_bytes: float  # the bytes of every value it computes, per input row


def _forward_facts(model: Any, trainable: list, non_trainable: list, x: Any) -> _ForwardFacts:
    """:class:`_ForwardFacts` of ``model`` from one trace of its inference forward pass
    on the batch ``x``; found once and kept on the model."""
    found = getattr(model, "_predict_facts", None)
    if found is None:
        closed = jax.make_jaxpr(_inference_forward(model))(trainable, non_trainable, x)
        equations = list(execution.equations(closed))
        values = sum(math.prod(v.aval.shape) * v.aval.dtype.itemsize
                     for eqn in equations for v in eqn.outvars if hasattr(v.aval, "shape"))
        rows = jax.tree_util.tree_leaves(x)[0].shape[0]
        found = _ForwardFacts(
            execution.returns_state_unchanged(
                closed, len(jax.tree_util.tree_leaves(trainable)),
                len(jax.tree_util.tree_leaves(non_trainable))),
            any(eqn.primitive.name in ("while", "scan") for eqn in equations),
            execution.uses_convolution(closed),
            values / max(1, rows))
        model._predict_facts = found
    return found


def _blocks_on_two_cores(model: Any, trainable: list, non_trainable: list, x: Any) -> bool:
    """Whether blocks run two at a time, from two threads, on a CPU with two cores or more.

    A recurrent or dense model's prediction program keeps about one core busy (its
    kernels are small); two blocks at once predicted B2 without its mask 2.2x as fast,
    B1 1.7x and B4 1.35x. Convolution programs run on YNNPACK's threads, yet two blocks
    at once still gained: B3 15.0-15.9k samples/s against 12.3-13.6k one block at a time
    on a 2-core Intel Xeon (on a 2-core AMD EPYC the two were even). A model whose
    forward pass changes its state from batch to batch (a stateful RNN) keeps one block
    at a time.
    """
    if on_accelerator() or execution.usable_cores() < 2:
        return False
    return _forward_facts(model, trainable, non_trainable, x).state_untouched


def _predict_arrays(model: Any, xs: list, batch_size: int, n_steps: int, cbs: Any,
                    rows: int) -> Any:
    """Outputs for array inputs: several batches a call straight from the host arrays
    where batches stack (:func:`_predict_stacked`), otherwise blocks of batches on the
    device (:func:`_predict_blocks`)."""
    _ensure_built(model, xs)
    n = min(xs[0].shape[0], n_steps * batch_size)
    trainable = [v.value for v in model.trainable_weights]
    non_trainable = [v.value for v in model.non_trainable_state()]
    batch = _structure_input(model, [
        jax.ShapeDtypeStruct((min(batch_size, n),) + a.shape[1:],
                             jax.dtypes.canonicalize_dtype(a.dtype)) for a in xs])
    if rows > 1 and _stacks_batches(model, trainable, non_trainable, batch):
        return _predict_stacked(model, xs, batch_size, n, cbs, trainable, non_trainable,
                                batch)
    return _predict_blocks(model, xs, batch_size, n_steps, n, cbs, rows, trainable,
                           non_trainable, batch)


def _predict_stacked(model: Any, xs: list, batch_size: int, n: int, cbs: Any,
                     trainable: list, non_trainable: list, batch: Any) -> Any:
    """Outputs of a model whose batches stack (:func:`_stacks_batches`), on the CPU: its
    jitted forward pass called on the rows of :func:`_stacked_batches` batches at a time,
    then on one batch at a time for the batches left over (a short last one padded with
    zero rows, cut afterwards). Where cores are free, one call per core, each compiled to
    run on one core (:func:`_one_thread_forward_fn`), and every core gets a call. A model
    with convolutions keeps YNNPACK's convolutions and threads (XLA's own convolutions are
    several times slower), two calls at a time; so does any model on a CPU with more
    cores than the data has batches, where calls on one core each would leave cores
    idle. The calls take a power of two of batches, so a few programs serve every number
    of rows.

    Each call's rows are a slice of the host arrays, which the call transfers: nothing
    copies all the inputs first, and the threads copy their rows side by side. B0's 8,192
    rows took 23.3-24.4 ms so, against 26.0-26.6 ms with the inputs placed on the device
    first and each block of 16 batches sliced there (29.9-32.6 ms in the loop over batches
    of 128); 22.3-22.6 ms against 23.6-24.1 with each call on one core (one core alone:
    38.4 against 44.0 ms).
    """
    facts = _forward_facts(model, trainable, non_trainable, batch)
    batches = -(-n // batch_size)
    cores = execution.usable_cores()
    one_core = not facts.convolves and cores <= batches
    fn = (_one_thread_forward_fn(model) if one_core
          else _forward_fn(model, trainable, non_trainable, batch))
    # The state is untouched (_stacks_batches): calls may run side by side.
    threads = 1 if cores < 2 else cores if one_core else 2
    size = batch_size * _stacked_batches(facts, batch_size, threads, batches)
    whole = n // size * size
    calls = ([(start, size) for start in range(0, whole, size)]
             + [(start, batch_size) for start in range(whole, n, batch_size)])

    def rows_of(start: int, length: int) -> Any:
        return _structure_input(model, [
            data_lib.for_one_call(data_lib.with_rows(a[start:start + length], length))
            for a in xs])

    def run(call: tuple[int, int]) -> Any:
        return jax.block_until_ready(fn(trainable, non_trainable, rows_of(*call))[0])

    parts: list = []

    def done(i: int, outs: Any) -> None:
        start, length = calls[i]
        cbs.on_predict_batch_begin(start // batch_size)
        parts.append(jax.tree_util.tree_map(lambda o: np.asarray(o)[:n - start], outs))
        cbs.on_predict_batch_end((start + length - 1) // batch_size, {})

    if len(calls) > 1 and threads > 1:
        for length in sorted({length for _, length in calls}):
            _trace_here(model, fn, length,
                        lambda r=length: fn.lower(trainable, non_trainable, rows_of(0, r)))
        execution.on_threads(run, calls, done, threads)
    else:
        for i, call in enumerate(calls):
            done(i, run(call))
    return _joined(parts, n)


def _predict_blocks(model: Any, xs: list, batch_size: int, n_steps: int, n: int, cbs: Any,
                    rows: int, trainable: list, non_trainable: list, batch: Any) -> Any:
    """Outputs for array inputs in blocks of batches: the inputs placed on the device once,
    one dispatch per block (:func:`_block_fn`)."""
    # Where rows stay apart, a short last batch runs as a full one whose extra rows are
    # cut afterwards: datasets of nearby sizes then share one program, instead of one
    # more per length of the last batch. It reads rows past the data's end, which the
    # copy adds where it pads (see data_lib.ArrayData.for_indexing); a large one it does
    # not pad keeps its short last batch.
    whole_rows = n_steps * batch_size
    wants_full_last = (n % batch_size != 0 and n > batch_size
                       and model.rows_independent(training=False))
    data = data_lib.ArrayData(xs, None, None).for_indexing(
        whole_rows if wants_full_last else 0)
    full_last = wants_full_last and data.num_samples >= whole_rows
    read = whole_rows if full_last else n
    # Transfers, not programs: jnp.asarray and slicing a device array compile one each.
    device_xs = jax.device_put(data.x)
    nt_vars = model.non_trainable_state()
    fn = _block_fn(model, trainable, non_trainable, batch)
    index_arrays = [np.arange(i * batch_size, min((i + 1) * batch_size, read))
                    for i in range(n_steps)]
    two_at_once = n_steps > 1 and rows > 1 and _blocks_on_two_cores(
        model, trainable, non_trainable, batch)
    if two_at_once:  # shorter blocks, so the two threads finish close together
        rows = max(1, rows // 4)
    every = list(execution.blocks(index_arrays, rows))

    def call(block: execution.Block, non_trainable: list) -> tuple[Any, list]:
        return fn(trainable, non_trainable, device_xs, block.indices, np.int32(block.count))

    parts: list = []

    def done(i: int, outs: Any) -> None:
        cbs.on_predict_batch_begin(every[i].first)
        # Read at the end: reading each block's outputs as it finished would make Python
        # wait for the device between blocks.
        parts.append((outs, every[i].count))
        cbs.on_predict_batch_end(every[i].last, {})

    if two_at_once:  # the state is untouched: nothing passes from block to block
        for block in every:
            _trace_here(model, fn, block.indices.shape,
                        lambda b=block: fn.lower(trainable, non_trainable, device_xs,
                                                 b.indices, np.int32(b.count)))
        execution.on_threads(
            lambda block: jax.block_until_ready(call(block, non_trainable)[0]), every, done)
    else:
        for i, block in enumerate(every):
            outs, non_trainable = call(block, non_trainable)
            done(i, outs)
    for v, val in zip(nt_vars, non_trainable, strict=True):
        v._value = val
    # Cut on the host: slicing on the device compiles a program per block length.
    return _joined([jax.tree_util.tree_map(
        lambda o, c=count: np.asarray(o)[:c].reshape((-1,) + o.shape[2:]), outs)
        for outs, count in parts], n)


def _trace_here(model: Any, fn: Any, key: Any, lower: Callable[[], Any]) -> None:
    """Traces ``fn`` for one shape of its inputs (``key``) in this thread, once per
    program (``lower()``): tracing runs the layers' Python code, whose scopes are per
    thread; calls from two threads then find the trace cached."""
    traced_fn, shapes = getattr(model, "_predict_traced", (None, set()))
    if traced_fn is not fn:  # a new program (or the other one): nothing traced yet
        shapes = set()
        model._predict_traced = (fn, shapes)
    if key not in shapes:
        lower()
        shapes.add(key)


def _joined(pieces: list, n: int) -> Any:
    """The outputs of consecutive calls (host arrays), concatenated and cut to ``n`` rows."""
    return jax.tree_util.tree_map(lambda *p: np.concatenate(p, axis=0)[:n], *pieces)


def predict(model: Any, x: Any, batch_size: int | None = None, verbose: Any = "auto",
            steps: int | None = None, callbacks: Any = None) -> Any:
    """Outputs for all of ``x``, concatenated over batches (NumPy arrays)."""
    from pellucid import callbacks as callbacks_module  # noqa: PLC0415

    batch_size = batch_size or 32
    verbose = 1 if verbose == "auto" else verbose
    names = data_lib.input_names(model)
    if data_lib.is_iterable_source(x):
        batches = (data_lib.unpack_batch(b)[0] for b in data_lib.IterableData(x, steps).epoch())
        batch_list = [data_lib.flatten_by_names(b, names, "input") for b in batches]
        n_steps = len(batch_list)
    else:
        xs = data_lib.flatten_by_names(x, names, "input")
        n_steps = steps or max(1, math.ceil(xs[0].shape[0] / batch_size))
    cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=model,
                                        verbose=verbose, epochs=1, steps=n_steps)
    cbs.on_predict_begin()
    if data_lib.is_iterable_source(x):
        results = []
        for i, batch in enumerate(batch_list):
            cbs.on_predict_batch_begin(i)
            results.append(_run(model, batch))
            cbs.on_predict_batch_end(i, {})
        outputs = jax.tree_util.tree_map(lambda *parts: np.concatenate(parts, axis=0),
                                         *results)
    else:
        if n_steps == 1:
            # One batch (a loop predicting a step at a time): the program predict_on_batch
            # runs, without the blocks' index arrays and the cutting of their outputs.
            cbs.on_predict_batch_begin(0)
            outputs = _run(model, [a[:batch_size] for a in xs])
            cbs.on_predict_batch_end(0, {})
        else:
            hooks = ("on_predict_batch_begin", "on_predict_batch_end")
            rows = 1 if execution.reads_each_batch(cbs, hooks) else execution.AUTO_BLOCK_STEPS
            outputs = _predict_arrays(model, xs, batch_size, n_steps, cbs, rows)
    cbs.on_predict_end()
    return outputs
