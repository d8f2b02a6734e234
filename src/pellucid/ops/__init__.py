"""``pellucid.ops``: pure functions with Keras op names over jax.numpy.

All ops accept pellucid Variables, NumPy arrays, Python scalars and JAX arrays, and
return JAX arrays. ``ops.numpy``, ``ops.nn`` and ``ops.linalg`` hold the same functions
grouped by family, as in Keras.
"""

from pellucid.ops import linalg, nn, numpy
from pellucid.ops.core import (
    cast, cond, convert_to_numpy, convert_to_tensor, dtype, fori_loop, is_tensor, map, ndim,
    scan, shape, size, slice, slice_update, stop_gradient, vectorized_map, while_loop,
)
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
from pellucid.ops.nn import (
    batch_normalization, binary_crossentropy, categorical_crossentropy, celu, elu, gelu, glu,
    hard_shrink, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu, log_sigmoid,
    log_softmax, mish, moments, normalize, relu, relu6, selu, sigmoid, silu, soft_shrink,
    softmax, softplus, softsign, sparse_categorical_crossentropy, sparse_plus, sparse_sigmoid,
    sparsemax, squareplus, swish, tanh_shrink, threshold,
)

__all__ = [
    "abs", "absolute", "add", "all", "amax", "amin", "any", "append", "arange", "arccos",
    "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin",
    "argsort", "average", "batch_normalization", "binary_crossentropy", "broadcast_to", "cast",
    "categorical_crossentropy", "ceil", "celu", "cholesky", "clip", "concatenate", "cond",
    "convert_to_numpy", "convert_to_tensor", "cos", "cosh", "count_nonzero", "cross", "cumprod",
    "cumsum", "det", "diag", "diagonal", "divide", "divide_no_nan", "dot", "dtype", "einsum",
    "elu", "empty", "equal", "erf", "erfc", "erfinv", "exp", "exp2", "expand_dims", "expm1",
    "eye", "flip", "floor", "floor_divide", "fori_loop", "full", "full_like", "gelu",
    "get_item", "glu", "greater", "greater_equal", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "hstack", "identity", "inner", "inv", "is_tensor", "isfinite",
    "isinf", "isnan", "kron", "leaky_relu", "less", "less_equal", "linalg", "linspace", "log",
    "log10", "log1p", "log2", "log_sigmoid", "log_softmax", "logaddexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logsumexp", "map", "matmul", "max", "maximum",
    "mean", "median", "meshgrid", "min", "minimum", "mish", "mod", "moments", "moveaxis",
    "multiply", "nan_to_num", "ndim", "negative", "nn", "norm", "normalize", "not_equal",
    "numpy", "one_hot", "ones", "ones_like", "outer", "pad", "power", "prod", "qr", "ravel",
    "reciprocal", "relu", "relu6", "repeat", "reshape", "roll", "round", "rsqrt", "scan",
    "scatter", "scatter_update", "segment_max", "segment_sum", "select", "selu", "shape",
    "sigmoid", "sign", "silu", "sin", "sinh", "size", "slice", "slice_update", "soft_shrink",
    "softmax", "softplus", "softsign", "solve", "sort", "sparse_categorical_crossentropy",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "split", "sqrt", "square", "squareplus",
    "squeeze", "stack", "std", "stop_gradient", "subtract", "sum", "swapaxes", "swish", "take",
    "take_along_axis", "tan", "tanh", "tanh_shrink", "tensordot", "threshold", "tile", "top_k",
    "trace", "transpose", "tril", "triu", "true_divide", "trunc", "unstack", "var", "vdot",
    "vectorized_map", "vstack", "where", "while_loop", "zeros", "zeros_like",
]

# Keras op names pellucid does not provide yet: asking for one says so plainly instead
# of an AttributeError that reads like a typo.
NOT_BUILT = [
    "adaptive_average_pool", "adaptive_max_pool", "allclose", "angle", "argpartition", "array",
    "array_split", "associative_scan", "average_pool", "bartlett", "bincount", "bitwise_and",
    "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "blackman", "cbrt", "cdist", "cholesky_inverse", "conj", "conjugate",
    "conv_transpose", "copy", "corrcoef", "correlate", "ctc_decode", "ctc_loss",
    "custom_gradient", "deg2rad", "depth_to_space", "depthwise_conv", "diagflat", "diff",
    "digitize", "dot_product_attention", "dsplit", "dstack", "eig", "eigh", "empty_like",
    "extract_sequences", "fabs", "fft", "fft2", "fliplr", "flipud", "fmax", "fmin", "fmod",
    "fold", "gcd", "geomspace", "hamming", "hanning", "heaviside", "histogram", "hsplit",
    "hypot", "i0", "ifft2", "imag", "in_top_k", "irfft", "isclose", "isin", "isneginf",
    "isposinf", "isreal", "istft", "jvp", "kaiser", "layer_normalization", "lcm", "ldexp",
    "left_shift", "logaddexp2", "logdet", "logspace", "lstsq", "lu_factor", "matrix_rank",
    "max_pool", "multi_hot", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax",
    "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd",
    "nansum", "nanvar", "nextafter", "nonzero", "percentile", "pinv", "polar", "psnr", "ptp",
    "quantile", "rad2deg", "real", "rearrange", "rfft", "right_shift", "rms_normalization",
    "rot90", "saturate_cast", "searchsorted", "segment_min", "segment_prod", "separable_conv",
    "signbit", "sinc", "slogdet", "solve_triangular", "space_to_depth", "stft", "svd", "switch",
    "trapezoid", "tri", "unfold", "unique", "unravel_index", "vander", "vectorize", "view",
    "view_as_complex", "view_as_real", "vsplit",
]


def __getattr__(name: str) -> object:
    if name in NOT_BUILT:
        raise NotImplementedError(
            f"keras.ops.{name} is not implemented in pellucid.ops yet. "
            "Write it with jax.numpy inside your layer, or use a related op that exists."
        )
    raise AttributeError(f"module 'pellucid.ops' has no attribute {name!r}")
