"""Shapes with the role of each axis: batch, time, features, height, width, channels.

Roles follow the rank of the tensor (batch excluded) and the layer's ``data_format``:
``(steps, features)`` for rank 2, ``(height, width, channels)`` for rank 3, and so on.
Token inputs (integers) of rank 1 are ``(time,)``.
"""

from __future__ import annotations

from typing import Any

ROLES_BY_RANK = {
    0: [],
    1: ["features"],
    2: ["time", "features"],
    3: ["height", "width", "channels"],
    4: ["depth", "height", "width", "channels"],
}


def axis_roles(shape: tuple, layer: Any = None, integer: bool = False) -> list[str]:
    """Role names for ``shape`` (batch excluded)."""
    rank = len(shape)
    if integer and rank == 1:
        return ["time"]
    roles = list(ROLES_BY_RANK.get(rank, [f"axis {i + 1}" for i in range(rank)]))
    data_format = getattr(layer, "data_format", None)
    if rank >= 2 and data_format == "channels_first":
        roles = ["channels"] + roles[:-1]
    return roles


def describe(shape: tuple, roles: list[str]) -> str:
    """``(None, 50, 10)`` -> ``'(batch=None, time=50, features=10)'``."""
    parts = ["batch=None"] + [f"{r}={d}" for r, d in zip(roles, shape[1:], strict=True)]
    return "(" + ", ".join(parts) + ")"


def with_batch(shape: tuple) -> tuple:
    return (None,) + tuple(shape)


def model_flow(model: Any) -> list[dict[str, Any]]:
    """One row per layer of a model: name, class, output shape, params, inputs from."""
    from pellucid.models.summary import layer_rows  # noqa: PLC0415

    rows = []
    for row in layer_rows(model):
        rows.append({
            "name": row["name"],
            "class": row["class"],
            "output_shape": row["output_shape"],
            "params": row["params"] or 0,
            "inputs": [c.split("[")[0] for c in row["connected_to"]],
            "layer": row["layer"],
        })
    if rows and all(not r["inputs"] for r in rows):
        for previous, row in zip(rows, rows[1:], strict=False):
            row["inputs"] = [previous["name"]]
    return rows
