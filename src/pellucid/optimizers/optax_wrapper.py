"""An ``optax.GradientTransformation`` behind the optimizer interface.

State: ``{"iteration", "learning_rate", "slots": {}, "optax": tx's own state}``. The update
is ``updates, s = tx.update(grads, s, params)`` then ``w <- w + updates``. The learning
rate is readable and settable only when ``tx`` was built with
``optax.inject_hyperparams`` (it then lives in the optax state); otherwise it is baked
into ``tx`` and reads as NaN. Saved arrays: ``iteration`` then the optax state's leaves.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from pellucid.optimizers.base import Optimizer, State


def _hyperparams(opt_state: Any) -> dict | None:
    found = getattr(opt_state, "hyperparams", None)
    if isinstance(found, dict):
        return found
    if isinstance(opt_state, tuple):
        for part in opt_state:
            found = _hyperparams(part)
            if found is not None:
                return found
    return None


class OptaxOptimizer(Optimizer):
    """Wraps ``tx``; clipping and weight decay belong to ``tx`` itself."""

    def __init__(self, tx: optax.GradientTransformation, name: str | None = None):
        super().__init__(learning_rate=float("nan"), name=name or "optax")
        self.tx = tx

    def init(self, params: list) -> State:
        params = [jnp.asarray(getattr(p, "value", p)) for p in params]
        inner = self.tx.init(params)
        hyper = _hyperparams(inner) or {}
        rate = hyper.get("learning_rate", jnp.nan)
        return {"iteration": jnp.zeros((), jnp.int32),
                "learning_rate": jnp.asarray(rate, jnp.float32), "slots": {}, "optax": inner}

    def update(self, grads: list, state: State, params: list) -> tuple[list, State]:
        params = [jnp.asarray(getattr(p, "value", p)) for p in params]
        grads = [jnp.zeros_like(w) if g is None else jnp.asarray(g)
                 for g, w in zip(grads, params, strict=True)]
        inner = state["optax"]
        hyper = _hyperparams(inner)
        if hyper is not None and "learning_rate" in hyper:
            # The rate in `state["learning_rate"]` wins, so a callback's change takes effect.
            hyper["learning_rate"] = state["learning_rate"].astype(
                jnp.asarray(hyper["learning_rate"]).dtype)
        updates, inner = self.tx.update(grads, inner, params)
        new_params = optax.apply_updates(params, updates)
        hyper = _hyperparams(inner) or {}
        rate = hyper.get("learning_rate", state["learning_rate"])
        return list(new_params), {"iteration": state["iteration"] + 1,
                                  "learning_rate": jnp.asarray(rate, jnp.float32),
                                  "slots": {}, "optax": inner}

    @property
    def learning_rate(self) -> float:
        return float("nan") if self.state is None else float(self.state["learning_rate"])

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if self.state is None or np.isnan(float(self.state["learning_rate"])):
            raise TypeError(
                "This optax transformation has its learning rate built in. Wrap it with "
                "`optax.inject_hyperparams(optax.adam)(learning_rate=...)` to change the "
                "rate during training."
            )
        self.state = {**self.state, "learning_rate": jnp.asarray(value, jnp.float32)}

    def saved_variables(self, state: State | None = None) -> list[np.ndarray]:
        state = self._require_state(state)
        leaves = jax.tree_util.tree_leaves(state["optax"])
        return [np.asarray(state["iteration"])] + [np.asarray(x) for x in leaves]

    def load_saved_variables(self, state_or_arrays: Any, arrays: list | None = None) -> State:
        own = arrays is None
        state = self._require_state(None if own else state_or_arrays)
        arrays = list(state_or_arrays if own else arrays)
        leaves, treedef = jax.tree_util.tree_flatten(state["optax"])
        if len(arrays) != len(leaves) + 1:
            raise ValueError(f"Expected {len(leaves) + 1} saved arrays, got {len(arrays)}.")
        inner = treedef.unflatten(
            [jnp.asarray(a, jnp.asarray(x).dtype) for a, x in zip(arrays[1:], leaves, strict=True)])
        hyper = _hyperparams(inner) or {}
        new = {**state, "iteration": jnp.asarray(arrays[0], jnp.int32), "optax": inner,
               "learning_rate": jnp.asarray(hyper.get("learning_rate", jnp.nan), jnp.float32)}
        if own:
            self.state = new
        return new

    def get_config(self) -> dict:
        raise NotImplementedError(
            "An optax GradientTransformation has no Keras config; it cannot be serialized."
        )
