"""Variables: named, mutable holders of arrays with a trainable / non-trainable role.

A layer's math is written against ``Variable`` objects (``ops.matmul(x, self.kernel)``).
Outside a :class:`StateScope` a variable reads its stored array. Inside one (as in the
jitted training step) it reads the value the scope maps it to, usually a traced array,
and ``assign`` records the new value in the scope instead of mutating the variable. That
is what lets one pure function of (trainable values, non-trainable values, batch, key)
run the very same layer code.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


class _ThreadScopes(threading.local):
    """Each thread's stack of active :class:`StateScope` objects."""

    def __init__(self) -> None:
        self.scopes: list[StateScope] = []


_local = _ThreadScopes()

# Bumped whenever a layer's sub-layers or variables, or a variable's role, may have
# changed (see ``structure_version``).
_structure = [0]


def structure_version() -> int:
    """A number that changes whenever a layer's sub-layers, its variables or a variable's
    ``trainable`` flag may have changed: lists derived from them (a model's
    ``trainable_weights``) stay valid while it is the same. Collected at every call, those
    lists cost a walk over every layer (``model(x)`` on a 50-layer model spent 1.6 of its
    2 ms there)."""
    return _structure[0]


def structure_changed() -> None:
    """Marks every list derived from the layers' structure as stale."""
    _structure[0] += 1


def _scopes() -> list[StateScope]:
    return _local.scopes


class StateScope:
    """Maps variables to stand-in values and records assignments, while active.

    ``values`` is a dict ``{variable: array}``. After the scope, ``updates`` holds
    ``{variable: new_array}`` for every variable assigned inside it.
    """

    def __init__(self, values: dict[Variable, Any] | None = None):
        self.values = {id(v): val for v, val in (values or {}).items()}
        self.updates: dict[int, tuple[Variable, Any]] = {}

    def get(self, variable: Variable) -> Any:
        key = id(variable)
        if key in self.updates:
            return self.updates[key][1]
        return self.values.get(key, None)

    def assign(self, variable: Variable, value: Any) -> None:
        self.updates[id(variable)] = (variable, value)

    def new_values(self) -> dict[Variable, Any]:
        return {var: val for var, val in self.updates.values()}

    def __enter__(self) -> StateScope:
        _scopes().append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _scopes().pop()


def current_scope() -> StateScope | None:
    scopes = _scopes()
    return scopes[-1] if scopes else None


class Variable:
    """A named array with a role.

    Args:
        value: initial array (anything ``jnp.asarray`` takes).
        trainable: whether gradients update it (``layer.trainable_weights``).
        name: short name, e.g. ``"kernel"``; ``path`` adds the owner, ``"dense/kernel"``.
        regularizer, constraint: optional callables applied by the training step.
    """

    def __init__(
        self,
        value: Any,
        trainable: bool = True,
        name: str = "variable",
        dtype: Any = None,
        path: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
    ):
        self._value = jnp.asarray(value, dtype=dtype)
        self._trainable = trainable
        self.name = name
        self.path = path or name
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = value
        structure_changed()  # it moves between trainable and non-trainable weights

    # --- reading -----------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        # Read for every weight at every call of a model: outside any scope (a call on
        # arrays) it costs one attribute lookup.
        scopes = _local.scopes
        if scopes:
            for scope in reversed(scopes):
                found = scope.get(self)
                if found is not None:
                    return found
        return self._value

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> Any:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numpy(self) -> np.ndarray:
        return np.array(self.value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self.value)
        return arr.astype(dtype) if dtype is not None else arr

    def __jax_array__(self) -> jax.Array:
        return self.value

    # --- writing -----------------------------------------------------------------
    def assign(self, value: Any) -> None:
        value = jnp.asarray(value, dtype=self.dtype)
        if value.shape != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to variable {self.path!r} "
                f"of shape {self.shape}."
            )
        scope = current_scope()
        if scope is not None:
            scope.assign(self, value)
        else:
            self._value = value

    def assign_add(self, delta: Any) -> None:
        self.assign(self.value + delta)

    def assign_sub(self, delta: Any) -> None:
        self.assign(self.value - delta)

    def __repr__(self) -> str:
        role = "trainable" if self.trainable else "non-trainable"
        return f"<Variable {self.path} shape={self.shape} dtype={self.dtype} {role}>"

    # --- arithmetic reads the value, so ``x @ layer.kernel + layer.bias`` works ------
    def __getitem__(self, idx: Any) -> jax.Array:
        return self.value[idx]

    def __len__(self) -> int:
        return self.shape[0]

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __neg__(self) -> jax.Array:
        return -self.value

    def __pos__(self) -> jax.Array:
        return self.value

    def __abs__(self) -> jax.Array:
        return abs(self.value)

    @property
    def T(self) -> jax.Array:
        return self.value.T


def _binary(op: str, reflected: bool = False):
    def method(self: Variable, other: Any) -> Any:
        other = other.value if isinstance(other, Variable) else other
        a, b = (other, self.value) if reflected else (self.value, other)
        return getattr(jnp, op)(a, b)

    return method


for _name, _op in {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
    "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
}.items():
    setattr(Variable, f"__{_name}__", _binary(_op))
    if _name not in {"lt", "le", "gt", "ge"}:
        setattr(Variable, f"__r{_name}__", _binary(_op, reflected=True))


def assign_all(variables: Sequence[Variable], values: Sequence[Any]) -> None:
    """``variable.assign(value)`` for each pair, the host values sent in one transfer.

    In JAX 0.10 on a CPU each ``device_put`` call costs 0.1-0.6 ms, about as much as
    running a small program, while one call for many arrays costs little more than one
    for a single array; a model's ``set_weights`` or a weights file assigns dozens or
    hundreds at once. The values are copied (``may_alias=False``), so changing the
    caller's NumPy array afterwards leaves the variable as it was.
    """
    values = list(values)
    if current_scope() is None:
        host = [i for i, value in enumerate(values) if not isinstance(value, jax.Array)]
        arrays = [np.asarray(values[i], dtype=variables[i].dtype) for i in host]
        for i, array in zip(host, jax.device_put(arrays, may_alias=False), strict=True):
            values[i] = array
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def unwrap(x: Any) -> Any:
    """The array behind a Variable; anything else unchanged."""
    return x.value if isinstance(x, Variable) else x
