"""Pictures of explanations (matplotlib, imported only when a picture is asked for).

- ``dependency``: the measured map as a heat map, outputs down, inputs across, with a grid
  line between positions (steps, pixels);
- ``connections``: input entries on the left, output entries on the right, a line where
  an output depends on an input; outputs that read the very same weight entries share a
  colour, so a shared kernel shows as one colour repeated at every step;
- ``flow``: a model's layers as boxes with their output shapes and parameter counts,
  arrows along the graph (no graphviz needed).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from pellucid.explain.shapes import model_flow

MAX_CONNECTION_NODES = 64


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def figure(expl: Any, kind: str = "auto") -> Any:
    """Draw ``expl`` as a Figure of the given kind (see the module docstring)."""
    if kind == "auto":
        n_in = int(np.prod(expl.subject.input_shapes[0]))
        n_out = int(np.prod(expl.subject.output_shapes[0]))
        if expl.subject.is_model and len(expl.subject.obj.layers) > 2:
            kind = "flow"
        elif max(n_in, n_out) <= MAX_CONNECTION_NODES:
            kind = "connections"
        else:
            kind = "dependency"
    drawers = {"dependency": dependency_figure, "connections": connections_figure,
               "flow": flow_figure}
    if kind not in drawers:
        raise ValueError(f"plot kind must be one of {sorted(drawers)} or 'auto'; got {kind!r}.")
    return drawers[kind](expl)


# Short names of axis positions: an image pixel is (row, col, channel), never "column" alone,
# which a heat map's own rows and columns would make ambiguous.
AXIS_WORDS = {"height": "row", "width": "col", "depth": "slice", "time": "step",
              "channels": "channel", "features": "feature"}
AXIS_LETTERS = {"height": "r", "width": "c", "depth": "d", "time": "t", "channels": "ch",
                "features": "f"}


def _labels(shape: tuple, roles: list[str]) -> list[str]:
    """``r0,c1,ch0`` style names of every entry of ``shape``."""
    letters = [AXIS_LETTERS.get(r, r[:2]) for r in roles]
    return [",".join(f"{n}{i}" for n, i in zip(letters, idx, strict=True))
            for idx in np.ndindex(*shape)]


def axis_title(side: str, shape: tuple, roles: list[str]) -> str:
    """``input (row, col, channel): 7 × 7 × 1``."""
    words = ", ".join(AXIS_WORDS.get(r, r) for r in roles)
    return f"{side} ({words}): {' × '.join(str(d) for d in shape)}"


def _mark_axis(ax: Any, shape: tuple, horizontal: bool) -> None:
    """Grid lines between positions (darker between image rows) and ``row,col`` ticks."""
    if len(shape) < 2:
        return
    cell = shape[-1]  # entries per position: the channels or features
    positions = int(np.prod(shape[:-1]))
    line = ax.axvline if horizontal else ax.axhline
    per_row = cell * shape[-2] if len(shape) > 2 else None
    if positions <= 256:
        for b in range(1, positions):
            edge = b * cell
            major = per_row is not None and edge % per_row == 0
            line(edge - 0.5, color="0.25" if major else "0.7",
                 linewidth=1.2 if major else 0.6)
    names = [",".join(str(i) for i in idx) for idx in np.ndindex(*shape[:-1])]
    if positions <= 16:
        chosen = range(positions)
    elif len(shape) > 2 and positions // shape[-2] <= 16:
        chosen = range(0, positions, shape[-2])  # the first pixel of every image row
    else:
        chosen = range(0, positions, max(1, positions // 10))
    set_ticks = ax.set_xticks if horizontal else ax.set_yticks
    set_ticks([b * cell + (cell - 1) / 2 for b in chosen], [names[b] for b in chosen],
              fontsize=8)


def _draw_map(ax: Any, expl: Any, title: str) -> None:
    dep = expl.dependency()
    in_shape, out_shape = expl.subject.input_shapes[0], expl.subject.output_shapes[0]
    flat = dep.reshape(int(np.prod(out_shape)), int(np.prod(in_shape)))
    ax.imshow(flat, cmap="Blues", vmin=0, vmax=1.25, aspect="auto", interpolation="nearest")
    _mark_axis(ax, in_shape, horizontal=True)
    _mark_axis(ax, out_shape, horizontal=False)
    ax.set_xlabel(axis_title("input", in_shape, expl.input_roles()))
    ax.set_ylabel(axis_title("output", out_shape, expl.output_roles()))
    ax.set_title(title, fontsize=10)


def dependency_figure(expl: Any) -> Any:
    fig = _figure(7, 5.5)
    ax = fig.add_subplot()
    _draw_map(ax, expl, f"{expl.class_name} {expl.name!r}: blue = the output entry (down) "
                        "depends on the input entry (across)")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    return fig


def compare_figure(comparison: Any) -> Any:
    fig = _figure(12, 5.5)
    for i, e in enumerate((comparison.a, comparison.b)):
        ax = fig.add_subplot(1, 2, i + 1)
        _draw_map(ax, e, f"{e.class_name} {e.name!r}: {e.param_count:,} params")
    verdict = {True: "same function", False: "different functions",
               None: "not comparable"}[comparison.same_function]
    fig.suptitle(f"{verdict}: {comparison.reason}", fontsize=10)
    return fig


def _colour_groups(expl: Any) -> np.ndarray:
    """One group per output entry: outputs reading the same weight entries match."""
    n_out = int(np.prod(expl.subject.output_shapes[0]))
    reach = expl.reach
    if not reach:
        return np.zeros(n_out, int)
    signature = np.concatenate([r.reshape(n_out, -1) for r in reach.values()], axis=1)
    _, groups = np.unique(signature, axis=0, return_inverse=True)
    return groups.reshape(-1)


def connections_figure(expl: Any) -> Any:
    from matplotlib import colormaps  # noqa: PLC0415

    dep = expl.dependency()
    in_shape, out_shape = expl.subject.input_shapes[0], expl.subject.output_shapes[0]
    n_in, n_out = int(np.prod(in_shape)), int(np.prod(out_shape))
    if max(n_in, n_out) > MAX_CONNECTION_NODES:
        raise ValueError(
            f"Too many entries ({n_in} in, {n_out} out) for a connection diagram (at most "
            f"{MAX_CONNECTION_NODES}); use plot('dependency') or a smaller input_shape."
        )
    flat = dep.reshape(n_out, n_in)
    groups = _colour_groups(expl)
    palette = colormaps["tab10" if groups.max() < 10 else "tab20"]
    y_in, y_out = _positions(in_shape), _positions(out_shape)
    top = max(y_in.max(), y_out.max())
    fig = _figure(8, max(4.5, 0.24 * top + 1.5))
    ax = fig.add_subplot()
    for o in range(n_out):
        colour = palette(groups[o] % palette.N)
        for i in np.flatnonzero(flat[o]):
            ax.plot([0, 1], [y_in[i], y_out[o]], color=colour, linewidth=0.7, alpha=0.55)
    ax.scatter(np.zeros(n_in), y_in, s=60, color="0.3", zorder=3)
    ax.scatter(np.ones(n_out), y_out, s=60, color=[palette(g % palette.N) for g in groups],
               zorder=3)
    for y, text in zip(y_in, _labels(in_shape, expl.input_roles()), strict=True):
        ax.text(-0.03, y, text, ha="right", va="center", fontsize=8)
    for y, text in zip(y_out, _labels(out_shape, expl.output_roles()), strict=True):
        ax.text(1.03, y, text, ha="left", va="center", fontsize=8)
    ax.set_xlim(-0.35, 1.35)
    ax.set_ylim(top + 1, -1)
    ax.axis("off")
    ax.set_title(f"{expl.class_name} {expl.name!r}: inputs (left) → outputs (right); "
                 "same colour = same weights", fontsize=10)
    return fig


def _positions(shape: tuple) -> np.ndarray:
    """Vertical position of each entry, with a gap between positions (steps)."""
    block = shape[-1] if len(shape) > 1 else int(np.prod(shape))
    idx = np.arange(int(np.prod(shape)))
    return idx + (idx // block) * 0.8


def flow_figure(expl: Any) -> Any:
    rows = model_flow(expl.subject.obj)
    level: dict[str, int] = {}
    for row in rows:
        level[row["name"]] = 1 + max((level.get(n, -1) for n in row["inputs"]), default=-1)
    by_level: dict[int, list[dict]] = {}
    for row in rows:
        by_level.setdefault(level[row["name"]], []).append(row)
    width = max(len(v) for v in by_level.values())
    fig = _figure(max(5.0, 3.4 * width), 1.25 * len(by_level) + 0.6)
    ax = fig.add_subplot()
    centre: dict[str, tuple[float, float]] = {}
    for lv, items in by_level.items():
        for k, row in enumerate(items):
            x = (k + 0.5) * width / len(items)
            centre[row["name"]] = (x, lv)
            shape = row["output_shape"]
            text = (f"{row['name']} ({row['class']})\n{shape}"
                    + (f"\n{row['params']:,} params" if row["params"] else ""))
            ax.text(x, lv, text, ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.4", "facecolor": "#dbe9f6",
                          "edgecolor": "#3b6ea5"})
    for row in rows:
        for parent in row["inputs"]:
            if parent in centre:
                (x0, y0), (x1, y1) = centre[parent], centre[row["name"]]
                ax.annotate("", xy=(x1, y1 - 0.3), xytext=(x0, y0 + 0.3),
                            arrowprops={"arrowstyle": "->", "color": "0.35"})
    ax.set_xlim(0, width)
    ax.set_ylim(len(by_level) - 0.4, -0.6)
    ax.axis("off")
    ax.set_title(f"{expl.class_name} {expl.name!r}: {expl.param_count:,} params", fontsize=10)
    return fig


def save_figure(fig: Any, path: Any) -> None:
    """Write ``fig`` to ``path`` through a temporary file, so no half-written file remains."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1] or ".png"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, format=suffix.lstrip("."))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
