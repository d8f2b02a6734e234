"""Checks of data against the model before the first step, with messages a person can act on.

Without them, a target of the wrong shape either broadcasts silently (a Dense(10) output
against (N, 1) labels "trains" on nonsense) or fails deep inside JAX.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _fmt(shape: Any) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def check_inputs(model: Any, xs: list[np.ndarray]) -> None:
    """Each input array must match the rank and known sizes of its model input."""
    inputs = list(getattr(model, "inputs", None) or [])
    if not inputs:
        return
    for tensor, x in zip(inputs, xs, strict=False):
        expected = tensor.shape
        given = tuple(x.shape)
        name = tensor.node.layer.name if tensor.node else "input"
        where = f"Input {name!r} of model {model.name!r}"
        if len(given) != len(expected):
            hint = ""
            if len(given) == len(expected) - 1:
                hint = (f" If each sample is a single step/feature, reshape the data to "
                        f"{_fmt((given[0],) + tuple(expected[1:]))}, e.g. x[..., None] or "
                        "x.reshape(...).")
            raise ValueError(
                f"{where} expects data of shape {_fmt(expected)} (rank {len(expected)}), but "
                f"x has shape {_fmt(given)} (rank {len(given)}).{hint}"
            )
        for axis, (e, g) in enumerate(zip(expected, given, strict=True)):
            if axis > 0 and e is not None and e != g:
                raise ValueError(
                    f"{where} expects data of shape {_fmt(expected)}, but x has shape "
                    f"{_fmt(given)}: axis {axis} has size {g}, expected {e}. Make the model's "
                    f"input shape match the data (Input(shape={_fmt(given[1:])}) or "
                    f"input_shape={_fmt(given[1:])} on the first layer)."
                )


def check_targets(model: Any, output_names: list[str], out_structs: list[Any],
                  y_shapes: list[tuple], compiled: Any) -> None:
    """Each target must fit its output under the output's loss."""
    symbolic = [t.shape for t in (getattr(model, "outputs", None) or [])]
    for i, (name, out, y_shape) in enumerate(zip(output_names, out_structs, y_shapes,
                                                 strict=True)):
        if compiled.loss_fns[i] is None:
            continue
        out_shape = (None,) + tuple(out.shape)[1:]
        if len(symbolic) == len(out_structs):
            out_shape = tuple(symbolic[i])
        y_shape = tuple(y_shape)
        layer = _sizing_layer(model, name)
        layer_desc = _describe(layer) if layer is not None else repr(name)
        if compiled.is_sparse_loss(i):
            expected_ranks = {len(out_shape) - 1, len(out_shape)}
            ok = len(y_shape) in expected_ranks and (
                len(y_shape) == len(out_shape) - 1 or y_shape[-1] == 1)
            if not ok:
                raise ValueError(
                    f"Output layer {layer_desc} produces shape {_fmt(out_shape)}, but the targets "
                    f"have shape {_fmt(y_shape)}. A sparse categorical loss wants integer class "
                    f"labels of shape {_fmt(out_shape[:-1])} (or with a trailing 1); for one-hot "
                    "targets use loss='categorical_crossentropy'."
                )
            continue
        y_cmp = y_shape
        if len(y_shape) == len(out_shape) - 1:
            y_cmp = y_shape + (1,)
        elif len(y_shape) == len(out_shape) + 1 and y_shape[-1] == 1:
            y_cmp = y_shape[:-1]
        if len(y_cmp) != len(out_shape) or any(
                a != b for a, b in zip(y_cmp[1:], out_shape[1:], strict=True)):
            fix = (f"The last layer's units must match the target's last dimension: "
                   f"make {layer_desc} output {y_cmp[-1] if y_cmp else 1} unit(s), or reshape "
                   "the targets.")
            if y_cmp[-1:] == (1,) and out_shape[-1] and out_shape[-1] > 1:
                fix += (" If the targets are integer class labels, use "
                        "loss='sparse_categorical_crossentropy' (or one-hot encode them with "
                        "keras.utils.to_categorical).")
            raise ValueError(
                f"Output layer {layer_desc} produces shape {_fmt(out_shape)}, but the targets "
                f"for it have shape {_fmt(y_shape)}. {fix}"
            )


def _sizing_layer(model: Any, name: str) -> Any:
    """The layer that sets the output's last size: the output layer, or the nearest layer
    before it with ``units``/``filters`` when the output layer is e.g. an Activation."""
    layers = list(getattr(model, "layers", []))
    names = [la.name for la in layers]
    if name not in names:
        return None
    for layer in reversed(layers[: names.index(name) + 1]):
        if hasattr(layer, "units") or hasattr(layer, "filters"):
            return layer
        if type(layer).__name__ not in {"Activation", "Dropout", "Softmax", "ReLU",
                                        "ActivityRegularization", "GaussianNoise"}:
            return layer
    return layers[names.index(name)]


def _describe(layer: Any) -> str:
    size = getattr(layer, "units", None) or getattr(layer, "filters", None)
    detail = f"{type(layer).__name__}({size})" if size else type(layer).__name__
    return f"{layer.name!r} ({detail})"
