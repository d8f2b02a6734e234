"""RNN: runs a cell over the time axis of ``(batch, timesteps, features)``.

``h_t, states_t = cell(x_t, states_{t-1})`` for every step under one ``lax.scan``
(:func:`pellucid.ops.rnn.rnn`). A built-in cell's step is ``x_t @ kernel + bias`` plus one
fused ``h @ recurrent_kernel`` for all gates. After an ``Embedding`` the first term is
a row of ``embeddings @ kernel + bias``, projected once before the loop
(:mod:`pellucid.layers.recurrent.lookup_projection`).

Output: the last ``h`` ``(batch, units)``, or every ``h`` ``(batch, timesteps, units)`` with
``return_sequences``; ``return_state`` appends the final states (LSTM: ``h, c``).
A mask ``(batch, timesteps)`` skips steps: states and output carry over from the last
unmasked step. ``stateful=True`` keeps the final states (in state variables, not
weights) as the next call's initial states until ``reset_state()``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid import activations
from pellucid.backend import current_scope
from pellucid.backend.device import on_accelerator
from pellucid.layers import eager_program
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.layers.recurrent.lookup_projection import projected_rows, table_lookup
from pellucid.layers.recurrent.step_layout import (
    BATCH_MAJOR,
    FEATURE_MAJOR,
    StepLayout,
    batch_major_for,
)
from pellucid.ops.rnn import rnn

__all__ = ["RNN"]

_CELL_ARGS = {
    "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed", "implementation",
}
_RESHAPE_HINT = (
    "Recurrent layers read sequences shaped (batch, timesteps, features). For one feature "
    "per step use x[..., None]; otherwise x.reshape(batch, timesteps, features)."
)


def split_layer_kwargs(kwargs: dict) -> tuple[dict, dict]:
    """Split LSTM/GRU/SimpleRNN keywords into those of the cell and those of the RNN."""
    cell = {k: v for k, v in kwargs.items() if k in _CELL_ARGS}
    rest = {k: v for k, v in kwargs.items() if k not in _CELL_ARGS}
    return cell, rest


def hoist_input_projection() -> bool:
    """Whether to project all steps' inputs in one matmul before the scan.

    On accelerators one large matmul beats many small ones. On XLA's CPU backend it
    measured slower (LSTM(256), batch 64, 100 steps: forward 120 ms hoisted against 65 ms
    in the step; LSTM(32) training step 21 against 15 ms): the (time, batch, gates*units)
    array and its gradient cost more memory traffic than the per-step matmuls they save,
    so there the projection stays in the step. ``PELLUCID_RNN_HOIST=1``/``0`` forces it.
    """
    forced = os.environ.get("PELLUCID_RNN_HOIST")
    if forced is not None:
        return forced == "1"
    return on_accelerator()


def feature_major_steps(cell: Any, input_masks: Any, recurrent_masks: Any) -> bool:
    """Whether a built-in cell's loop runs on transposed (feature-major) arrays.

    Yes on XLA's CPU backend for cells up to ``cell.feature_major_max_units`` wide, where it
    trains faster (see :mod:`pellucid.layers.recurrent.step_layout`), when nothing needs
    the batch-major layout: no dropout masks this call, elementwise activations, and a
    ``recurrent_step`` that takes a ``layout`` (a subclass may override it without one).
    ``PELLUCID_RNN_LAYOUT=batch``/``feature`` forces the layout where it can be used.
    """
    if input_masks is not None or recurrent_masks is not None:
        return False
    if not _takes_layout(cell):
        return False
    functions = [getattr(cell, "activation", None), getattr(cell, "recurrent_activation",
                                                            activations.sigmoid)]
    if not all(fn in activations.ELEMENTWISE for fn in functions):
        return False
    forced = os.environ.get("PELLUCID_RNN_LAYOUT")
    if forced in ("batch", "feature"):
        return forced == "feature"
    return not on_accelerator() and cell.units <= cell.feature_major_max_units


def _takes_layout(cell: Any) -> bool:
    return all("layout" in inspect.signature(method).parameters
               for method in (cell.recurrent_step, cell.project_inputs))


class RNN(Layer):
    """Run ``cell`` over time; see the module docstring for shapes and options.

    ``cell`` needs ``call(inputs, states, [training], [constants])`` returning
    ``(output, new_states)`` and ``state_size`` (an int, or a list of ints / nested lists
    for several states); ``output_size`` and ``get_initial_state(batch_size)`` are
    optional. A list of cells is stacked (:class:`StackedRNNCells`). ``constants=`` given
    at call time reach every step unchanged.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, use_cudnn: Any = "auto", **kwargs: Any):
        if isinstance(cell, (list, tuple)):
            from pellucid.layers.recurrent.stacked_cells import StackedRNNCells  # noqa: PLC0415

            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"RNN: the cell {cell!r} needs a `call(inputs, states)` method.")
        state_size = getattr(cell, "state_size", None)
        if not _valid_state_size(state_size):
            raise ValueError(
                f"RNN: the cell {type(cell).__name__} needs a `state_size` attribute: an int "
                "(one state of that width) or a list of ints (one per state); got "
                f"{state_size!r}. Set it in the cell's __init__, e.g. self.state_size = units."
            )
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"`use_cudnn` must be 'auto', True or False; got {use_cudnn!r}.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.use_cudnn = use_cudnn
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3, hint=_RESHAPE_HINT)
        self.states: list | None = None

    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    # --- building ---------------------------------------------------------------------
    def build(self, sequences_shape: tuple) -> None:
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell._build_shapes = step_shape
            self.cell.built = True
        if self.stateful and self.states is None:
            batch = sequences_shape[0]
            if batch is None:
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}) is stateful, so it needs a "
                    f"fixed batch size, but its input shape is {sequences_shape}. Give one "
                    "with keras.Input(shape=..., batch_size=N) or batch_input_shape=(N, ...)."
                )
            initial = self.get_initial_state(batch)
            self.states = [self.add_state_variable(leaf.shape, "rnn_state", str(leaf.dtype))
                           for leaf in jax.tree_util.tree_leaves(initial)]

    def get_initial_state(self, batch_size: int) -> list:
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [_zeros(batch_size, s) for s in self.state_size]

    def reset_state(self) -> None:
        """Zero the carried states of a stateful layer."""
        for variable in self.states or []:
            variable.assign(jnp.zeros(variable.shape, variable.dtype))

    reset_states = reset_state

    # --- calling ----------------------------------------------------------------------
    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool | None = None, constants: Any = None) -> Any:
        batch = sequences.shape[0]
        mask = self._check_mask(mask, sequences)
        states = self._initial_states(initial_state, batch, sequences)

        def loop(steps_per_iteration: int | None = None) -> tuple[Any, Any, Any]:
            step, xs, layout, masked_step = self._step_function(sequences, training,
                                                                constants)
            try:
                return rnn(step, xs, states, mask, self.go_backwards, self.unroll,
                           self.zero_output_for_mask, self.return_sequences,
                           layout.feature_major, steps_per_iteration,
                           differentiated=training is True, masked_step=masked_step)
            finally:
                _clear_dropout_masks(self.cell)

        fused = self._fused_loop(sequences, states, mask, training, constants, loop)
        last, outputs, final = fused if fused is not None else loop()
        if self.stateful:
            self._store_states(final)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *final)
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def _fused_loop(self, sequences: jax.Array, states: list, mask: Any, training: Any,
                    constants: Any, loop: Callable[[], tuple]) -> tuple[Any, Any, list] | None:
        """``(last, outputs, final_states)`` from a fused kernel that runs every step in
        one call, or None to run the step function in a loop (``loop()`` computes that,
        for kernels that fall back to it at run time). Layers with such a kernel (LSTM
        on cuDNN) override this."""
        return None

    def _step_layout(self, input_masks: Any, recurrent_masks: Any) -> StepLayout:
        cell = self.cell
        if feature_major_steps(cell, input_masks, recurrent_masks):
            return FEATURE_MAJOR
        if on_accelerator() or not _takes_layout(cell):
            return BATCH_MAJOR
        return batch_major_for(cell.gates * cell.units)

    def _step_function(self, sequences: jax.Array, training: Any, constants: Any
                       ) -> tuple[Any, Any, StepLayout, Any]:
        """``(step(x_t, states) -> (output, new_states), per-step inputs, layout,
        masked_step)``; ``masked_step(x_t, states, keep=...)`` holds the states of rows whose
        ``keep`` is False (see ``ops.rnn.rnn``), None where the cell has no such step."""
        cell = self.cell
        if hasattr(cell, "recurrent_step") and constants is None:
            input_masks, recurrent_masks = cell.make_dropout_masks(
                sequences.shape[0], sequences.shape[-1], cell.units, training)

            lookup = table_lookup(cell, sequences, input_masks)
            # After an Embedding: rows of the projected table (lookup_projection.py).
            table = None if lookup is None else cell.project_inputs(lookup.table, None)
            if hoist_input_projection():
                # One matmul for every step's input projection, outside the scan; each
                # step then only adds h @ recurrent_kernel.
                def hoisted_step(p_t: Any, states: Any) -> tuple[Any, Any]:
                    return cell.recurrent_step(p_t, states, recurrent_masks)

                projected = (cell.project_inputs(sequences, input_masks) if table is None
                             else projected_rows(table, BATCH_MAJOR)(lookup.ids))
                return hoisted_step, projected, BATCH_MAJOR, None

            layout = self._step_layout(input_masks, recurrent_masks)
            # Plain batch-major calls keep the pre-layout signature that subclasses may
            # override.
            extra = () if layout is BATCH_MAJOR else (layout,)
            if table is None:
                xs = sequences

                def project(x_t: Any) -> Any:
                    return cell.project_inputs(x_t, input_masks, *extra)
            else:
                xs, project = lookup.ids, projected_rows(table, layout)

            def step(x_t: Any, states: Any, **held: Any) -> tuple[Any, Any]:
                return cell.recurrent_step(project(x_t), states, recurrent_masks, *extra,
                                           **held)

            return step, xs, layout, step if cell.holds_masked_states(layout) else None
        _prepare_dropout_masks(cell, sequences.shape[0], sequences.shape[-1], training)
        params = inspect.signature(cell.call).parameters
        kwargs: dict[str, Any] = {}
        if "training" in params:
            kwargs["training"] = training
        if constants is not None:
            if "constants" not in params:
                raise ValueError(
                    f"Layer {self.name!r}: `constants` were given, but the cell "
                    f"{type(cell).__name__}.call has no `constants` argument."
                )
            kwargs["constants"] = list(constants) if isinstance(constants, (list, tuple)) \
                else [constants]

        def step(x_t: Any, states: Any) -> tuple[Any, Any]:
            output, new_states = cell.call(x_t, states, **kwargs)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            leaves = jax.tree_util.tree_leaves(new_states)
            return output, jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(states),
                                                        leaves)

        return step, sequences, BATCH_MAJOR, None

    def _initial_states(self, initial_state: Any, batch: int, batch_probe: Any = None) -> list:
        if initial_state is None:
            if self.stateful:
                if self.states[0].shape[0] != batch:
                    if isinstance(batch_probe, jax.core.Tracer) and not eager_program.tracing():
                        # A shape-only trace over the whole data set (the trainer's
                        # output-shape probe); real steps see the fixed batch size.
                        return self.get_initial_state(batch)
                    raise ValueError(
                        f"Layer {self.name!r} is stateful with batch size "
                        f"{self.states[0].shape[0]}, but it received a batch of {batch}. "
                        "Feed batches of that exact size (drop or pad the last one)."
                    )
                structure = jax.tree_util.tree_structure(self.get_initial_state(batch))
                return jax.tree_util.tree_unflatten(structure, [v.value for v in self.states])
            return self.get_initial_state(batch)
        expected = self.get_initial_state(batch)
        given = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
        given_leaves = jax.tree_util.tree_leaves(given)
        wanted = jax.tree_util.tree_leaves(expected)
        shapes = [tuple(w.shape) for w in wanted]
        if len(given_leaves) != len(wanted) or any(
                tuple(g.shape) != s for g, s in zip(given_leaves, shapes, strict=False)):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects initial_state to be "
                f"{len(wanted)} array(s) of shapes {shapes}, but it received "
                f"{[tuple(g.shape) for g in given_leaves]}."
            )
        structure = jax.tree_util.tree_structure(expected)
        return jax.tree_util.tree_unflatten(
            structure, [jnp.asarray(g, w.dtype) for g, w in zip(given_leaves, wanted, strict=True)])

    def _check_mask(self, mask: Any, sequences: jax.Array) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None:
            return None
        if tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) needs a mask of shape (batch, "
                f"timesteps) = {tuple(sequences.shape[:2])}, but it received a mask of shape "
                f"{tuple(mask.shape)}."
            )
        return mask

    def _store_states(self, final: Any) -> None:
        for variable, value in zip(self.states, jax.tree_util.tree_leaves(final), strict=True):
            # Tracing for shapes (no scope) must not leak tracers into the variables.
            if current_scope() is None and isinstance(value, jax.core.Tracer):
                continue
            if tuple(value.shape) != variable.shape:
                continue
            variable.assign(value)

    # --- config -----------------------------------------------------------------------
    def get_config(self) -> dict:
        return {**self._rnn_config(), "cell": _serialize(self.cell)}

    def _rnn_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> RNN:
        config = dict(config)
        if "cell" in config and isinstance(config["cell"], dict):
            from pellucid.saving.serialization import deserialize_keras_object  # noqa: PLC0415

            config["cell"] = deserialize_keras_object(config["cell"],
                                                      custom_objects=custom_objects)
        return super().from_config(config)


def cell_layer_config(layer: RNN) -> dict:
    """Keras's flat config of LSTM/GRU/SimpleRNN: RNN keys plus the cell's own keys."""
    cell_config = layer.cell.get_config()
    for key in ("name", "trainable", "dtype"):
        cell_config.pop(key, None)
    return {**layer._rnn_config(), **cell_config}


def _serialize(cell: Any) -> Any:
    try:
        from pellucid.saving.serialization import serialize_keras_object  # noqa: PLC0415
    except ImportError:
        return {"class_name": type(cell).__name__, "config": cell.get_config()}
    return serialize_keras_object(cell)


def _valid_state_size(size: Any) -> bool:
    if isinstance(size, int) and not isinstance(size, bool):
        return size > 0
    if isinstance(size, (list, tuple)) and size:
        return all(_valid_state_size(s) for s in size)
    return False


def _zeros(batch: int, size: Any) -> Any:
    if isinstance(size, int):
        return jnp.zeros((batch, size), "float32")
    return [_zeros(batch, s) for s in size]


def _prepare_dropout_masks(cell: Any, batch: int, input_dim: int, training: Any) -> None:
    """Draw each cell's dropout masks once per call (stacked cells: each its own width)."""
    if hasattr(cell, "prepare_dropout_masks"):
        cell.prepare_dropout_masks(batch, input_dim, training)
    for inner in getattr(cell, "cells", []):
        _prepare_dropout_masks(inner, batch, input_dim, training)
        input_dim = _output_size(inner)


def _clear_dropout_masks(cell: Any) -> None:
    if hasattr(cell, "clear_dropout_masks"):
        cell.clear_dropout_masks()
    for inner in getattr(cell, "cells", []):
        _clear_dropout_masks(inner)


def _output_size(cell: Any) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state = cell.state_size
    return state if isinstance(state, int) else state[0]
