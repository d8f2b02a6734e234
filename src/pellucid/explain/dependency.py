"""Dependency maps measured from the real function.

``dependency_map(subject, i, o)[out_index + in_index]`` is True exactly where output
element ``out_index`` of output ``o`` changes with input element ``in_index`` of input
``i`` (batch excluded). It is the support of the Jacobian of a batch-1 call at random
weights and random inputs, OR-ed over several draws so that an accidental zero (a ReLU
that happens to be off) does not hide a connection. A derivative sees only the branch taken
at the point measured: max pooling's gradient reaches one entry of each window. So each
float input element is also raised in turn far above the others, and the outputs that
move are marked too (every entry of a window can become its max). Integer inputs (tokens)
have no derivative; for them each element is changed in turn in the same way.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend.device import compiler_options
from pellucid.explain.subject import Subject, as_numpy, map_draws

DRAWS = 6
# Draws of the one-element-at-a-time measurement (one forward pass per input element each).
PERTURBATION_DRAWS = 2
RAISE_CHUNK = 64
# Operations whose derivative follows only the branch taken (a max, a sort, a choice).
SELECTING = {"max", "min", "reduce_max", "reduce_min", "argmax", "argmin", "reduce_window_max",
             "reduce_window_min", "reduce_window", "sort", "top_k", "cummax", "cummin"}
# Beyond this many Jacobian entries the map would not fit comfortably in memory.
MAX_ENTRIES = 50_000_000


def dependency_map(subject: Subject, input_index: int = 0, output_index: int = 0,
                   draws: int = DRAWS, seed: int = 0) -> np.ndarray:
    """Boolean array of shape ``output_shape + input_shape`` (both batch excluded)."""
    _check_index(subject, input_index, output_index)
    in_shape = subject.input_shapes[input_index]
    out_shape = subject.output_shapes[output_index]
    entries = int(np.prod(in_shape)) * int(np.prod(out_shape))
    if entries > MAX_ENTRIES:
        raise ValueError(
            f"The dependency map would have {entries:,} entries ({out_shape} outputs x "
            f"{in_shape} inputs). Explain with a smaller input_shape (e.g. fewer steps or "
            "pixels): the structure is the same at any size."
        )
    keys = jax.random.split(jax.random.PRNGKey(seed), draws)
    dtype = jnp.dtype(subject.input_dtypes[input_index])
    if jnp.issubdtype(dtype, jnp.floating):
        found = _jacobian_support(subject, input_index, output_index, keys)
        if _selects(subject):
            found |= _raise_one_support(subject, input_index, output_index,
                                        keys[:PERTURBATION_DRAWS])
    else:
        found = _perturbation_support(subject, input_index, output_index, keys)
    return found.reshape(out_shape + in_shape)


def _check_index(subject: Subject, input_index: int, output_index: int) -> None:
    if not 0 <= input_index < len(subject.input_shapes):
        raise IndexError(
            f"input_index={input_index}, but there are {len(subject.input_shapes)} input(s)."
        )
    if not 0 <= output_index < len(subject.output_shapes):
        raise IndexError(
            f"output_index={output_index}, but there are {len(subject.output_shapes)} "
            "output(s)."
        )


def _jacobian_support(subject: Subject, i: int, o: int, keys: Any) -> np.ndarray:
    def one_draw(values: list, inputs: list) -> Any:
        def f(x: Any) -> Any:
            xs = list(inputs)
            xs[i] = x
            return subject.apply(values, xs)[o][0].reshape(-1)

        n_in, n_out = inputs[i][0].size, int(np.prod(subject.output_shapes[o]))
        jac = jax.jacfwd(f) if n_in <= n_out else jax.jacrev(f)
        return jnp.abs(jac(inputs[i]).reshape(n_out, n_in)) > 0

    return as_numpy(map_draws(one_draw, keys, subject)).any(axis=0)


def _selects(subject: Subject) -> bool:
    """Whether the measured function contains a selecting operation (see SELECTING)."""
    values = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in subject.weights]
    inputs = [jax.ShapeDtypeStruct((1,) + s, d)
              for s, d in zip(subject.input_shapes, subject.input_dtypes, strict=True)]
    jaxpr = jax.make_jaxpr(subject.apply)(values, inputs).jaxpr

    def walk(jp: Any) -> bool:
        for eqn in jp.eqns:
            if eqn.primitive.name in SELECTING:
                return True
            for param in eqn.params.values():
                inner = getattr(param, "jaxpr", param)
                if hasattr(inner, "eqns") and walk(inner):
                    return True
        return False

    return walk(jaxpr)


def _raise_one_support(subject: Subject, i: int, o: int, keys: Any) -> np.ndarray:
    """For float inputs: set each element in turn well above every other one (the
    largest magnitude plus 3) and see which outputs move. Elements go through in chunks
    (``lax.map``), so memory stays that of a few calls."""

    def moved(values: list, inputs: list) -> Any:
        flat = inputs[i].reshape(-1)
        high = jnp.max(jnp.abs(flat)) + 3.0

        def run(e: Any) -> Any:
            # e == flat.size changes nothing: the baseline, from the very same program,
            # since two compilations of one function may differ in the last bit.
            xs = list(inputs)
            xs[i] = flat.at[e].set(high, mode="drop").reshape(inputs[i].shape)
            return subject.apply(values, xs)[o][0].reshape(-1)

        return _moved_from_last(jax.lax.map(run, jnp.arange(flat.size + 1),
                                            batch_size=RAISE_CHUNK))

    # Draws run one after another through one compiled program: batching them over the
    # weights as well multiplies XLA's compile time for little gain.
    measure = jax.jit(moved, compiler_options=compiler_options())
    found = [as_numpy(measure(subject.random_weights(k), subject.random_inputs(k)))
             for k in keys]
    return np.logical_or.reduce(found)


def _perturbation_support(subject: Subject, i: int, o: int, keys: Any) -> np.ndarray:
    """For token inputs: flip each element 0 <-> 1 in turn and see which outputs move."""

    def one_draw(values: list, inputs: list) -> Any:
        flat = inputs[i].reshape(-1)

        def run(e: Any) -> Any:
            # e == flat.size changes nothing: the baseline, from the same batched call.
            changed = flat.at[e].set(1 - flat[e], mode="drop").reshape(inputs[i].shape)
            xs = list(inputs)
            xs[i] = changed
            return subject.apply(values, xs)[o][0].reshape(-1)

        return _moved_from_last(jax.vmap(run)(jnp.arange(flat.size + 1)))

    return as_numpy(map_draws(one_draw, keys, subject)).any(axis=0)


def _moved_from_last(outs: jax.Array) -> jax.Array:
    """``moved[out, e]``: whether changing element ``e`` moved output ``out``, from
    ``outs[e]`` (one row per changed element, the unchanged baseline last). The baseline
    comes from the very program that computed the others: a GPU picks kernels by batch
    size, so a separate call may differ in the last bit everywhere."""
    base = outs[-1]
    return (jnp.abs(outs[:-1] - base) > 1e-6 * (1.0 + jnp.abs(base))).T


def weight_reach(subject: Subject, output_index: int = 0, seed: int = 0,
                 draws: int = 2) -> dict[str, np.ndarray]:
    """For each weight: boolean ``output_shape + weight_shape``, True where that output
    element depends on that weight entry. Keys are weight paths (or names)."""
    out_shape = subject.output_shapes[output_index]
    n_out = int(np.prod(out_shape))
    floats = [jnp.issubdtype(jnp.dtype(w.dtype), jnp.floating) for w in subject.weights]
    n_weights = sum(int(np.prod(w.shape)) for w, ok in zip(subject.weights, floats,
                                                            strict=True) if ok)

    def one_draw(values: list, inputs: list) -> list:
        fixed = [v for v, ok in zip(values, floats, strict=True) if not ok]

        def f(free: list) -> Any:
            it, rest = iter(free), iter(fixed)
            merged = [next(it) if ok else next(rest) for ok in floats]
            return subject.apply(merged, inputs)[output_index][0].reshape(-1)

        free = [v for v, ok in zip(values, floats, strict=True) if ok]
        jac = jax.jacfwd(f) if n_weights <= n_out else jax.jacrev(f)
        return [jnp.abs(j.reshape(n_out, -1)) > 0 for j in jac(free)]

    keys = jax.random.split(jax.random.PRNGKey(seed + 7), draws)
    hits = [as_numpy(h).any(axis=0) for h in map_draws(one_draw, keys, subject)]
    it = iter(hits)
    return {label: (next(it) if ok else np.zeros((n_out, int(np.prod(w.shape))),
                                                          bool)).reshape(out_shape + w.shape)
            for label, w, ok in zip(weight_labels(subject.weights), subject.weights, floats,
                                    strict=True)}


def weight_label(variable: Any) -> str:
    """``dense/kernel`` style label of a weight (its path, else its name)."""
    return getattr(variable, "path", None) or variable.name


def weight_labels(weights: list) -> list[str]:
    """Labels of ``weights``: their paths, unique within a model as in Keras
    (``lstm/lstm_cell/kernel``, ``lstm_1/lstm_cell/kernel``)."""
    return [weight_label(w) for w in weights]
