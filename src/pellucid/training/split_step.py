"""Training steps that run the two halves of each batch side by side, one per CPU core.

A recurrent model's step on the CPU is a chain of small kernels, one time step after
another, and XLA runs it on one core: B2's LSTM(32) step kept 1.06 of two cores busy.
Two programs dispatched from two threads do run at the same time, so the step is cut in
two programs instead of one:

- ``half(trainable, non_trainable, arrays, index, fraction)``: the forward pass and the
  gradient of ``fraction`` x the half's loss, for the rows ``index`` (run twice, from two
  threads, on the two halves of the batch);
- ``apply(state, arrays, index, half_a, half_b)``: the two gradients summed with the
  regularization's, the optimizer update, constraints and the metrics of the whole batch.

With ``fraction`` = rows of the half / rows of the batch the summed gradient is the
gradient of the batch's loss, exactly in arithmetic and to float32 rounding in practice,
as long as the loss is a sum of per-row terms divided by the batch's element count and
no row affects another's output. :func:`splittable` checks that before the trainer
takes this path: only layers known to treat rows independently, each loss a built-in
one with Keras's default ``sum_over_batch_size`` reduction and no mask on its output,
no random draws (dropout's masks would come from other keys than the one-program
step's), no state the forward pass changes (batch statistics, stateful RNNs) and no
losses added by layers. Anything else keeps the one-program step. Where the result is
the same, the path is taken on CPUs with two cores or more, for recurrent models and
batches of at least ``MIN_BATCH`` rows, where it measured faster (``fit`` over array
data, and ``train_on_batch``: an LSTM(32) model's batch of 64 in 7.3-8.9 ms against
9.4-10.4 ms in one program, alternating runs on a 2-core Zen 1);
``PELLUCID_SPLIT_STEPS=1`` takes it wherever the result is the same, ``0`` never.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import losses as losses_module
from pellucid.backend.device import on_accelerator
from pellucid.ops import softmax_crossentropy
from pellucid.training import execution

# Smaller batches train slower in halves: each step adds two dispatches and a handoff
# between threads. Two-thread samples/s, one program / halves: B1's GRU(16) at batch 32
# 18.5k / 14.3-15.0k, at 64 19.5-20.9k / 20.5-20.8k, at 128 23-24k / 29.6-30.1k; B2n's
# LSTM(32) at 32 11.7-12.4k / 9.3-10.2k, at 64 12.1-12.7k / 13.3-13.6k.
MIN_BATCH = 64

_RANDOM_PRIMITIVES = frozenset({"random_bits", "random_seed", "random_wrap",
                                "threefry2x32", "rng_bit_generator", "rng_uniform"})


def _builtin_linear_loss(fn: Any) -> bool:
    """A loss of pellucid's own whose value is a mean over all elements of the batch."""
    if fn is None:
        return True
    if type(fn).__module__ != losses_module.__name__:
        return False
    if getattr(fn, "reduction", None) != "sum_over_batch_size":
        return False
    inner = getattr(fn, "fn", None)
    if inner is not None and getattr(inner, "__module__", None) != losses_module.__name__:
        return False
    options = getattr(fn, "_fn_kwargs", None) or {}
    return options.get("ignore_class") is None


def splittable(trainer: Any, x_struct: Any, batch_size: int) -> bool:
    """Whether ``trainer``'s steps may run as two halves (see the module docstring)."""
    flag = os.environ.get("PELLUCID_SPLIT_STEPS", "")
    if flag == "0" or on_accelerator() or execution.usable_cores() < 2:
        return False
    # Loops over time steps (recurrent layers) are what leaves the second core idle.
    pays = batch_size >= MIN_BATCH and trainer._forward_loops
    if not pays and flag != "1":  # "1": wherever the result is the same
        return False
    model = trainer.model
    if not model.rows_independent():
        return False
    if not all(_builtin_linear_loss(fn) for fn in trainer.compiled.loss_fns):
        return False
    trainable = [v.value for v in model.trainable_weights]
    non_trainable = [v.value for v in model.non_trainable_state()]
    # Traced at the batch's size: a stateful RNN keeps its state only at its own.
    probe = jax.tree_util.tree_map(
        lambda a: jax.ShapeDtypeStruct((batch_size,) + tuple(a.shape[1:]), a.dtype), x_struct)
    found: dict[str, Any] = {}

    def forward(t: list, nt: list, x: Any, key: Any) -> Any:
        outputs, masks, new_nt, added = model.pure_forward(t, nt, x, True, key)
        found["masks"] = [m for m in jax.tree_util.tree_leaves(
            masks, is_leaf=lambda m: m is None) if m is not None]
        found["added"] = list(added)
        return outputs, new_nt

    # The key is an argument: made inside the trace, it would add random primitives.
    closed = jax.make_jaxpr(forward)(trainable, non_trainable, probe, trainer._base_key)
    if found["masks"] or found["added"] or execution.primitives(closed) & _RANDOM_PRIMITIVES:
        return False
    return execution.returns_state_unchanged(closed, len(jax.tree_util.tree_leaves(trainable)),
                                             len(non_trainable))


class SplitSteps:
    """The two programs of a split step, compiled ahead for each batch size, and the step."""

    def __init__(self, trainer: Any, options: dict):
        from pellucid.training.trainer import _model_input, _regularization  # noqa: PLC0415

        model, compiled = trainer.model, trainer.compiled
        t_vars = trainer._variables()[0]

        # The key is an argument, as in the one-program step (a constant would differ in
        # every process and defeat the persistent compilation cache); nothing draws from it.
        def half(trainable: list, non_trainable: list, arrays: tuple, index: Any,
                 fraction: Any, key: Any) -> tuple:
            x, y, sw = execution.take_rows(arrays, index)

            def loss(t: list) -> tuple:
                with softmax_crossentropy.remembering_logits():
                    outputs, _, _, _ = model.pure_forward(t, non_trainable,
                                                          _model_input(model, x), True, key)
                    flat_out = jax.tree_util.tree_leaves(outputs)
                    total, per_output = compiled.losses(y, flat_out, sw,
                                                        [None] * len(flat_out))
                # Sums: a batch of one row has an empty second half, whose losses come out
                # as empty arrays; a sum makes them 0 and leaves the other scalars as they are.
                # Predictions leave the program only for the metrics that read them.
                kept = [out if compiled.metrics[i] else None for i, out in enumerate(flat_out)]
                return jnp.sum(total) * fraction, ([jnp.sum(p) * fraction for p in per_output],
                                                   kept)

            (value, (per_output, flat_out)), grads = jax.value_and_grad(
                loss, has_aux=True)(trainable)
            return grads, value, per_output, flat_out

        def apply(state: tuple, arrays: tuple, index: Any, half_a: tuple,
                  half_b: tuple) -> tuple[tuple, dict]:
            trainable = state[0]
            reg, reg_grads = jax.value_and_grad(
                lambda t: _regularization(t_vars, t))(trainable)
            grads = [a + b + r for a, b, r in zip(half_a[0], half_b[0], reg_grads,
                                                   strict=True)]
            per_output = [a + b for a, b in zip(half_a[2], half_b[2], strict=True)]
            flat_out = [None if a is None else jnp.concatenate([a, b])
                        for a, b in zip(half_a[3], half_b[3], strict=True)]
            aux = (flat_out, [None] * len(flat_out), state[1], per_output,
                   half_a[1] + half_b[1] + reg)
            return trainer._finish_step(state, grads, execution.take_rows(arrays, index), aux)

        self._half = jax.jit(half, compiler_options=options)
        self._apply = jax.jit(apply, donate_argnums=(0,), compiler_options=options)
        self._programs: dict[tuple, tuple[dict, Future]] = {}

    def prepare(self, state: tuple, arrays: tuple, rows: int, key: Any) -> None:
        """Starts compiling the programs for batches of ``rows`` rows (lowered here: tracing
        touches pellucid's thread-local scopes; compiled in the background). Programs are
        kept per batch size and data shapes: they take the whole data set as an argument,
        and a later ``fit`` may pass another one."""
        if self._key(arrays, rows) in self._programs:
            return
        cut = (rows + 1) // 2
        lowered = {n: self._half.lower(state[0], state[1], arrays,
                                       jax.ShapeDtypeStruct((n,), np.int32), np.float32(1),
                                       key)
                   for n in {cut, rows - cut}}
        apply = self._apply.lower(state, arrays, jax.ShapeDtypeStruct((rows,), np.int32),
                                  lowered[cut].out_info, lowered[rows - cut].out_info)
        pool = execution.Executables.pool
        self._programs[self._key(arrays, rows)] = (
            {n: pool.submit(low.compile) for n, low in lowered.items()},
            pool.submit(apply.compile))

    @staticmethod
    def _key(arrays: tuple, rows: int) -> tuple:
        return rows, execution.signature(arrays)

    def step(self, state: tuple, arrays: tuple, index: np.ndarray, key: Any
             ) -> tuple[tuple, dict]:
        """One training step on the rows ``index`` of ``arrays``."""
        rows = len(index)
        self.prepare(state, arrays, rows, key)
        halves, apply = self._programs[self._key(arrays, rows)]
        trainable, non_trainable = state[0], state[1]

        def run(part: np.ndarray) -> tuple:
            program = halves[len(part)].result()
            return jax.block_until_ready(program(trainable, non_trainable, arrays, part,
                                                 np.float32(len(part) / rows), key))

        cut = (rows + 1) // 2
        half_a, half_b = execution.side_by_side(lambda: run(index[:cut]),
                                                lambda: run(index[cut:]))
        return apply.result()(state, arrays, index, half_a, half_b)
