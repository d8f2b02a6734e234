"""Name the shape of a dependency map along one axis, and say what weights are shared.

Everything here reads measured boolean maps (see :mod:`pellucid.explain.dependency`);
nothing is looked up by layer class.
"""

from __future__ import annotations

import numpy as np

INDEPENDENT = "independent"
CAUSAL = "causal"
ANTI_CAUSAL = "anti-causal"
REVERSED_CAUSAL = "reversed causal"
ALL = "all-to-all"
WINDOWS = "local windows"
OTHER = "mixed"


def project(dep: np.ndarray, out_rank: int, out_axis: int, in_axis: int) -> np.ndarray:
    """``P[a, b]``: output position ``a`` (on ``out_axis``) reads input position ``b``."""
    moved = np.moveaxis(dep, [out_axis, out_rank + in_axis], [0, 1])
    return moved.reshape(moved.shape[0], moved.shape[1], -1).any(axis=2)


def classify(p: np.ndarray) -> str:
    """One of the pattern names above for a projected ``(out, in)`` map."""
    n_out, n_in = p.shape
    rows, cols = np.indices(p.shape)
    if p.all():
        return ALL
    if n_out == n_in:
        if np.array_equal(p, rows == cols):
            return INDEPENDENT
        if np.array_equal(p, cols <= rows):
            return CAUSAL
        if np.array_equal(p, cols >= rows):
            return ANTI_CAUSAL
        if np.array_equal(p, cols >= n_in - 1 - rows):
            return REVERSED_CAUSAL
    if all(_contiguous(row) for row in p):
        return WINDOWS
    return OTHER


def _contiguous(row: np.ndarray) -> bool:
    idx = np.flatnonzero(row)
    return idx.size > 0 and idx[-1] - idx[0] + 1 == idx.size


PHRASES = {
    INDEPENDENT: "{many} do not mix: output {one} t reads only input {one} t",
    CAUSAL: "causal over {many}: output {one} t reads input {many} 0..t",
    ANTI_CAUSAL: "anti-causal over {many}: output {one} t reads input {many} t..end",
    REVERSED_CAUSAL: ("reversed over {many}: output {one} t reads the last t+1 input "
                      "{many} (the sequence is read backwards)"),
    ALL: "every output {one} reads every input {one}",
    WINDOWS: "each output {one} reads a window of neighbouring input {many}",
    OTHER: "output {many} read a mixed set of input {many}",
}

NOUNS = {
    "time": ("step", "steps"), "height": ("row", "rows"), "width": ("column", "columns"),
    "depth": ("slice", "slices"), "features": ("feature", "features"),
    "channels": ("channel", "channels"),
}


def nouns(role: str) -> tuple[str, str]:
    """``'time'`` -> ``('step', 'steps')``."""
    return NOUNS.get(role, (f"{role} position", f"{role} positions"))


def phrase(pattern: str, role: str) -> str:
    one, many = nouns(role)
    return PHRASES[pattern].format(one=one, many=many)


def shared_weights(reach: dict[str, np.ndarray], out_rank: int, out_axis: int
                   ) -> dict[str, str]:
    """For each weight: 'shared' if every position on ``out_axis`` reads the very same
    entries of it, 'separate' if the positions read disjoint entries, else 'partial'.
    Weights no output reads are left out."""
    result = {}
    for name, r in reach.items():
        w_rank = r.ndim - out_rank
        moved = np.moveaxis(r, out_axis, 0)
        per_position = moved.reshape(moved.shape[0], -1, *r.shape[out_rank:])
        per_position = per_position.any(axis=1).reshape(moved.shape[0], -1)
        if not per_position.any() or w_rank == 0 and not per_position.any():
            continue
        if (per_position == per_position[0]).all():
            result[name] = "shared"
        elif (per_position.sum(axis=0) <= 1).all():
            result[name] = "separate"
        else:
            result[name] = "partial"
    return result
