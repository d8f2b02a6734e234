"""pellucid.ops against keras.ops: same values and dtypes for the same inputs, and every
op accepts pellucid Variables in place of arrays."""

import os

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pellucid import ops  # noqa: E402
from pellucid.backend import StateScope, Variable  # noqa: E402

rng = np.random.default_rng(0)
A = (rng.standard_normal((3, 4)) * 3).astype("float32")
B = (rng.standard_normal((3, 4)) * 3).astype("float32")
M = rng.standard_normal((4, 5)).astype("float32")
S = (rng.standard_normal((4, 4)) + 4 * np.eye(4)).astype("float32")
SPD = (S @ S.T).astype("float32")
P = rng.uniform(0.01, 1.0, (3, 4)).astype("float32")
POS = rng.uniform(0.1, 5.0, (3, 4)).astype("float32")
UNIT = rng.uniform(-0.9, 0.9, (3, 4)).astype("float32")
INTS = rng.integers(-5, 6, (3, 4)).astype("int32")
IDX = np.array([[2, 0, 1, 3], [0, 0, 3, 1], [1, 2, 2, 0]], "int32")
LABELS = np.array([0, 3, 2], "int32")
ONEHOT = np.eye(4, dtype="float32")[LABELS]
BOOL = A > 0
SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, -1.5], "float32")

CASES = [
    ("add", (A, B), {}), ("add", (A, 2.5), {}), ("add", (INTS, 1.5), {}), ("subtract", (A, B), {}),
    ("multiply", (A, B), {}), ("divide", (A, POS), {}), ("divide", (INTS, 2), {}),
    ("true_divide", (A, POS), {}), ("floor_divide", (A, POS), {}), ("mod", (A, POS), {}),
    ("power", (POS, A / 3), {}), ("power", (INTS, 2), {}), ("maximum", (A, B), {}),
    ("minimum", (A, 0.5), {}), ("arctan2", (A, B), {}), ("negative", (A,), {}),
    ("abs", (A,), {}), ("absolute", (INTS,), {}), ("sign", (A,), {}), ("reciprocal", (POS,), {}),
    ("square", (A,), {}), ("sqrt", (POS,), {}), ("sqrt", (np.abs(INTS),), {}),
    ("rsqrt", (POS,), {}),
    ("exp", (A,), {}), ("exp", (INTS,), {}), ("expm1", (A,), {}), ("log", (POS,), {}),
    ("log1p", (POS,), {}), ("log2", (POS,), {}), ("log10", (POS,), {}), ("erf", (A,), {}),
    ("erfinv", (UNIT,), {}), ("floor", (A,), {}), ("ceil", (A,), {}), ("round", (A,), {}),
    ("round", (A,), {"decimals": 1}), ("round", (INTS * 37,), {"decimals": -1}),
    ("clip", (A, -1.0, 2.0), {}), ("clip", (INTS, -2, 3), {}), ("sin", (A,), {}), ("cos", (A,), {}),
    ("tan", (UNIT,), {}), ("arcsin", (UNIT,), {}), ("arccos", (UNIT,), {}),
    ("arctan", (A,), {}), ("sinh", (UNIT,), {}), ("cosh", (UNIT,), {}), ("tanh", (A,), {}),
    ("arcsinh", (A,), {}), ("arccosh", (POS + 1,), {}), ("arctanh", (UNIT,), {}),
    ("equal", (INTS, 0), {}), ("not_equal", (A, B), {}), ("greater", (A, B), {}),
    ("greater_equal", (A, 0.0), {}), ("less", (A, B), {}), ("less_equal", (INTS, 1), {}),
    ("logical_and", (BOOL, B > 0), {}), ("logical_or", (BOOL, B > 0), {}),
    ("logical_xor", (BOOL, B > 0), {}), ("logical_not", (BOOL,), {}),
    ("isnan", (SPECIAL,), {}), ("isinf", (SPECIAL,), {}), ("isfinite", (SPECIAL,), {}),
    ("nan_to_num", (SPECIAL,), {"nan": 2.0}),
    ("where", (BOOL, A, B), {}), ("where", (BOOL, A, 0.0), {}),
    ("sum", (A,), {}), ("sum", (A,), {"axis": 1, "keepdims": True}), ("sum", (INTS,), {"axis": 0}),
    ("mean", (A,), {"axis": 0}), ("mean", (INTS,), {}), ("max", (A,), {"axis": -1}),
    ("min", (A,), {}), ("prod", (POS,), {"axis": 1}), ("std", (A,), {"axis": 1}),
    ("var", (A,), {}), ("var", (INTS,), {"axis": 0}), ("argmax", (A,), {"axis": 1}),
    ("argmin", (A,), {}), ("argsort", (A,), {}), ("any", (BOOL,), {"axis": 0}),
    ("all", (BOOL,), {}), ("count_nonzero", (INTS,), {"axis": 1}), ("cumsum", (A,), {"axis": 1}),
    ("cumsum", (INTS,), {}), ("cumprod", (UNIT,), {"axis": 0}), ("logsumexp", (A,), {"axis": 1}),
    ("sort", (A,), {}), ("sort", (A,), {"axis": 0}), ("median", (A,), {"axis": 1}),
    ("average", (A,), {"axis": 0, "weights": POS[:, 0]}),
    ("reshape", (A, (2, -1)), {}), ("transpose", (A,), {}), ("moveaxis", (A, 0, 1), {}),
    ("swapaxes", (A, 0, 1), {}), ("expand_dims", (A, 1), {}), ("squeeze", (A[:, :1],), {}),
    ("squeeze", (A[None],), {"axis": 0}), ("ravel", (A,), {}), ("broadcast_to", (A[0], (2, 4)), {}),
    ("concatenate", ([A, B],), {"axis": 1}), ("stack", ([A, B],), {"axis": 1}),
    ("append", (A, B), {"axis": 0}), ("hstack", ([A, B],), {}), ("vstack", ([A, B],), {}),
    ("tile", (A, (2, 1)), {}), ("repeat", (A, 2), {"axis": 1}), ("flip", (A,), {"axis": 1}),
    ("roll", (A, 2), {"axis": 1}), ("take", (A, LABELS), {"axis": 1}),
    ("take", (A, IDX), {}), ("take_along_axis", (A, IDX), {"axis": 1}),
    ("pad", (A, ((1, 0), (2, 1))), {}), ("pad", (A, ((1, 1), (0, 2))), {"constant_values": 3.0}),
    ("pad", (A, ((1, 1), (2, 2))), {"mode": "reflect"}),
    ("diag", (S,), {}), ("diag", (A[0],), {"k": 1}), ("diagonal", (A,), {"offset": 1}),
    ("tril", (S,), {}), ("triu", (S,), {"k": 1}), ("one_hot", (LABELS, 5), {}),
    ("one_hot", (LABELS, 4), {"axis": 0}),
    ("zeros", ((2, 3),), {}), ("ones", ((2,),), {"dtype": "int32"}), ("full", ((2, 2), 7.0), {}),
    ("zeros_like", (INTS,), {}), ("ones_like", (A,), {}), ("full_like", (A, 2), {}),
    ("eye", (3,), {}), ("eye", (3, 4), {"k": 1}), ("identity", (3,), {}),
    ("arange", (5,), {}), ("arange", (1, 7, 2), {}), ("arange", (0.0, 1.0, 0.25), {}),
    ("linspace", (0.0, 1.0, 7), {}), ("linspace", (0, 10), {"num": 5, "endpoint": False}),
    ("matmul", (A, M), {}), ("dot", (A, M), {}), ("tensordot", (A, M), {"axes": 1}),
    ("einsum", ("ij,jk->ik", A, M), {}), ("outer", (A[0], B[0]), {}), ("inner", (A, B), {}),
    ("vdot", (A, B), {}), ("kron", (A[:2, :2], B[:2, :2]), {}), ("trace", (S,), {}),
    ("norm", (A,), {}), ("norm", (A,), {"axis": 1}), ("norm", (A,), {"ord": 1, "axis": 0}),
    ("norm", (INTS,), {}), ("inv", (S,), {}), ("det", (S,), {}), ("solve", (S, M), {}),
    ("cholesky", (SPD,), {}), ("cholesky", (SPD,), {"upper": True}),
    ("cast", (A, "int32"), {}), ("cast", (INTS, "float32"), {}), ("convert_to_tensor", (A,), {}),
    ("convert_to_tensor", (1.5,), {}), ("convert_to_tensor", ([1, 2],), {"dtype": "float32"}),
    ("relu", (A,), {}), ("relu6", (A * 3,), {}), ("sigmoid", (A,), {}), ("tanh", (A,), {}),
    ("hard_sigmoid", (A,), {}), ("hard_silu", (A,), {}), ("log_sigmoid", (A,), {}),
    ("sparse_sigmoid", (A,), {}), ("softplus", (A * 10,), {}), ("softsign", (A,), {}),
    ("sparse_plus", (A,), {}), ("silu", (A,), {}), ("swish", (A,), {}), ("selu", (A,), {}),
    ("elu", (A,), {}), ("elu", (A,), {"alpha": 0.5}), ("celu", (A,), {"alpha": 2.0}),
    ("gelu", (A,), {}), ("gelu", (A,), {"approximate": False}), ("leaky_relu", (A,), {}),
    ("leaky_relu", (A,), {"negative_slope": 0.1}), ("squareplus", (A,), {"b": 2}),
    ("tanh_shrink", (A,), {}), ("hard_tanh", (A,), {}), ("soft_shrink", (A,), {}),
    ("hard_shrink", (A,), {"threshold": 1.0}), ("threshold", (A, 0.3, -1.0), {}),
    ("glu", (A,), {}), ("softmax", (A,), {}), ("softmax", (A,), {"axis": 0}),
    ("softmax", (A[None],), {"axis": (1, 2)}), ("log_softmax", (A,), {}),
    ("sparsemax", (A,), {}), ("sparsemax", (A,), {"axis": 0}),
    ("categorical_crossentropy", (ONEHOT, P), {}),
    ("categorical_crossentropy", (ONEHOT, A), {"from_logits": True}),
    ("sparse_categorical_crossentropy", (LABELS, P), {}),
    ("sparse_categorical_crossentropy", (LABELS[:, None], A), {"from_logits": True}),
    ("binary_crossentropy", ((B > 0).astype("float32"), P), {}),
    ("binary_crossentropy", ((B > 0).astype("float32"), A), {"from_logits": True}),
    ("normalize", (A,), {}), ("normalize", (A,), {"axis": 0, "order": 1}),
    ("batch_normalization", (A, P[0], POS[0], 1), {"offset": B[0], "scale": M[:, 0]}),
    ("unstack", (A,), {"axis": 1}), ("divide_no_nan", (A, INTS), {}), ("erfc", (A,), {}),
    ("select", ([A > 1, A < -1], [A, -A]), {"default": 0.5}),
    ("scatter", (np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"),
                 (3, 4)), {}),
    ("scatter_update", (A, np.array([[0, 1], [2, 3]]), np.array([9.0, 8.0], "float32")), {}),
    ("scatter_update", (A, np.array([[0, 1], [2, 3]]), np.array([9.0, 8.0], "float32")),
     {"reduction": "add"}),
    ("segment_sum", (A, np.array([0, 2, 0])), {"num_segments": 3}),
    ("segment_max", (A, np.array([1, 1, 0])), {"num_segments": 2}),
]


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _assert_same(ours, theirs):
    ours, theirs = _as_list(ours), _as_list(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        o, t = np.asarray(o), np.asarray(t)
        assert o.dtype == t.dtype, (o.dtype, t.dtype)
        assert o.shape == t.shape, (o.shape, t.shape)
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)


IDS = [f"{case[0]}-{i}" for i, case in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_keras(case):
    name, args, kwargs = case
    _assert_same(getattr(ops, name)(*args, **kwargs), getattr(keras.ops, name)(*args, **kwargs))


def _to_variables(x):
    if isinstance(x, np.ndarray) and x.dtype != bool:
        return Variable(x)
    if isinstance(x, list):
        return [_to_variables(v) for v in x]
    return x


WITH_ARRAYS = [(i, c) for i, c in zip(IDS, CASES, strict=True)
               if any(isinstance(a, (np.ndarray, list)) for a in c[1])]


@pytest.mark.parametrize("case", [c for _, c in WITH_ARRAYS], ids=[i for i, _ in WITH_ARRAYS])
def test_accepts_variables(case):
    name, args, kwargs = case
    expected = getattr(ops, name)(*args, **kwargs)
    _assert_same(getattr(ops, name)(*[_to_variables(a) for a in args], **kwargs), expected)


def test_variables_inside_jit_read_scope_values():
    var = Variable(np.zeros((4, 5), "float32"))

    @jax.jit
    def f(kernel, x):
        with StateScope({var: kernel}):
            return ops.sum(ops.matmul(x, var), axis=0)

    np.testing.assert_allclose(f(jnp.asarray(M), A), (A @ M).sum(0), rtol=1e-5, atol=1e-5)


def test_top_k_split_moments_shape_match_keras():
    _assert_same(ops.top_k(A, 2), keras.ops.top_k(A, 2))
    _assert_same(ops.split(A, 2, axis=1), keras.ops.split(A, 2, axis=1))
    _assert_same(ops.split(A, [1, 3], axis=1), keras.ops.split(A, [1, 3], axis=1))
    _assert_same(ops.moments(A, axes=[0]), keras.ops.moments(A, axes=[0]))
    _assert_same(ops.moments(A, axes=[1], keepdims=True), keras.ops.moments(A, [1], True))
    half = A.astype("float16")
    _assert_same(ops.moments(half, axes=[0]), keras.ops.moments(half, axes=[0]))
    assert ops.shape(Variable(A)) == keras.ops.shape(A) == (3, 4)
    assert ops.dtype(A) == "float32" and ops.ndim(A) == 2 and ops.size(A) == 12
    assert isinstance(ops.convert_to_numpy(Variable(A)), np.ndarray)


def test_control_flow_matches_keras():
    body = lambda i, s: s + i * 2.0
    assert float(ops.fori_loop(0, 5, body, 1.0)) == float(keras.ops.fori_loop(0, 5, body, 1.0))
    cond, step = (lambda a, b: a < 10), (lambda a, b: (a + 1, b * 2))
    _assert_same(ops.while_loop(cond, step, (0, 1.0)), keras.ops.while_loop(cond, step, (0, 1.0)))
    _assert_same(ops.while_loop(cond, step, (0, 1.0), maximum_iterations=3),
                 keras.ops.while_loop(cond, step, (0, 1.0), maximum_iterations=3))
    cumulative = lambda c, x: (c + x, c * x)
    _assert_same(ops.scan(cumulative, 0.0, A[0]), keras.ops.scan(cumulative, 0.0, A[0]))
    double = lambda r: r * 2
    _assert_same(ops.vectorized_map(double, A), keras.ops.vectorized_map(double, A))
    _assert_same(ops.slice(A, (1, 1), (2, 2)), keras.ops.slice(A, (1, 1), (2, 2)))


def test_qr_reconstructs_and_matches_keras():
    q, r = ops.qr(M.T)
    kq, kr = keras.ops.qr(M.T)
    _assert_same((q, r), (kq, kr))
    np.testing.assert_allclose(q @ r, M.T, atol=1e-5)


def test_crossentropy_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(ONEHOT, P[:, :3])
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(ONEHOT, P[:2])


def test_keras_ops_not_built_raise_not_implemented():
    missing = [n for n in ops.NOT_BUILT if hasattr(keras.ops, n)]
    assert "max_pool" in missing
    with pytest.raises(NotImplementedError, match="max_pool"):
        ops.max_pool  # noqa: B018
    with pytest.raises(AttributeError):
        ops.no_such_op  # noqa: B018


def test_namespaces_hold_the_same_functions():
    assert ops.numpy.matmul is ops.matmul and ops.nn.softmax is ops.softmax
    assert ops.linalg.qr is ops.qr
