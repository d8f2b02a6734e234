"""``predict``: the forward pass jitted once per model, applied batch by batch."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.training import data as data_lib


def _forward_fn(model: Any) -> Any:
    fn = getattr(model, "_predict_fn", None)
    if fn is None:
        def forward(trainable: list, non_trainable: list, x: Any) -> tuple[Any, list]:
            outputs, _, new_nt, _ = model.pure_forward(trainable, non_trainable, x, False,
                                                       jax.random.PRNGKey(0))
            return outputs, new_nt

        fn = jax.jit(forward)
        model._predict_fn = fn
    return fn


def _structure_input(model: Any, xs: list) -> Any:
    structure = getattr(model, "_input_structure", None)
    if isinstance(structure, dict):
        return dict(zip(model.input_names, xs, strict=True))
    if isinstance(structure, (list, tuple)) or len(xs) > 1:
        return list(xs)
    return xs[0]


def _ensure_built(model: Any, xs: list) -> None:
    if model.built and (not hasattr(model, "_stack") or model._symbolic_outputs):
        return
    from pellucid.training.trainer import _build_model  # noqa: PLC0415

    _build_model(model, _structure_input(model, [jnp.asarray(a[:1]) for a in xs]))


def predict_on_batch(model: Any, x: Any) -> Any:
    names = getattr(model, "input_names", None) or ["input"]
    xs = data_lib.flatten_by_names(x, list(names), "input")
    return _run(model, xs)


def _run(model: Any, xs: list) -> Any:
    _ensure_built(model, xs)
    t_vars, nt_vars = model.trainable_weights, model.non_trainable_state()
    outputs, new_nt = _forward_fn(model)([v.value for v in t_vars], [v.value for v in nt_vars],
                                         _structure_input(model, [jnp.asarray(a) for a in xs]))
    for v, val in zip(nt_vars, new_nt, strict=True):
        v._value = val
    return jax.tree_util.tree_map(np.asarray, outputs)


def predict(model: Any, x: Any, batch_size: int | None = None, verbose: Any = "auto",
            steps: int | None = None, callbacks: Any = None) -> Any:
    """Outputs for all of ``x``, concatenated over batches (NumPy arrays)."""
    from pellucid import callbacks as callbacks_module  # noqa: PLC0415

    batch_size = batch_size or 32
    verbose = 1 if verbose == "auto" else verbose
    if data_lib.is_iterable_source(x):
        batches = (data_lib.unpack_batch(b)[0] for b in data_lib.IterableData(x, steps).epoch())
        names = getattr(model, "input_names", None) or ["input"]
        batch_list = [data_lib.flatten_by_names(b, list(names), "input") for b in batches]
        n_steps = len(batch_list)
    else:
        names = getattr(model, "input_names", None) or ["input"]
        xs = data_lib.flatten_by_names(x, list(names), "input")
        n = xs[0].shape[0]
        n_steps = steps or max(1, math.ceil(n / batch_size))
        batch_list = [[a[i * batch_size:(i + 1) * batch_size] for a in xs]
                      for i in range(n_steps)]
    cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=model,
                                        verbose=verbose, epochs=1, steps=n_steps)
    cbs.on_predict_begin()
    results = []
    for i, batch in enumerate(batch_list):
        cbs.on_predict_batch_begin(i)
        results.append(_run(model, batch))
        cbs.on_predict_batch_end(i, {})
    cbs.on_predict_end()
    return jax.tree_util.tree_map(lambda *parts: np.concatenate(parts, axis=0), *results)
