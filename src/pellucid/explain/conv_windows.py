"""Which input window each output position reads, and the padding on each side.

Found from the measured dependency map (impulses through the real layer), never from a
padding formula: along each position axis, output position ``j`` reads a set of input
indices. The windows that are not clipped by an edge give the kernel taps, the dilation and
the stride; extending them to every ``j`` gives where each window starts in input
coordinates, so ``padding_before = -start[0]`` and ``padding_after`` is how far the last
window reaches past the end. The fitted windows are checked against every measured set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pellucid.explain.patterns import project


@dataclass(frozen=True)
class AxisWindows:
    """Windows along one position axis (input coordinates; negative = padding)."""

    axis: int
    role: str
    input_size: int
    kernel: int
    stride: int
    dilation: int
    padding_before: int
    padding_after: int
    starts: tuple[int, ...]

    def window(self, j: int) -> tuple[int, int]:
        """``(start, stop)`` of output position ``j``'s window, padding included."""
        start = self.starts[j]
        return start, start + (self.kernel - 1) * self.dilation + 1

    def reads(self, j: int) -> list[int]:
        """Input indices (inside the input) that output position ``j`` reads."""
        start = self.starts[j]
        taps = [start + k * self.dilation for k in range(self.kernel)]
        return [t for t in taps if 0 <= t < self.input_size]

    def describe(self) -> str:
        lines = [
            f"{self.role} axis: kernel {self.kernel}, stride {self.stride}"
            + (f", dilation {self.dilation}" if self.dilation != 1 else "")
            + f"; padding {self.padding_before} before, {self.padding_after} after "
            f"(input length {self.input_size})"
        ]
        count = len(self.starts)
        # Long axes: the first and last windows tell the story (edges and stride).
        shown = list(range(count)) if count <= 12 else [*range(4), *range(count - 4, count)]
        for j in shown:
            if count > 12 and j == count - 4:
                lines.append(f"  ... ({count - 8} more outputs, each shifted by the stride)")
            start, stop = self.window(j)
            inside = self.reads(j)
            note = "" if (start >= 0 and stop <= self.input_size) else "  (edge: padding)"
            lines.append(f"  output {j}: window [{start}:{stop}] reads input "
                         f"{_ranges(inside)}{note}")
        return "\n".join(lines)


def _ranges(idx: list[int]) -> str:
    if not idx:
        return "nothing"
    if len(idx) > 1 and all(b - a == 1 for a, b in zip(idx, idx[1:], strict=False)):
        return f"[{idx[0]}:{idx[-1] + 1}]"
    return "{" + ", ".join(map(str, idx)) + "}"


def fit_axis(reads: np.ndarray, axis: int, role: str) -> AxisWindows | None:
    """Fit windows to a projected ``(out, in)`` map; None when it is not window-shaped."""
    n_out, n_in = reads.shape
    sets = [np.flatnonzero(row) for row in reads]
    if any(s.size == 0 for s in sets):
        return None
    taps = max(s.size for s in sets)
    full = [j for j, s in enumerate(sets) if s.size == taps]
    steps = np.diff(sets[full[0]])
    dilation = int(steps[0]) if steps.size else 1
    if steps.size and not (steps == dilation).all():
        return None
    if len(full) >= 2:
        j0, j1 = full[0], full[-1]
        stride, rem = divmod(int(sets[j1][0] - sets[j0][0]), j1 - j0)
        if rem:
            return None
    else:
        stride = _stride_from_edges(sets, full[0])
    j0 = full[0]
    starts = tuple(int(sets[j0][0]) + (j - j0) * stride for j in range(n_out))
    span = (taps - 1) * dilation + 1
    found = AxisWindows(axis, role, n_in, taps, stride, dilation, -starts[0],
                        starts[-1] + span - n_in, starts)
    for j, s in enumerate(sets):
        if found.reads(j) != s.tolist():
            return None
    return found


def _stride_from_edges(sets: list, j0: int) -> int:
    """With one unclipped window: the next window is clipped only at its end, so its first
    tap is its start; the previous one only at its start, so its last tap is its end."""
    if j0 + 1 < len(sets):
        return int(sets[j0 + 1][0] - sets[j0][0])
    if j0 > 0:
        return int(sets[j0][-1] - sets[j0 - 1][-1])
    return 1


def windows(dep: np.ndarray, out_shape: tuple, in_shape: tuple,
            roles: list[str]) -> list[AxisWindows] | None:
    """Windows along every position axis (all but the last, the channel axis).

    None unless input and output have the same rank and every position axis fits.
    """
    if len(out_shape) != len(in_shape) or len(in_shape) < 2:
        return None
    found = []
    for axis in range(len(in_shape) - 1):
        fitted = fit_axis(project(dep, len(out_shape), axis, axis), axis, roles[axis])
        if fitted is None:
            return None
        found.append(fitted)
    return found
