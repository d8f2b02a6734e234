"""Explanations measured from the real function: ``explain(obj)`` and ``compare(a, b)``.

``explain(Dense(5), input_shape=(50, 10))`` states the formula, the shape flow with axis
roles, the parameter arithmetic weight by weight, and which outputs depend on which
inputs — the last measured from the Jacobian of the real call, so it is right for layers
you write yourself.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from pellucid.explain.compare import Comparison, compare
from pellucid.explain.explanation import Explanation
from pellucid.explain.subject import resolve


def explain(obj: Any, input_shape: Any = None) -> Explanation:
    """Explain a layer (built, or with ``input_shape`` without the batch axis), a model or
    the path of a ``.keras`` file."""
    return Explanation(resolve(obj, input_shape))


__all__ = ["Comparison", "Explanation", "compare", "explain"]


class _ExplainModule(types.ModuleType):
    """Lets ``pellucid.explain`` be both the package (``pellucid.explain.compare``) and the
    function (``pellucid.explain(model)``), as the public API promises."""

    def __call__(self, obj: Any, input_shape: Any = None) -> Explanation:
        return explain(obj, input_shape=input_shape)


sys.modules[__name__].__class__ = _ExplainModule
