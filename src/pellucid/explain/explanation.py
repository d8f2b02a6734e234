"""The Explanation object: facts as data, readable as text, drawable as pictures."""

from __future__ import annotations

import html
from functools import cached_property
from typing import Any

import numpy as np

from pellucid.explain import conv_windows, noise, patterns
from pellucid.explain.dependency import dependency_map, weight_reach
from pellucid.explain.formulas import formula
from pellucid.explain.params import arithmetic_lines, weight_rows
from pellucid.explain.shapes import axis_roles, describe, model_flow, with_batch
from pellucid.explain.subject import Subject

# Weight-sharing sentences need one Jacobian per weight; beyond this size they are skipped.
MAX_REACH_ENTRIES = 20_000_000


class Explanation:
    """What a layer or model computes: formula, shapes, parameters, dependencies.

    Attributes:
        output_shape: output shape with the batch axis as None (a list for several outputs).
        input_shape: the same for the input(s).
        param_count: equals ``count_params()``.
        weights: ``[(name, shape, count), ...]`` in ``weights`` order.
        formula: the computation in the layer's words.
    """

    def __init__(self, subject: Subject):
        obj = subject.obj
        self.subject = subject
        self.name = obj.name
        self.class_name = type(obj).__name__
        self.formula = formula(obj)
        ins = [with_batch(s) for s in subject.declared_inputs]
        outs = [with_batch(s) for s in subject.output_shapes]
        self.input_shape = ins[0] if len(ins) == 1 else ins
        self.output_shape = outs[0] if len(outs) == 1 else outs
        self.param_count = int(obj.count_params())
        self.weights = weight_rows(obj)
        self.param_lines = arithmetic_lines(obj, short_names=not subject.is_model)
        self._maps: dict[tuple[int, int], np.ndarray] = {}

    # --- measured facts -----------------------------------------------------------------
    def dependency(self, input_index: int = 0, output_index: int = 0) -> np.ndarray:
        """Boolean ``output_shape[1:] + input_shape[1:]``: True where that output element
        depends on that input element (measured from the real function)."""
        key = (input_index, output_index)
        if key not in self._maps:
            self._maps[key] = dependency_map(self.subject, input_index, output_index)
        return self._maps[key]

    def input_roles(self, input_index: int = 0) -> list[str]:
        integer = not np.issubdtype(np.dtype(self.subject.input_dtypes[input_index]),
                                    np.floating)
        return axis_roles(self.subject.input_shapes[input_index], self._first_layer(),
                          integer)

    def output_roles(self, output_index: int = 0) -> list[str]:
        return axis_roles(self.subject.output_shapes[output_index], self.subject.obj)

    def axis_patterns(self, input_index: int = 0, output_index: int = 0) -> dict[str, str]:
        """For each position axis present in input and output: its pattern name
        (``independent``, ``causal``, ``all-to-all``, ``local windows``, ...)."""
        dep = self.dependency(input_index, output_index)
        out_rank = len(self.subject.output_shapes[output_index])
        in_rank = len(self.subject.input_shapes[input_index])
        roles = self.input_roles(input_index)
        if out_rank != in_rank or in_rank < 2:
            return {}
        return {roles[a]: patterns.classify(patterns.project(dep, out_rank, a, a))
                for a in range(in_rank - 1)}

    @cached_property
    def reach(self) -> dict[str, np.ndarray] | None:
        """Per weight: which output elements (of output 0) depend on which of its entries."""
        out = int(np.prod(self.subject.output_shapes[0]))
        size = sum(c for _, _, c in self.weights)
        if not self.weights or out * size > MAX_REACH_ENTRIES:
            return None
        return weight_reach(self.subject)

    @cached_property
    def sharing(self) -> list[str]:
        """Sentences on what is shared and what is independent, derived from the maps."""
        lines: list[str] = []
        dep = self.dependency()
        in_shape, out_shape = self.subject.input_shapes[0], self.subject.output_shapes[0]
        roles, out_rank = self.input_roles(), len(out_shape)
        shapes = {name: shape for name, shape, _ in self.weights}
        for axis, (role, pattern) in enumerate(self.axis_patterns().items()):
            one, many = patterns.nouns(role)
            shared = []
            if self.reach is not None:
                status = patterns.shared_weights(self.reach, out_rank, axis)
                n = out_shape[axis]
                shared = [f"the same {shapes[w]} {_short(w)} is applied at each of the {n} "
                          f"{many}" for w, s in status.items() if s == "shared"
                          and len(shapes[w]) > 0]
                shared += [f"each {one} has its own part of {_short(w)} {shapes[w]}"
                           for w, s in status.items() if s == "separate"]
            lines.append("; ".join(shared + [patterns.phrase(pattern, role)]))
        if out_rank < len(in_shape):
            read = dep.reshape(-1, *in_shape).any(axis=0)
            for a in range(len(in_shape) - 1):
                axis_read = read.reshape(*in_shape).any(
                    axis=tuple(i for i in range(len(in_shape)) if i != a))
                one, many = patterns.nouns(roles[a])
                lines.append(f"the output reads all {in_shape[a]} input {many}" if
                             axis_read.all() else
                             f"the output reads input {many} {np.flatnonzero(axis_read).tolist()}")
        if out_rank >= 1 and len(in_shape) >= 1:
            last = patterns.project(dep, out_rank, out_rank - 1, len(in_shape) - 1)
            one, many = patterns.nouns(roles[-1])
            if last.all():
                lines.append(f"each output value reads all {in_shape[-1]} input {many}")
            elif last.shape[0] == last.shape[1] and np.array_equal(last, np.eye(len(last))):
                lines.append(f"{many} do not mix: output {one} c reads input {one} c only")
        return lines

    @cached_property
    def windows(self) -> list[conv_windows.AxisWindows] | None:
        """Per position axis: padding before/after, stride and the input window each output
        position reads; None when the map is not made of windows."""
        if len(self.subject.input_shapes) != 1:
            return None
        return conv_windows.windows(self.dependency(), self.subject.output_shapes[0],
                                    self.subject.input_shapes[0], self.input_roles())

    def mask_groups(self, input_index: int = 0) -> np.ndarray:
        """Labels ``(2 samples, *input_shape)``: entries with one label share one random
        keep/drop draw in training; -1 where no randomness reaches the entry."""
        return noise.mask_groups(noise.cut_patterns(self.subject, input_index))

    def mask_sharing(self, input_index: int = 0) -> str:
        """A sentence on how training-time masks are shared, from :meth:`mask_groups`."""
        groups = self.mask_groups(input_index)
        if (groups < 0).all():
            return "no random mask reaches the inputs in training"
        names = ["sample"] + self.input_roles(input_index)
        shared = [names[a] for a in noise.shared_axes(groups)]
        per = [n for i, n in enumerate(names) if n not in shared]
        draws = len(np.unique(groups[groups >= 0]))
        where = ", ".join(per) if per else "batch"
        along = f"; one draw is shared along {', '.join(shared)}" if shared else ""
        return (f"training masks: {draws} independent draws for 2 samples, one per "
                f"({where}){along}")

    # --- text -----------------------------------------------------------------------------
    def sections(self) -> list[tuple[str, list[str]]]:
        """(title, lines) pairs that the text and HTML renderings share."""
        ins = self.input_shape if isinstance(self.input_shape, list) else [self.input_shape]
        outs = self.output_shape if isinstance(self.output_shape, list) else [
            self.output_shape]
        shape_lines = [f"input  {describe(s, self.input_roles(i))}"
                       for i, s in enumerate(ins)]
        shape_lines += [f"output {describe(s, self.output_roles(i))}"
                        for i, s in enumerate(outs)]
        if self.subject.stand_ins:
            shape_lines.append("(axes of unknown size were measured at size 4)")
        out = [("formula", self.formula.splitlines()), ("shapes", shape_lines)]
        if self.subject.is_model:
            out.append(("layers", [
                f"{r['name']} ({r['class']}): output {r['output_shape']}, "
                f"{r['params']:,} params" for r in model_flow(self.subject.obj)]))
        out.append(("parameters", self.param_lines))
        out.append(("what is shared, what is independent (measured)", self.sharing))
        if self.windows and any(w.kernel > 1 or w.stride > 1 for w in self.windows):
            out.append(("windows (measured with impulses)",
                        [line for w in self.windows for line in w.describe().splitlines()]))
        if _has_randomness(self.subject.obj) and all(
                np.issubdtype(np.dtype(d), np.floating) for d in self.subject.input_dtypes):
            out.append(("random masks (measured in training mode)", [self.mask_sharing()]))
        return out

    def __str__(self) -> str:
        lines = [f"{self.class_name} {self.name!r}"]
        for title, body in self.sections():
            lines.append(f"{title}:")
            lines.extend(f"  {line}" for line in body)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation of {self.class_name} {self.name!r}: {self.param_count} params>"

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(self.class_name)} {html.escape(self.name)!r}</h4>"]
        for title, body in self.sections():
            parts.append(f"<b>{html.escape(title)}</b><pre>"
                         + html.escape("\n".join(body)) + "</pre>")
        return "\n".join(parts)

    def __rich__(self) -> Any:
        from rich.panel import Panel  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        return Panel(Text(str(self)), title="explain")

    # --- pictures -------------------------------------------------------------------------
    def plot(self, kind: str = "auto") -> Any:
        """A matplotlib Figure: ``'dependency'`` heat map, ``'connections'`` diagram,
        ``'flow'`` (a model's layers and shapes), or ``'auto'``."""
        from pellucid.explain import plot  # noqa: PLC0415

        return plot.figure(self, kind)

    def save(self, path: Any, kind: str = "auto") -> None:
        """Write :meth:`plot` to ``path`` (PNG, SVG, PDF by extension), atomically."""
        from pellucid.explain import plot  # noqa: PLC0415

        plot.save_figure(self.plot(kind), path)

    def _first_layer(self) -> Any:
        obj = self.subject.obj
        layers = [la for la in getattr(obj, "layers", []) if type(la).__name__ != "InputLayer"]
        return layers[0] if self.subject.is_model and layers else obj


def _short(weight_name: str) -> str:
    return weight_name.rsplit("/", 1)[-1]


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and value > 0


def _has_randomness(obj: Any) -> bool:
    """Whether anything inside may draw masks in training (decides if that section shows)."""
    stack = [obj]
    while stack:
        layer = stack.pop()
        if any(_positive(getattr(layer, name, 0)) for name in
               ("rate", "dropout", "recurrent_dropout", "stddev")):
            return True
        stack.extend(getattr(layer, "_layers", []))
    return False
