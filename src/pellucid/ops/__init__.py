"""``pellucid.ops``: pure functions with Keras op names over jax.numpy.

All ops accept pellucid Variables, NumPy arrays, Python scalars and JAX arrays, and
return JAX arrays. ``ops.numpy``, ``ops.nn`` and ``ops.linalg`` hold the same functions
grouped by family, as in Keras.
"""

from pellucid.ops import core, linalg, nn, numpy  # noqa: F401  (linalg: re-exported)

# Each family module owns its list of names; the top level is their union, as in keras.ops.
from pellucid.ops.core import *  # noqa: F403
from pellucid.ops.nn import *  # noqa: F403
from pellucid.ops.numpy import *  # noqa: F403

__all__ = sorted({*core.__all__, *nn.__all__, *numpy.__all__, "linalg", "nn", "numpy"})

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
