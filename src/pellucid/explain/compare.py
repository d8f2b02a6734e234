"""Two layers or models side by side: parameters, shapes, dependency maps, same function?

"Same function" is decided by running both: when their weights correspond one to one
(same shapes, in order, or matched by shape when every shape is distinct), the same random
weight values go into both and their outputs on the same random inputs are compared. If
the shapes or the measured dependency maps differ the functions differ; if the weights do
not correspond, the functions are "not comparable" numerically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from pellucid.explain.explanation import Explanation
from pellucid.explain.subject import as_numpy, resolve

DRAWS = 3


@dataclass
class Comparison:
    """The result of :func:`compare`; ``same_function`` is True, False or None
    (not comparable)."""

    a: Explanation
    b: Explanation
    same_output_shape: bool
    same_param_count: bool
    same_dependency: bool | None
    same_function: bool | None
    reason: str
    max_difference: float | None = None

    def rows(self) -> list[tuple[str, str, str]]:
        """``(what, a, b)`` rows of the side-by-side table."""
        def patterns(e: Explanation) -> str:
            found = e.axis_patterns() if e.output_shape and e.input_shape else {}
            return ", ".join(f"{k}: {v}" for k, v in found.items()) or "-"

        return [
            ("layer", f"{self.a.class_name} {self.a.name!r}", f"{self.b.class_name} "
             f"{self.b.name!r}"),
            ("input shape", str(self.a.input_shape), str(self.b.input_shape)),
            ("output shape", str(self.a.output_shape), str(self.b.output_shape)),
            ("params", f"{self.a.param_count:,}", f"{self.b.param_count:,}"),
            ("weights", _weights(self.a), _weights(self.b)),
            ("dependency", patterns(self.a), patterns(self.b)),
        ]

    def __str__(self) -> str:
        rows = self.rows()
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        lines = [f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]}" for r in rows]
        verdict = {True: "same function", False: "different functions",
                   None: "not comparable"}[self.same_function]
        lines.append(f"verdict: {verdict}: {self.reason}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html  # noqa: PLC0415

        cells = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
                        f"<td>{html.escape(c)}</td></tr>" for a, b, c in self.rows())
        return f"<table>{cells}</table><p>{html.escape(str(self).splitlines()[-1])}</p>"

    def plot(self) -> Any:
        """Both dependency maps as heat maps, side by side."""
        from pellucid.explain import plot  # noqa: PLC0415

        return plot.compare_figure(self)

    def save(self, path: Any) -> None:
        from pellucid.explain import plot  # noqa: PLC0415

        plot.save_figure(self.plot(), path)


def _weights(e: Explanation) -> str:
    return ", ".join(f"{n.rsplit('/', 1)[-1]}{s}" for n, s, _ in e.weights) or "none"


def compare(a: Any, b: Any, input_shape: Any = None) -> Comparison:
    """Compare two layers/models (or ``.keras`` paths) on the same input shape."""
    ea = a if isinstance(a, Explanation) else Explanation(resolve(a, input_shape))
    eb = b if isinstance(b, Explanation) else Explanation(resolve(b, input_shape))
    same_shape = ea.output_shape == eb.output_shape
    same_params = ea.param_count == eb.param_count
    if ea.subject.input_shapes != eb.subject.input_shapes:
        return Comparison(ea, eb, same_shape, same_params, None, None,
                          "not comparable: they take different input shapes")
    if not same_shape:
        return Comparison(ea, eb, False, same_params, None, False,
                          f"the output shapes differ ({ea.output_shape} vs "
                          f"{eb.output_shape})")
    same_dep = all(np.array_equal(ea.dependency(i, o), eb.dependency(i, o))
                   for i in range(len(ea.subject.input_shapes))
                   for o in range(len(ea.subject.output_shapes)))
    if not same_dep:
        return Comparison(ea, eb, True, same_params, False, False,
                          "the dependency maps differ: "
                          + _dependency_difference(ea, eb))
    order = _weight_order(ea, eb)
    if order is None:
        return Comparison(ea, eb, True, same_params, True, None,
                          "not comparable numerically: the weights do not correspond one "
                          "to one; the dependency maps are the same")
    diff = _max_difference(ea, eb, order)
    same = diff <= 1e-5 * (1 + _scale(ea))
    reason = (f"with the same weight values the outputs agree (max |difference| {diff:.2g})"
              if same else f"with the same weight values the outputs differ (max |difference| "
              f"{diff:.2g})")
    return Comparison(ea, eb, True, same_params, True, bool(same), reason, diff)


def _dependency_difference(ea: Explanation, eb: Explanation) -> str:
    pa, pb = ea.axis_patterns(), eb.axis_patterns()
    diffs = [f"{k}: {pa[k]} vs {pb.get(k)}" for k in pa if pa[k] != pb.get(k)]
    if diffs:
        return "; ".join(diffs)
    da, db = ea.dependency().sum(), eb.dependency().sum()
    return f"{da:,} vs {db:,} connected (output, input) pairs"


def _weight_order(ea: Explanation, eb: Explanation) -> list[int] | None:
    """For each weight of b, the index of the weight of a that it corresponds to."""
    sa = [s for _, s, _ in ea.weights]
    sb = [s for _, s, _ in eb.weights]
    if sa == sb:
        return list(range(len(sa)))
    if sorted(sa) == sorted(sb) and len(set(sa)) == len(sa):
        return [sa.index(s) for s in sb]
    return None


def _outputs(e: Explanation, values: list, inputs: list) -> np.ndarray:
    outs = e.subject.apply(values, inputs)
    return np.concatenate([as_numpy(o).reshape(-1) for o in outs])


def _max_difference(ea: Explanation, eb: Explanation, order: list[int]) -> float:
    worst = 0.0
    for key in jax.random.split(jax.random.PRNGKey(3), DRAWS):
        values = ea.subject.random_weights(key)
        inputs = ea.subject.random_inputs(jax.random.fold_in(key, 1), batch=2)
        ya = _outputs(ea, values, inputs)
        yb = _outputs(eb, [values[i] for i in order], inputs)
        worst = max(worst, float(np.max(np.abs(ya - yb))))
    return worst


def _scale(e: Explanation) -> float:
    values = e.subject.random_weights(jax.random.PRNGKey(3))
    inputs = e.subject.random_inputs(jax.random.PRNGKey(4), batch=2)
    return float(np.max(np.abs(_outputs(e, values, inputs))))
