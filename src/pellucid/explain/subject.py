"""What is being explained, as a pure function of its weights and inputs.

A :class:`Subject` wraps a layer or a model with concrete input shapes (batch excluded) and
offers ``apply(weight_values, inputs, training)``: the real ``call`` run under a
``StateScope`` that swaps every weight for a given array. Everything ``explain`` reports
about dependencies is measured through this one function, so it holds for user-written
layers exactly as for built-in ones.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import backend
from pellucid.backend import StateScope, random_draws, runtime
from pellucid.backend.device import compiler_options

# Axes of unknown size (None, other than batch) are measured at this size.
STAND_IN_SIZE = 4


class Subject:
    """A layer or model, its input shapes (batch excluded) and a pure ``apply``."""

    def __init__(self, obj: Any, declared_inputs: list[tuple], dtypes: list[str],
                 multi_input: bool):
        self.obj = obj
        self.declared_inputs = declared_inputs
        self.input_shapes = [tuple(STAND_IN_SIZE if d is None else d for d in s)
                             for s in declared_inputs]
        self.input_dtypes = dtypes
        self.multi_input = multi_input
        self.weights = list(obj.weights)
        self.stand_ins = any(d is None for s in declared_inputs for d in s)
        self._scales = [_scale(w) for w in self.weights]
        structs = [jax.ShapeDtypeStruct((1,) + s, d)
                   for s, d in zip(self.input_shapes, dtypes, strict=True)]
        values = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in self.weights]
        outs = jax.eval_shape(lambda v, x: self.apply(v, x), values, structs)
        self.output_shapes = [tuple(o.shape[1:]) for o in outs]

    @property
    def is_model(self) -> bool:
        from pellucid.models.model import Model  # noqa: PLC0415

        return isinstance(self.obj, Model)

    def apply(self, values: list, inputs: list, training: bool = False) -> list:
        """Flat list of outputs of the real call, with weights read from ``values``."""
        mapping = dict(zip(self.weights, values, strict=True))
        with StateScope(mapping), backend.training_mode(training):
            outputs = self.obj(list(inputs) if self.multi_input else inputs[0])
        return jax.tree_util.tree_leaves(outputs)

    def random_weights(self, key: Any) -> list:
        """Random values for every weight at the scale of its current values.

        Signs are kept where a weight is non-negative (variances, scales), so that
        square roots and logs in ``call`` stay finite.
        """
        return [jax.device_put(v) for v in self._host_weights(key)]

    def random_inputs(self, key: Any, batch: int = 1) -> list:
        """Random inputs: standard normal floats, or 0/1 tokens for integer inputs."""
        return [jax.device_put(x) for x in self._host_inputs(key, batch)]

    def _host_weights(self, key: Any) -> list[np.ndarray]:
        out = []
        for i, (w, (scale, non_negative)) in enumerate(zip(self.weights, self._scales,
                                                             strict=True)):
            if scale is None:
                out.append(as_numpy(w.value))
                continue
            noise = random_draws.host_sample("normal", jax.random.fold_in(key, i), w.shape,
                                             w.dtype)
            out.append(_spread(noise, scale, non_negative))
        return out

    def _host_inputs(self, key: Any, batch: int) -> list[np.ndarray]:
        out = []
        for i, (shape, dtype) in enumerate(zip(self.input_shapes, self.input_dtypes,
                                               strict=True)):
            k = jax.random.fold_in(key, 1000 + i)
            if jnp.issubdtype(jnp.dtype(dtype), jnp.floating):
                out.append(random_draws.host_sample("normal", k, (batch,) + shape, dtype))
            else:
                # jax.random.bernoulli(k, 0.5, shape) is this comparison, compiled per shape
                coin = random_draws.host_sample("uniform", k, (batch,) + shape, jnp.float32)
                out.append((coin < np.float32(0.5)).astype(dtype))
        return out


def _spread(noise: np.ndarray, scale: float, non_negative: bool) -> np.ndarray:
    """``scale * (0.5 + |noise|) * sign(noise)``, magnitudes kept away from zero so no
    connection vanishes by chance; absolute where the weight is non-negative.

    In NumPy: the same correctly rounded operations as in JAX, where each eager operation
    compiled once per weight shape (a few seconds of an explanation on a slow CPU).
    """
    real = noise.dtype.type
    sample = real(scale) * (real(0.5) + np.abs(noise)) * np.sign(noise)
    return np.abs(sample) if non_negative else sample


def resolve(obj: Any, input_shape: Any = None) -> Subject:
    """Turn a layer, a model or a ``.keras`` path into a :class:`Subject`.

    ``input_shape`` excludes the batch axis: ``(50, 10)``, or a list of shapes for a layer
    that takes several inputs. It is required for a layer that is not built yet.
    """
    from pellucid.layers.layer import Layer  # noqa: PLC0415

    # Explanations compile programs as large as a training step's (Jacobians of every
    # draw): the persistent compilation cache serves them to later runs.
    runtime.prepare()
    if isinstance(obj, (str, os.PathLike)):
        obj = load(obj)
    if not isinstance(obj, Layer):
        raise TypeError(
            f"explain() takes a layer, a model or a path to a .keras file; got {obj!r}."
        )
    shapes = _normalize_shapes(input_shape) if input_shape is not None else None
    if hasattr(obj, "inputs") and hasattr(obj, "compile"):
        return _resolve_model(obj, shapes)
    return _resolve_layer(obj, shapes)


def load(path: Any) -> Any:
    """Load a ``.keras`` file, with an error that says what was expected."""
    from pellucid.models import load_model  # noqa: PLC0415

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}. Give the path to a .keras model file.")
    try:
        return load_model(path)
    except NotImplementedError:
        raise
    except Exception as err:
        raise ValueError(
            f"{path!r} is not a model file pellucid can read: a .keras archive written by "
            f"model.save() (pellucid or Keras 3) is needed. ({type(err).__name__}: {err})"
        ) from err


def _normalize_shapes(shape: Any) -> list[tuple]:
    """``(50, 10)`` -> ``[(50, 10)]``; a list of shapes stays a list; ints become 1-tuples."""
    if isinstance(shape, int):
        return [(shape,)]
    if isinstance(shape, (list, tuple)) and shape and all(
            isinstance(s, (list, tuple)) for s in shape):
        return [tuple(s) for s in shape]
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape):
        return [tuple(shape)]
    raise ValueError(
        f"input_shape must be a shape without the batch axis, e.g. (50, 10), or a list of "
        f"such shapes; got {shape!r}."
    )


def _resolve_model(model: Any, shapes: list[tuple] | None) -> Subject:
    if not model.inputs:
        if shapes is None:
            raise ValueError(
                f"Model {model.name!r} has no input shape yet: pass input_shape=(...) "
                "(without the batch axis), or build it first."
            )
        if hasattr(model, "layer_output_shapes"):
            model.build((None,) + shapes[0])
        else:
            return _resolve_layer(model, shapes)
    declared = [tuple(t.shape[1:]) for t in model.inputs]
    if shapes is not None and [tuple(s) for s in shapes] != declared:
        raise ValueError(
            f"Model {model.name!r} takes inputs of shape {declared} (batch excluded); "
            f"input_shape={shapes} does not match. Leave input_shape out for a model."
        )
    dtypes = [t.dtype for t in model.inputs]
    return Subject(model, declared, dtypes, multi_input=len(declared) > 1)


def _resolve_layer(layer: Any, shapes: list[tuple] | None) -> Subject:
    from pellucid.layers.input_layer import Input  # noqa: PLC0415

    if shapes is None:
        shapes = _known_input_shapes(layer)
        if shapes is None:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) is not built, so its input "
                "shape is unknown: pass input_shape=(...) without the batch axis, e.g. "
                f"explain({type(layer).__name__}(...), input_shape=(50, 10))."
            )
    multi = len(shapes) > 1
    tensors = [Input(shape=s, dtype=_input_dtype(layer)) for s in shapes]
    try:
        layer(tensors if multi else tensors[0])
    except (TypeError, ValueError) as err:
        given = shapes if multi else shapes[0]
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r} cannot take inputs of shape {given} "
            f"(batch excluded): {err}"
        ) from err
    return Subject(layer, shapes, [t.dtype for t in tensors], multi_input=multi)


def _known_input_shapes(layer: Any) -> list[tuple] | None:
    shapes = layer._build_shapes if layer.built else None
    if shapes is None:
        return None
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes[1:])]
    if isinstance(shapes, (list, tuple)):
        return [tuple(s[1:]) for s in shapes]
    return None


def _input_dtype(layer: Any) -> str:
    """Token-reading layers take integers; everything else floats."""
    return "int32" if type(layer).__name__ == "Embedding" else "float32"


def _scale(variable: Any) -> tuple[float | None, bool]:
    """(spread of the current values, whether they are all >= 0); None for integers."""
    current = np.asarray(variable.value)
    if not np.issubdtype(current.dtype, np.floating):
        return None, False
    spread = float(np.std(current)) if current.size > 1 else 0.0
    return (spread if spread > 0 else 0.5), bool(np.all(current >= 0))


def as_numpy(x: Any) -> np.ndarray:
    return np.asarray(jax.device_get(x))


def stacked_draws(subject: Subject, keys: Any, batch: int = 1) -> tuple[list, list]:
    """``(weights, inputs)`` of every key (:meth:`Subject.random_weights`,
    :meth:`Subject.random_inputs`), each stacked along a first axis of ``len(keys)``.

    Drawn and stacked on the host, then put on the device as they are: ``jnp.stack`` and
    ``jnp.asarray`` compile a program per count and shape.
    """
    keys = as_numpy(keys)  # rows of a NumPy array: no program to slice a device array
    values = [subject._host_weights(k) for k in keys]
    inputs = [subject._host_inputs(k, batch) for k in keys]
    return _stack(values), _stack(inputs)


def _stack(draws: list) -> list:
    return [jax.device_put(np.stack(column)) for column in zip(*draws, strict=True)]


def map_draws(one_draw: Any, keys: Any, subject: Subject) -> Any:
    """``one_draw(weights, inputs)`` for the draws of every key, in one compiled call.

    The draws are made before, outside the program (:func:`stacked_draws`), and passed
    in. Drawn inside it, XLA's CPU compiler spent most of the program's compile time on
    the random number generator (an LSTM(8) over 50 steps: 15.2 s with the draws inside,
    2.2 s without, on a 2-core CPU), and the weights' scales were constants, so no two
    explanations shared a program; now the program depends only on the architecture and
    the persistent compilation cache serves it again.
    """
    values, inputs = stacked_draws(subject, keys)
    return run_mapped(one_draw, (0, 0), values, inputs)


def run_mapped(fn: Any, in_axes: tuple, *args: Any) -> Any:
    """``jax.vmap(fn, in_axes)(*args)`` as one compiled call, with layers traced through
    their XLA loops (fused kernels such as cuDNN's LSTM have no ``vmap`` rule)."""
    with backend.loops_only():
        return jax.jit(jax.vmap(fn, in_axes=in_axes),
                       compiler_options=compiler_options())(*args)
