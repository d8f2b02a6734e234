"""Parameter arithmetic, weight by weight, plus the family's closed form when it checks out.

The per-weight lines come from the real variables, so they always add up to
``count_params()``. A closed form (``LSTM: 4·(d·u + u·u + u)``) is shown only when it
evaluates to that same total for this layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pellucid.explain.dependency import weight_labels
from pellucid.explain.formulas import units


def weight_rows(layer: Any) -> list[tuple[str, tuple, int]]:
    """``(name, shape, count)`` for every weight, in ``layer.weights`` order."""
    return [(label, tuple(w.shape), int(np.prod(w.shape)))
            for label, w in zip(weight_labels(layer.weights), layer.weights, strict=True)]


def arithmetic_lines(layer: Any, short_names: bool = True) -> list[str]:
    """``kernel 10×5 = 50``, ..., ``total 55`` and, when it applies, the closed form."""
    rows = weight_rows(layer)
    lines = []
    for w, (path, shape, count) in zip(layer.weights, rows, strict=True):
        name = w.name if short_names else path
        dims = "×".join(str(d) for d in shape) or "1"
        lines.append(f"{name} {dims} = {count:,}" if len(shape) > 1 else f"{name} {count:,}")
    total = sum(c for _, _, c in rows)
    trainable = {id(w) for w in layer.trainable_weights}
    frozen = sum(int(np.prod(w.shape)) for w in layer.weights if id(w) not in trainable)
    lines.append(f"total {total:,}" + (f" ({frozen:,} non-trainable)" if frozen else ""))
    closed = closed_form(layer)
    if closed is not None and closed[1] == total:
        lines.append(f"= {closed[0]}")
    return lines


def _rnn_dims(layer: Any) -> tuple[int, int] | None:
    kernel = next((w for w in layer.weights if w.name == "kernel"), None)
    if kernel is None:
        return None
    return int(kernel.shape[0]), units(layer)


def _rnn(gates: int, bias_per_gate: Callable[[Any], int], name: str
         ) -> Callable[[Any], tuple[str, int] | None]:
    def form(layer: Any) -> tuple[str, int] | None:
        dims = _rnn_dims(layer)
        if dims is None:
            return None
        d, u = dims
        b = bias_per_gate(layer) if getattr(layer, "use_bias", True) else 0
        bias = {0: "", 1: " + u", 2: " + 2u"}[b]
        value = gates * (d * u + u * u + b * u)
        return (f"{name}: {gates}·(d·u + u·u{bias}) with d={d} inputs, u={u} units "
                f"= {gates}·({d * u} + {u * u}{f' + {b * u}' if b else ''}) = {value:,}",
                value)
    return form


def _gru_bias(layer: Any) -> int:
    cell = getattr(layer, "cell", layer)
    return 2 if getattr(cell, "reset_after", True) else 1


def _dense(layer: Any) -> tuple[str, int] | None:
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        return None
    d, u = kernel.shape
    b = u if getattr(layer, "use_bias", True) else 0
    return f"d·u + u with d={d}, u={u} = {d * u} + {b} = {d * u + b:,}", d * u + b


def _conv(layer: Any) -> tuple[str, int] | None:
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        return None
    *k, cin, cout = kernel.shape
    taps = int(np.prod(k))
    b = cout if getattr(layer, "use_bias", True) else 0
    size = "·".join(str(x) for x in k)
    return (f"kernel taps · in_channels · filters + filters = {size}·{cin}·{cout} + {b} "
            f"= {taps * cin * cout + b:,}", taps * cin * cout + b)


def _wrapper(factor: int, word: str) -> Callable[[Any], tuple[str, int] | None]:
    def form(layer: Any) -> tuple[str, int] | None:
        inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
        if inner is None or not inner.built:
            return None
        n = inner.count_params()
        return f"{word}{n:,} (the wrapped {type(inner).__name__})", factor * n
    return form


CLOSED_FORMS: dict[str, Callable[[Any], tuple[str, int] | None]] = {
    "Dense": _dense,
    "LSTM": _rnn(4, lambda la: 1, "LSTM"),
    "GRU": _rnn(3, _gru_bias, "GRU"),
    "SimpleRNN": _rnn(1, lambda la: 1, "SimpleRNN"),
    "Conv1D": _conv, "Conv2D": _conv, "Conv3D": _conv,
    "TimeDistributed": _wrapper(1, "the same "),
    "Bidirectional": _wrapper(2, "2 × "),
}


def closed_form(layer: Any) -> tuple[str, int] | None:
    """``(text, value)`` from the family's formula, or None for other classes."""
    fn = CLOSED_FORMS.get(type(layer).__name__)
    if fn is None or not layer.built:
        return None
    try:
        return fn(layer)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None
