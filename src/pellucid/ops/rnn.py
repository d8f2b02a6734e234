"""The recurrence of every RNN layer: one ``lax.scan`` over time, masks folded in.

``rnn(step, inputs, initial_states)`` runs ``output_t, states_t = step(x_t, states_{t-1})``
for t = 1..T and returns ``(last_output, outputs, final_states)``:

- ``inputs`` is a pytree of arrays shaped ``(batch, time, ...)``; ``x_t`` is its slice at
  one step.
- ``mask`` ``(batch, time)``: at a step where a sample's mask is False its states keep
  their previous value and its output repeats the previous output (or is zero with
  ``zero_output_for_mask``), so the last output is the one of the last unmasked step.
- ``go_backwards`` reads the steps from last to first; ``outputs`` are in processing
  order, i.e. ``outputs[:, 0]`` belongs to the last input step, as in Keras.
- ``unroll`` writes the loop out at trace time (one copy of the step per time step).
- ``feature_major`` runs ``step`` on transposed arrays: ``x_t`` ``(..., batch)`` and states
  ``(size, batch)`` (see :mod:`pellucid.layers.recurrent.step_layout`); inputs, states and
  results keep the batch first outside.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend.device import on_accelerator

Step = Callable[[Any, Any], tuple[jax.Array, Any]]

__all__ = ["rnn", "scan_unroll"]

ACCELERATOR_UNROLL = 8


def rnn(step: Step, inputs: Any, initial_states: Any, mask: Any = None,
        go_backwards: bool = False, unroll: bool = False,
        zero_output_for_mask: bool = False, return_all_outputs: bool = True,
        feature_major: bool = False, steps_per_iteration: int | None = None,
        differentiated: bool = False, masked_step: Any = None
        ) -> tuple[jax.Array, jax.Array | None, Any]:
    """``(last_output (batch, out), outputs (batch, time, out), final_states)``.

    With ``return_all_outputs=False`` ``outputs`` is None and the scan stacks nothing:
    the last output comes from the carry, which saves writing (and, in the backward
    pass, reading) a ``(time, batch, out)`` array. ``steps_per_iteration`` overrides
    :func:`scan_unroll`'s choice. ``differentiated`` says that the caller will take the
    loop's gradient (a training step); it changes how a mask is applied, not the values
    (see :func:`_broadcast_keeps`). ``masked_step(x_t, states, keep=...)``, where given, is
    ``step`` with the states of rows whose ``keep`` (``(batch, 1)``) is False held as they
    were; a batch-major loop that is not differentiated runs it instead of ``step``
    followed by a ``where`` on the states (the same values to float32 rounding, in fewer
    passes).
    """
    if feature_major:
        # (batch, time, ...) -> (time, ..., batch); states (batch, size) -> (size, batch).
        time_major = jax.tree_util.tree_map(lambda a: jnp.moveaxis(a, 0, -1), inputs)
        initial_states = jax.tree_util.tree_map(lambda a: jnp.moveaxis(a, 0, -1),
                                                initial_states)
    else:
        time_major = jax.tree_util.tree_map(lambda a: jnp.swapaxes(a, 0, 1), inputs)
    steps = jax.tree_util.tree_leaves(time_major)[0].shape[0]
    first = jax.tree_util.tree_map(lambda a: a[0], time_major)
    output_spec = jax.eval_shape(step, first, initial_states)[0]
    previous = _initial_previous_output(initial_states, output_spec)

    if mask is None:
        def body(carry: tuple, x_t: Any) -> tuple[tuple, jax.Array]:
            states, _ = carry
            out, new_states = step(x_t, states)
            return (new_states, out), out

        xs = time_major
    else:
        keep_time_major = jnp.swapaxes(mask.astype(bool), 0, 1)
        shapes = _step_shapes(initial_states, output_spec) if differentiated else []
        keeps = _broadcast_keeps(keep_time_major, shapes, feature_major)
        holds_states = masked_step is not None and not differentiated and not feature_major

        def body(carry: tuple, xm: tuple) -> tuple[tuple, jax.Array]:
            states, prev_out = carry
            x_t, (keep, keep_by_shape) = xm

            def keep_for(array: jax.Array) -> jax.Array:
                if array.shape in shapes:
                    return keep_by_shape[shapes.index(array.shape)]
                return keep[None, :] if feature_major else keep[:, None]

            if holds_states:
                out, new_states = masked_step(x_t, states, keep=keep[:, None])
            else:
                out, new_states = step(x_t, states)
                new_states = jax.tree_util.tree_map(
                    lambda new, old: jnp.where(keep_for(new), new, old), new_states, states)
            held = jnp.zeros_like(out) if zero_output_for_mask else prev_out
            out = jnp.where(keep_for(out), out, held)
            return (new_states, jnp.where(keep_for(out), out, prev_out)), out

        xs = (time_major, (keep_time_major, keeps))

    # The carry's output is the last emitted one except when masked steps emit zeros.
    stack = return_all_outputs or (mask is not None and zero_output_for_mask)
    if not stack:
        body = _without_outputs(body)
    carry = (initial_states, previous)
    if unroll:
        outs = []
        order = range(steps - 1, -1, -1) if go_backwards else range(steps)
        for t in order:
            carry, out = body(carry, jax.tree_util.tree_map(lambda a, t=t: a[t], xs))
            outs.append(out)
        outputs = jnp.stack(outs) if stack else None
    else:
        carry, outputs = jax.lax.scan(body, carry, xs, reverse=go_backwards,
                                      unroll=steps_per_iteration or scan_unroll(steps))
        if go_backwards and stack:
            # scan(reverse=True) stores step t's output at t; Keras lists outputs in the
            # order they were produced.
            outputs = jnp.flip(outputs, axis=0)
    final_states, last = carry
    if feature_major:
        final_states = jax.tree_util.tree_map(lambda a: jnp.moveaxis(a, -1, 0), final_states)
    if not stack:
        return _batch_first(last, feature_major), None, final_states
    last = _batch_first(outputs[-1], feature_major)
    if not return_all_outputs:
        return last, None, final_states
    # (time, batch, out) or, feature-major, (time, out, batch) -> (batch, time, out)
    outputs = jnp.transpose(outputs, (2, 0, 1)) if feature_major else jnp.swapaxes(outputs, 0, 1)
    return last, outputs, final_states


def scan_unroll(steps: int) -> int:
    """How many time steps one iteration of the scan's loop runs; the values are the same.

    On a GPU every loop iteration costs a launch and a check of the loop condition, which
    at these sizes outweighs the step's own work: 8 steps per iteration trained B1
    (GRU(16), 64 steps) at 138k samples/s against 62k with 1, B4 (LSTM(256), 100 steps)
    at 30.7k against 16.1k, B2 without the mask at 203k against 97k (H100; 16 steps
    gained little more and doubled compile times). On XLA's CPU backend unrolling measured
    slower, so there each iteration runs one step. ``PELLUCID_SCAN_UNROLL=k`` sets it.
    """
    forced = os.environ.get("PELLUCID_SCAN_UNROLL")
    chosen = int(forced) if forced else (ACCELERATOR_UNROLL if on_accelerator() else 1)
    return max(1, min(chosen, steps))


def _step_shapes(states: Any, output_spec: Any) -> list[tuple[int, ...]]:
    """The distinct shapes of one step's states and output."""
    shapes = [tuple(output_spec.shape)]
    for leaf in jax.tree_util.tree_leaves(states):
        if tuple(leaf.shape) not in shapes:
            shapes.append(tuple(leaf.shape))
    return shapes


def _broadcast_keeps(keep: jax.Array, shapes: list[tuple[int, ...]],
                     feature_major: bool) -> tuple[jax.Array, ...]:
    """The mask ``(time, batch)`` broadcast to ``(time, *shape)`` for each step shape.

    For a loop that will be differentiated. Broadcast inside the step, the mask of every
    ``jnp.where`` was stored once per step for the backward pass (four ``(batch, units)``
    writes per LSTM step); as slices of a scanned input, the backward pass reads them
    back from that input. A forward pass alone is faster broadcasting inside the step
    (the broadcast fuses into the select), so it gets no ``shapes``. Measured on one
    core, B2 (LSTM(32) with a mask, batch 200): training 12.2-13.4k -> 13.2-14.0k
    samples/s; predict with the broadcasts made before the loop 46.5-49.3k -> 42.5-47.2k,
    hence only for training.
    """
    steps, batch = keep.shape
    keeps = []
    for shape in shapes:
        if feature_major:  # (..., batch)
            expanded = keep.reshape((steps,) + (1,) * (len(shape) - 1) + (batch,))
        else:  # (batch, ...)
            expanded = keep.reshape((steps, batch) + (1,) * (len(shape) - 1))
        keeps.append(jnp.broadcast_to(expanded, (steps,) + shape))
    return tuple(keeps)


def _batch_first(output: jax.Array, feature_major: bool) -> jax.Array:
    return jnp.moveaxis(output, -1, 0) if feature_major else output


def _without_outputs(body: Callable) -> Callable:
    """``body`` emitting nothing per step (its carry still holds the last output)."""

    def quiet(carry: tuple, x: Any) -> tuple[tuple, None]:
        return body(carry, x)[0], None

    return quiet


def _initial_previous_output(states: Any, output_spec: Any) -> jax.Array:
    """What a masked first step outputs: the cell's first state when shaped like an output.

    For LSTM/GRU/SimpleRNN the first state *is* the previous output (Keras reads
    ``states[0]``); for stacked cells that is the last cell's first state.
    """
    candidates = states
    if isinstance(states, (list, tuple)) and states and isinstance(states[-1], (list, tuple)):
        candidates = states[-1]
    leaves = jax.tree_util.tree_leaves(candidates)
    if leaves and leaves[0].shape == output_spec.shape:
        return leaves[0].astype(output_spec.dtype)
    for leaf in jax.tree_util.tree_leaves(states):
        if leaf.shape == output_spec.shape:
            return leaf.astype(output_spec.dtype)
    return jnp.zeros(output_spec.shape, output_spec.dtype)
