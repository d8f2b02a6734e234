"""What inputs a layer accepts, checked before its math runs so errors name the layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InputSpec:
    """Rank and axis-size requirements of one input (Keras's ``InputSpec``).

    ``axes`` maps an axis (negative counts from the end) to its required size.
    ``hint`` is added to the error message: how a user usually fixes the mismatch.
    """

    ndim: int | None = None
    min_ndim: int | None = None
    max_ndim: int | None = None
    axes: dict[int, int] = field(default_factory=dict)
    hint: str = ""


def check_input_spec(layer: Any, inputs: Any) -> None:
    spec = layer.input_spec
    if spec is None or inputs is None:
        return
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    values = inputs if isinstance(inputs, (list, tuple)) and len(specs) > 1 else [inputs]
    for i, (s, x) in enumerate(zip(specs, values, strict=False)):
        if s is None or not hasattr(x, "shape"):
            continue
        shape = tuple(x.shape)
        which = f"input {i} of " if len(specs) > 1 else ""
        where = f"{which}layer {layer.name!r} ({type(layer).__name__})"
        hint = f" {s.hint}" if s.hint else ""
        if s.ndim is not None and len(shape) != s.ndim:
            raise ValueError(
                f"Expected {where} to have rank {s.ndim}, but it received an input of shape "
                f"{shape} (rank {len(shape)}).{hint}"
            )
        if s.min_ndim is not None and len(shape) < s.min_ndim:
            raise ValueError(
                f"Expected {where} to have rank >= {s.min_ndim}, but it received an input of "
                f"shape {shape} (rank {len(shape)}).{hint}"
            )
        if s.max_ndim is not None and len(shape) > s.max_ndim:
            raise ValueError(
                f"Expected {where} to have rank <= {s.max_ndim}, but it received an input of "
                f"shape {shape}.{hint}"
            )
        for axis, size in s.axes.items():
            actual = shape[axis] if -len(shape) <= axis < len(shape) else None
            if actual is not None and size is not None and actual != size:
                raise ValueError(
                    f"{where[0].upper()}{where[1:]} expects axis {axis} of its input to have "
                    f"size {size}, but it received an input of shape {shape}.{hint}"
                )
