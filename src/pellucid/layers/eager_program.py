"""``layer(x)`` on arrays, in inference: one jitted program per layer and input shapes.

Called op by op, every operation of a layer dispatches on its own, and a recurrent layer
compiled its loop again at every call (JAX's eager ``lax.scan`` compiles a program for
each new trace of its body): ``LSTM(16)`` over 20 steps took 42 ms per call (Keras 3:
330 ms). People call layers directly to see what they do, in notebooks and in loops,
so a built-in layer called on arrays runs one program, compiled once per input shapes
and traced with the layer's variables passed in; a stateful RNN's states come back and
are written to their variables. The values are the op-by-op ones to float32 rounding.

It applies only where nothing can tell the difference: pellucid's own layers and
activations all the way down (user code may branch on values or print, which a traced
program would do once), training off, no activity regularizers (their losses are
collected per call), array arguments, and outside any trace or pure-function scope.
Models take the same decision for their whole graph (:mod:`pellucid.models.eager_call`).
A layer whose call needs concrete values (a check on the data) falls back to running
op by op, from then on.
"""

from __future__ import annotations

import threading
from typing import Any

import jax
import numpy as np

from pellucid import backend
from pellucid.backend.device import compiler_options
from pellucid.backend.random import in_random_scope

NOT_APPLICABLE = object()
_tracing = threading.local()
# Raised while tracing a call that reads its inputs' values in Python.
_NEEDS_VALUES = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                 jax.errors.TracerBoolConversionError, jax.errors.TracerIntegerConversionError)


def run(layer: Any, args: tuple, kwargs: dict) -> Any:
    """The outputs of ``layer(*args, **kwargs)`` from the layer's jitted call, or
    :data:`NOT_APPLICABLE` where the call must run op by op."""
    tree = _applicable_tree(layer, args, kwargs)
    if tree is None:
        return NOT_APPLICABLE
    inputs = args[0] if args else kwargs.get("inputs")
    with layer.path_scope():
        layer._maybe_build(inputs)
    if not all(sub.built for sub in tree):
        return NOT_APPLICABLE  # sub-layers built in the first call: op by op, once
    static = {k: v for k, v in kwargs.items() if not _is_array_tree(v)}
    arrays = {k: v for k, v in kwargs.items() if k not in static}
    variables = _threaded_variables(layer)
    program = _program(layer, variables, static)
    try:
        outputs, assigned = program([v.value for v in variables], args, arrays)
    except (TypeError, ValueError) as err:
        if not _needs_values(err):
            raise
        layer._eager_program_refused = True
        return NOT_APPLICABLE
    for index, value in assigned.items():
        variables[index]._value = value
    return outputs


def tracing() -> bool:
    """Whether a layer's eager call is being traced into its program: its inputs are
    tracers with the real shapes, unlike a shape-only trace, so checks on the real batch
    size still apply."""
    return getattr(_tracing, "active", False)


def own_layer_tree(layer: Any) -> list | None:
    """``layer`` and its sub-layers at any depth, if all are pellucid's own layers with
    pellucid's activations, no Lambda and no activity regularizer; else None. Kept on the
    layer with its weight lists (``Layer._derived``)."""
    return layer._derived("own_layer_tree", lambda: _collect_own_layer_tree(layer))


def _collect_own_layer_tree(layer: Any) -> list | None:
    from pellucid.layers.lambda_layer import Lambda  # noqa: PLC0415

    found, pending = [], [layer]
    while pending:
        current = pending.pop()
        if not _own(type(current)) or isinstance(current, Lambda) \
                or current.activity_regularizer is not None:
            return None
        if any(callable(f) and not _own(f) for f in
               (getattr(current, name, None) for name in ("activation", "recurrent_activation"))):
            return None
        found.append(current)
        pending.extend(current._layers)
    return found


def _applicable_tree(layer: Any, args: tuple, kwargs: dict) -> list | None:
    """:func:`own_layer_tree` where this call may run as the layer's program, else None."""
    if not layer.eager_program_allowed or layer.__dict__.get("_eager_program_refused"):
        return None
    if kwargs.get("training") or backend.training_flag() \
            or backend.current_scope() is not None or in_random_scope():
        return None
    leaves = jax.tree_util.tree_leaves((args, {k: v for k, v in kwargs.items()
                                               if _is_array_tree(v)}))
    if not leaves or not args and "inputs" not in kwargs:
        return None
    if not all(_is_numeric_array(a) for a in leaves):
        return None
    if not all(isinstance(v, (bool, int, float, str, type(None))) or _is_array_tree(v)
               for v in kwargs.values()):
        return None
    return own_layer_tree(layer)


def _needs_values(err: BaseException | None) -> bool:
    """Whether ``err`` (or what it was raised from: layers add their context) comes from
    reading a traced value in Python."""
    while err is not None:
        if isinstance(err, _NEEDS_VALUES):
            return True
        err = err.__cause__
    return False


def _is_array_tree(value: Any) -> bool:
    leaves = jax.tree_util.tree_leaves(value)
    return bool(leaves) and all(isinstance(a, (np.ndarray, jax.Array)) for a in leaves)


def _is_numeric_array(a: Any) -> bool:
    if isinstance(a, jax.core.Tracer):
        return False
    return isinstance(a, jax.Array) or (isinstance(a, np.ndarray) and a.dtype.kind in "biuf")


def _threaded_variables(layer: Any) -> list:
    """Weights, then state variables (a stateful RNN's states) not among them."""
    weights = layer.weights
    ids = {id(v) for v in weights}
    return weights + [v for v in layer.state_variables if id(v) not in ids]


def _program(layer: Any, variables: list, static: dict) -> Any:
    """The layer's jitted call for these variables and non-array arguments, kept on it."""
    key = (tuple(id(v) for v in variables), tuple(sorted(static.items())))
    programs = layer.__dict__.setdefault("_eager_programs", {})
    program = programs.get(key)
    if program is None:
        def call(values: list, args: tuple, arrays: dict) -> tuple[Any, dict]:
            outer = tracing()
            _tracing.active = True
            try:
                with backend.StateScope(dict(zip(variables, values, strict=True))) as scope:
                    outputs, _ = layer.call_with_masks(args, {**arrays, **static}, None)
                    updates = scope.new_values()
            finally:
                _tracing.active = outer
            # Only what the call assigned comes back: returning every weight would copy
            # them all at each call.
            return outputs, {i: updates[v] for i, v in enumerate(variables) if v in updates}

        program = programs[key] = jax.jit(call, compiler_options=compiler_options())
    return program


def _own(thing: Any) -> bool:
    return getattr(thing, "__module__", "").startswith("pellucid.")
