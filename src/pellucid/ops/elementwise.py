"""Elementwise ops with Keras names: arithmetic, powers, logs, rounding, trigonometry,
comparisons and logic. Each maps arrays of broadcastable shapes to their broadcast shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

from pellucid.ops.core import array_args


def _unary(fn: Callable, name: str, formula: str) -> Callable[[Any], jax.Array]:
    def op(x: Any) -> jax.Array:
        return fn(jnp.asarray(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{formula}`` elementwise; output shape = ``x.shape``."
    return array_args(op)


def _binary(fn: Callable, name: str, formula: str) -> Callable[[Any, Any], jax.Array]:
    def op(x1: Any, x2: Any) -> jax.Array:
        return fn(x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{formula}`` elementwise, broadcasting ``x1`` against ``x2``."
    return array_args(op)


# --- arithmetic ----------------------------------------------------------------------
add = _binary(jnp.add, "add", "x1 + x2")
subtract = _binary(jnp.subtract, "subtract", "x1 - x2")
multiply = _binary(jnp.multiply, "multiply", "x1 * x2")
divide = _binary(jnp.divide, "divide", "x1 / x2")
true_divide = _binary(jnp.true_divide, "true_divide", "x1 / x2")
floor_divide = _binary(jnp.floor_divide, "floor_divide", "floor(x1 / x2)")
mod = _binary(jnp.mod, "mod", "x1 mod x2 (sign of x2)")
power = _binary(jnp.power, "power", "x1 ** x2")
maximum = _binary(jnp.maximum, "maximum", "max(x1, x2)")
minimum = _binary(jnp.minimum, "minimum", "min(x1, x2)")
arctan2 = _binary(jnp.arctan2, "arctan2", "atan2(x1, x2)")
negative = _unary(jnp.negative, "negative", "-x")
absolute = _unary(jnp.absolute, "absolute", "|x|")
abs = _unary(jnp.absolute, "abs", "|x|")
sign = _unary(jnp.sign, "sign", "sign(x) in {-1, 0, 1}")
reciprocal = _unary(jnp.reciprocal, "reciprocal", "1 / x")
square = _unary(jnp.square, "square", "x * x")
sqrt = _unary(jnp.sqrt, "sqrt", "sqrt(x)")
rsqrt = _unary(jax.lax.rsqrt, "rsqrt", "1 / sqrt(x)")

# --- exponentials and logarithms -------------------------------------------------------
exp = _unary(jnp.exp, "exp", "e ** x")
exp2 = _unary(jnp.exp2, "exp2", "2 ** x")
expm1 = _unary(jnp.expm1, "expm1", "e ** x - 1")
log = _unary(jnp.log, "log", "ln(x)")
log1p = _unary(jnp.log1p, "log1p", "ln(1 + x)")
log2 = _unary(jnp.log2, "log2", "log2(x)")
log10 = _unary(jnp.log10, "log10", "log10(x)")
logaddexp = _binary(jnp.logaddexp, "logaddexp", "ln(e ** x1 + e ** x2)")
erf = _unary(jsp.erf, "erf", "erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt")
erfinv = _unary(jsp.erfinv, "erfinv", "erf^-1(x)")

# --- rounding ---------------------------------------------------------------------------
floor = _unary(jnp.floor, "floor", "largest integer <= x")
ceil = _unary(jnp.ceil, "ceil", "smallest integer >= x")
trunc = _unary(jnp.trunc, "trunc", "x rounded towards zero")


@array_args
def round(x: Any, decimals: int = 0) -> jax.Array:
    """``x`` rounded half-to-even to ``decimals`` places; output shape = ``x.shape``."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.integer) and decimals < 0:
        # Integers are rounded in float and cast back, as Keras does.
        factor = jnp.asarray(10.0**decimals, jnp.float32)
        return (jnp.round(x.astype(jnp.float32) * factor) / factor).astype(x.dtype)
    return jnp.round(x, decimals=decimals)


@array_args
def clip(x: Any, x_min: Any, x_max: Any) -> jax.Array:
    """``min(max(x, x_min), x_max)`` elementwise; booleans are clipped as int32."""
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.int32)
    return jnp.clip(x, x_min, x_max)


@array_args
def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> jax.Array:
    """``x`` with NaN -> ``nan`` and +-inf -> ``posinf``/``neginf`` (dtype extremes if None)."""
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# --- trigonometry -----------------------------------------------------------------------
sin = _unary(jnp.sin, "sin", "sin(x)")
cos = _unary(jnp.cos, "cos", "cos(x)")
tan = _unary(jnp.tan, "tan", "tan(x)")
arcsin = _unary(jnp.arcsin, "arcsin", "asin(x)")
arccos = _unary(jnp.arccos, "arccos", "acos(x)")
arctan = _unary(jnp.arctan, "arctan", "atan(x)")
sinh = _unary(jnp.sinh, "sinh", "sinh(x)")
cosh = _unary(jnp.cosh, "cosh", "cosh(x)")
tanh = _unary(jnp.tanh, "tanh", "tanh(x)")
arcsinh = _unary(jnp.arcsinh, "arcsinh", "asinh(x)")
arccosh = _unary(jnp.arccosh, "arccosh", "acosh(x)")
arctanh = _unary(jnp.arctanh, "arctanh", "atanh(x)")

# --- comparisons and logic --------------------------------------------------------------
equal = _binary(jnp.equal, "equal", "x1 == x2")
not_equal = _binary(jnp.not_equal, "not_equal", "x1 != x2")
greater = _binary(jnp.greater, "greater", "x1 > x2")
greater_equal = _binary(jnp.greater_equal, "greater_equal", "x1 >= x2")
less = _binary(jnp.less, "less", "x1 < x2")
less_equal = _binary(jnp.less_equal, "less_equal", "x1 <= x2")
logical_and = _binary(jnp.logical_and, "logical_and", "x1 and x2")
logical_or = _binary(jnp.logical_or, "logical_or", "x1 or x2")
logical_xor = _binary(jnp.logical_xor, "logical_xor", "x1 xor x2")
logical_not = _unary(jnp.logical_not, "logical_not", "not x")
isnan = _unary(jnp.isnan, "isnan", "x is NaN")
isinf = _unary(jnp.isinf, "isinf", "x is +-inf")
isfinite = _unary(jnp.isfinite, "isfinite", "x is neither NaN nor +-inf")


@array_args
def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """``x1`` where ``condition`` else ``x2``, broadcast; given only ``condition``, its indices."""
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition, x1, x2)


@array_args
def divide_no_nan(x1: Any, x2: Any) -> jax.Array:
    """``x1 / x2``, and 0 wherever ``x2 == 0``."""
    x2 = jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, jnp.divide(x1, safe))


erfc = _unary(jsp.erfc, "erfc", "1 - erf(x)")
