"""The NumPy family of ops (``keras.ops.numpy``): elementwise math, reductions, shaping,
array creation and products."""

from pellucid.ops.elementwise import (
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, ceil, clip,
    cos, cosh, divide, divide_no_nan, equal, erf, erfc, erfinv, exp, exp2, expm1, floor,
    floor_divide, greater, greater_equal, isfinite, isinf, isnan, less, less_equal, log, log10,
    log1p, log2, logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum, minimum,
    mod, multiply, nan_to_num, negative, not_equal, power, reciprocal, round, rsqrt, sign, sin,
    sinh, sqrt, square, subtract, tan, tanh, true_divide, trunc, where,
)
from pellucid.ops.reduction import (
    all, amax, amin, any, argmax, argmin, argsort, average, count_nonzero, cumprod, cumsum,
    logsumexp, max, mean, median, min, prod, segment_max, segment_sum, sort, std, sum, top_k,
    var,
)
from pellucid.ops.shaping import (
    append, broadcast_to, concatenate, diag, diagonal, expand_dims, flip, get_item, hstack,
    moveaxis, one_hot, pad, ravel, repeat, reshape, roll, scatter, scatter_update, select,
    split, squeeze, stack, swapaxes, take, take_along_axis, tile, transpose, tril, triu,
    unstack, vstack,
)
from pellucid.ops.creation import (
    arange, empty, eye, full, full_like, identity, linspace, meshgrid, ones, ones_like, zeros,
    zeros_like,
)
from pellucid.ops.linalg import (
    cholesky, cross, det, dot, einsum, inner, inv, kron, matmul, norm, outer, qr, solve,
    tensordot, trace, vdot,
)

__all__ = [
    "abs", "absolute", "add", "all", "amax", "amin", "any", "append", "arange", "arccos",
    "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin",
    "argsort", "average", "broadcast_to", "ceil", "cholesky", "clip", "concatenate", "cos",
    "cosh", "count_nonzero", "cross", "cumprod", "cumsum", "det", "diag", "diagonal", "divide",
    "divide_no_nan", "dot", "einsum", "empty", "equal", "erf", "erfc", "erfinv", "exp", "exp2",
    "expand_dims", "expm1", "eye", "flip", "floor", "floor_divide", "full", "full_like",
    "get_item", "greater", "greater_equal", "hstack", "identity", "inner", "inv", "isfinite",
    "isinf", "isnan", "kron", "less", "less_equal", "linspace", "log", "log10", "log1p", "log2",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp",
    "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum", "mod",
    "moveaxis", "multiply", "nan_to_num", "negative", "norm", "not_equal", "one_hot", "ones",
    "ones_like", "outer", "pad", "power", "prod", "qr", "ravel", "reciprocal", "repeat",
    "reshape", "roll", "round", "rsqrt", "scatter", "scatter_update", "segment_max",
    "segment_sum", "select", "sign", "sin", "sinh", "solve", "sort", "split", "sqrt", "square",
    "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan",
    "tanh", "tensordot", "tile", "top_k", "trace", "transpose", "tril", "triu", "true_divide",
    "trunc", "unstack", "var", "vdot", "vstack", "where", "zeros", "zeros_like",
]
