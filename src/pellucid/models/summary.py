"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import inspect
import io
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np
import rich.box
import rich.console
import rich.markup
import rich.table

_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"]


def readable_size(num_bytes: float) -> str:
    """``1536 -> '1.50 KB'`` (1024 steps, two decimals, as Keras prints)."""
    for unit in _UNITS:
        if abs(num_bytes) < 1024 or unit == _UNITS[-1]:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"


def _weights_size(weights: list[Any]) -> tuple[int, int]:
    count = sum(int(np.prod(w.shape)) for w in weights)
    size = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in weights)
    return count, size


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    if isinstance(shape, dict):
        return ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items())
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def layer_rows(model: Any) -> list[dict[str, Any]]:
    """One row per layer: name, class, output shape, params, built, inbound connections."""
    rows = []
    sequential = hasattr(model, "layer_output_shapes")
    shapes = model.layer_output_shapes() if sequential else None
    for i, layer in enumerate(model.layers):
        if sequential:
            shape = shapes[i] if shapes and i < len(shapes) else None
        else:
            shape = _node_output_shape(model, layer)
        params = layer.count_params() if layer.built else None
        rows.append({
            "layer": layer,
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": shape,
            "params": params,
            "connected_to": _connections(model, layer),
        })
    return rows


def _node_output_shape(model: Any, layer: Any) -> Any:
    for node in getattr(model, "_nodes", []):
        if node.layer is layer:
            shapes = [t.shape for t in node.output_tensors]
            return shapes[0] if len(shapes) == 1 else shapes
    return None


def _connections(model: Any, layer: Any) -> list[str]:
    out = []
    for node in getattr(model, "_nodes", []):
        if node.layer is not layer:
            continue
        for t in node.input_tensors:
            parent, index, tensor_index = t.keras_history
            out.append(f"{parent.name}[{index}][{tensor_index}]")
    return out


def is_sequential_like(model: Any) -> bool:
    if hasattr(model, "layer_output_shapes"):
        return True
    nodes = [n for n in getattr(model, "_nodes", []) if not n.is_input]
    if not nodes:
        return True
    if len(getattr(model, "inputs", [])) != 1 or len(getattr(model, "outputs", [])) != 1:
        return False
    return all(len(n.input_tensors) == 1 for n in nodes) and len(
        {id(n.layer) for n in nodes}) == len(nodes)


def print_summary(model: Any, line_length: int | None = None, positions: Any = None,
                  print_fn: Callable[..., Any] | None = None, expand_nested: bool = False,
                  show_trainable: bool = False) -> None:
    """Print the Keras 3 summary table (to ``print_fn`` if given, else stdout)."""
    sequential = is_sequential_like(model)
    rows = layer_rows(model)
    if sequential and not hasattr(model, "layer_output_shapes"):
        rows = [r for r in rows if r["class"] != "InputLayer"]
    default_length = 88 if sequential else 108
    positions = positions or ([0.45, 0.80, 1.0] if sequential else [0.3, 0.56, 0.74, 1.0])
    headers = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else
                                                            ["Connected to"])
    if show_trainable:
        headers.append("Trainable")
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
    # Like Keras: never wider than the terminal minus a margin.
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths = _column_widths(positions, line_length)

    table = rich.table.Table(box=rich.box.HEAVY_HEAD, show_lines=True, width=line_length)
    for header, width in zip(headers, widths, strict=True):
        justify = "right" if header == "Param #" else ("center" if header == "Trainable"
                                                       else "left")
        table.add_column(header, width=width, justify=justify)
    for row in rows:
        params = "0 (unbuilt)" if row["params"] is None else f"{row['params']:,}"
        cells = [f"{row['name']} ({row['class']})", _shape_text(row["output_shape"]), params]
        if not sequential:
            cells.append(", ".join(row["connected_to"]) or "-")
        if show_trainable:
            cells.append("Y" if row["layer"].trainable else "N")
        table.add_row(*[rich.markup.escape(c) for c in cells])

    weights = model.weights if model.built else []
    trainable_ids = {id(w) for w in model.trainable_weights} if model.built else set()
    total, total_size = _weights_size(weights)
    tcount, tsize = _weights_size([w for w in weights if id(w) in trainable_ids])
    ntcount, ntsize = _weights_size([w for w in weights if id(w) not in trainable_ids])
    opt_lines = []
    optimizer = getattr(model, "optimizer", None)
    opt_arrays = optimizer.saved_variables() if optimizer is not None and \
        getattr(optimizer, "state", None) is not None else None
    if opt_arrays:
        ocount = sum(int(np.prod(a.shape)) for a in opt_arrays)
        osize = sum(int(np.prod(a.shape)) * a.dtype.itemsize for a in opt_arrays)
        total, total_size = total + ocount, total_size + osize
        opt_lines.append(f" Optimizer params: {ocount:,} ({readable_size(osize)})")

    lines = [f'Model: "{model.name}"', _render(table, line_length).rstrip("\n"),
             f" Total params: {total:,} ({readable_size(total_size)})",
             f" Trainable params: {tcount:,} ({readable_size(tsize)})",
             f" Non-trainable params: {ntcount:,} ({readable_size(ntsize)})", *opt_lines]
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        print(text, end="")
    elif "line_break" in inspect.signature(print_fn).parameters:
        print_fn(text, line_break=False)
    else:
        # As Keras: a print_fn that knows no line_break gets the whole text at once.
        print_fn(text)


def _column_widths(positions: list[float], line_length: int) -> list[int]:
    widths, current = [], 0
    for pos in positions:
        width = (int(pos * line_length) if pos <= 1 else int(pos)) - current
        if width < 4:
            raise ValueError("Insufficient console width to print the summary; pass a larger "
                             "line_length.")
        widths.append(width)
        current += width
    return widths


def _render(table: rich.table.Table, line_length: int) -> str:
    buffer = io.StringIO()
    console = rich.console.Console(file=buffer, width=max(line_length + 4, 200),
                                   color_system=None,
                                   highlight=False, force_terminal=False)
    console.print(table)
    return buffer.getvalue()
