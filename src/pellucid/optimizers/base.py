"""The optimizer base: a pure ``init``/``update`` pair with Keras's eager API on top.

State (a pytree, jittable)::

    {"iteration": int32[],          # number of updates applied so far
     "learning_rate": float32[],    # the rate for the next update
     "slots": {name: [one array per parameter, same shape as it]}}

plus ``"extra"`` for optimizers with per-optimizer scalars (Nadam's ``u_product``).

One ``update`` does what Keras's ``apply`` does, in Keras's order: unscale the gradients
by ``loss_scale_factor``; clip them (``clipnorm`` | ``clipvalue`` | ``global_clipnorm``);
decay the weights, ``w <- w - w * weight_decay * lr``; apply the rule of the subclass to
each parameter; count the iteration. ``lr`` is the learning rate at the current
iteration (a schedule is evaluated at ``iteration``, the count before this update).

A subclass states its slots (:meth:`slot_groups`) and its rule for one parameter
(:meth:`update_one`); everything else is shared.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend import Variable, host_zeros, to_snake_case, unique_name, unwrap
from pellucid.backend.device import compiler_options
from pellucid.optimizers import schedules
from pellucid.optimizers.clipping import clip_gradients

State = dict[str, Any]

_KERAS_MODULE = "keras.optimizers"


class Optimizer:
    """Base class. Subclasses call ``super().__init__(learning_rate=..., **kwargs)``."""

    def __init__(
        self,
        learning_rate: Any,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        if "lr" in kwargs:
            warnings.warn(
                "The argument `lr` is deprecated; use `learning_rate` instead.",
                DeprecationWarning,
                stacklevel=3,
            )
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            # Keras 3 ignores `decay` with a warning; say what gives the old behaviour.
            warnings.warn(
                "Argument `decay` is no longer supported and is ignored. Keras 2's "
                "`lr / (1 + decay * iteration)` is `optimizers.schedules.InverseTimeDecay("
                "initial_learning_rate=lr, decay_steps=1, decay_rate=decay)` passed as "
                "`learning_rate`."
            )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if use_ema:
            raise NotImplementedError(
                "`use_ema=True` (exponential moving average of the weights) is not "
                "implemented in pellucid optimizers."
            )
        if gradient_accumulation_steps:
            raise NotImplementedError(
                "`gradient_accumulation_steps` is not implemented in pellucid optimizers."
            )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        if not (callable(learning_rate) or _is_number(learning_rate)):
            raise ValueError(
                "Argument `learning_rate` should be a float, a LearningRateSchedule or a "
                f"callable. Received: learning_rate={learning_rate!r}"
            )
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._learning_rate = (
            learning_rate if callable(learning_rate) else float(unwrap(learning_rate))
        )
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.state: State | None = None
        self.built = False
        self._variables: list[Variable] = []
        self._decay_mask: tuple[bool, ...] | None = None
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern | None = None
        self._compiled_update: Any = None

    # --- what a subclass states -----------------------------------------------------
    def slot_groups(self) -> list[tuple[tuple[str, ...], float]]:
        """Slots in Keras's creation order: ``[(names, initial value), ...]``.

        Names in one group are created interleaved per parameter (Adam's m_0, v_0, m_1,
        v_1, ...), groups one after another; this is the order of ``optimizer/vars``.
        """
        return []

    def update_one(
        self, g: jax.Array, w: jax.Array, slots: dict, lr: jax.Array, step: jax.Array, ctx: dict
    ) -> tuple[jax.Array, dict]:
        """One parameter's rule: ``(grad, weight, its slots, lr, t = iteration + 1, ctx)``
        -> ``(new weight, new slots)``; all arrays have the weight's shape and dtype."""
        raise NotImplementedError

    def init_extra(self, params: list[jax.Array]) -> dict:
        """Scalars kept for the whole optimizer (saved after the slots)."""
        return {}

    def step_extra(self, extra: dict, step: jax.Array) -> tuple[dict, dict]:
        """``(ctx passed to every update_one, new extra)`` for the update numbered ``step``."""
        return {}, extra

    # --- the functional core ----------------------------------------------------------
    def init(self, params: list) -> State:
        """Fresh state for ``params`` (arrays or Variables)."""
        params = [jnp.asarray(unwrap(p)) for p in params]
        # Filled on the host (jnp.full compiles a program per parameter shape) and sent in
        # one transfer (each device_put call costs about as much as a small program).
        filled = {
            name: [np.full(p.shape, value, p.dtype) for p in params]
            for names, value in self.slot_groups()
            for name in names
        }
        slots = jax.device_put(filled)
        iteration = host_zeros((), np.int32)
        state: State = {
            "iteration": iteration,
            "learning_rate": self._rate_for(iteration, None),
            "slots": slots,
        }
        extra = self.init_extra(params)
        if extra:
            state["extra"] = extra
        return state

    def update(self, grads: list, state: State, params: list) -> tuple[list, State]:
        """One step: ``(grads, state, params) -> (new_params, new_state)``, pure.

        ``grads[i]`` may be ``None``: that parameter and its slots stay as they are.
        """
        iteration = state["iteration"]
        lr = self._rate_for(iteration, state["learning_rate"])
        grads = [None if g is None else jnp.asarray(g) for g in grads]
        if self.loss_scale_factor is not None:
            grads = [None if g is None else g / self.loss_scale_factor for g in grads]
        grads = clip_gradients(grads, self.clipnorm, self.clipvalue, self.global_clipnorm)
        params = [jnp.asarray(unwrap(p)) for p in params]
        if self.weight_decay is not None:
            params = [
                w if g is None or not self._decays(i)
                else w - w * jnp.asarray(self.weight_decay, w.dtype) * lr.astype(w.dtype)
                for i, (g, w) in enumerate(zip(grads, params, strict=True))
            ]
        step = iteration + 1
        ctx, extra = self.step_extra(state.get("extra", {}), step)
        slots = {name: list(values) for name, values in state["slots"].items()}
        new_params = []
        for i, (g, w) in enumerate(zip(grads, params, strict=True)):
            if g is None:
                new_params.append(w)
                continue
            own = {name: values[i] for name, values in slots.items()}
            w, own = self.update_one(
                g.astype(w.dtype), w, own, lr.astype(w.dtype), step.astype(w.dtype), ctx
            )
            new_params.append(w)
            for name, value in own.items():
                slots[name][i] = value
        new_state: State = {
            "iteration": step,
            "learning_rate": jnp.asarray(self._rate_for(step, state["learning_rate"]),
                                         jnp.float32),
            "slots": slots,
        }
        if extra:
            new_state["extra"] = extra
        return new_params, new_state

    def _rate_for(self, iteration: jax.Array, stored: Any) -> jax.Array:
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            return jnp.asarray(rate(iteration), jnp.float32)
        if callable(rate):
            return jnp.asarray(rate(), jnp.float32)
        if stored is None and isinstance(rate, (int, float, np.number)):
            return jax.device_put(np.float32(rate))  # a transfer: jnp.asarray compiles
        return jnp.asarray(rate if stored is None else stored, jnp.float32)

    def _decays(self, index: int) -> bool:
        return self._decay_mask is None or self._decay_mask[index]

    # --- the Keras eager API ----------------------------------------------------------
    def build(self, variables: list) -> None:
        """Create the state for ``variables`` (pellucid Variables)."""
        if self.built:
            return
        self._variables = list(variables)
        self._decay_mask = tuple(self._variable_decays(v) for v in self._variables)
        self.state = self.init([unwrap(v) for v in self._variables])
        self.built = True

    def apply_gradients(self, grads_and_vars: Any) -> Variable:
        """Keras's ``apply_gradients(zip(grads, variables))``; returns ``iterations``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads: list, trainable_variables: list | None = None) -> None:
        """Update Variables in place from ``grads`` (one per variable, ``None`` allowed)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already "
                    "be built on a list of variables. Call `optimizer.build(variables)`."
                )
            trainable_variables = self._variables
        trainable_variables = list(trainable_variables)
        self.build(trainable_variables)
        index = {id(v): i for i, v in enumerate(self._variables)}
        unknown = [v for v in trainable_variables if id(v) not in index]
        if unknown:
            raise ValueError(
                f"Unknown variable {getattr(unknown[0], 'path', unknown[0])!r}: this "
                "optimizer was built for a different list of variables."
            )
        full: list = [None] * len(self._variables)
        for g, v in zip(grads, trainable_variables, strict=True):
            full[index[id(v)]] = None if g is None else unwrap(g)
        if self._compiled_update is None:
            self._compiled_update = jax.jit(self.update, compiler_options=compiler_options())
        params = [v.value for v in self._variables]
        new_params, self.state = self._compiled_update(full, self.state, params)
        for g, v in zip(grads, trainable_variables, strict=True):
            if g is None:
                continue
            v.assign(new_params[index[id(v)]])
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.value))

    def exclude_from_weight_decay(
        self, var_list: list | None = None, var_names: list[str] | None = None
    ) -> None:
        """Skip weight decay for these variables, or variables whose name matches."""
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the "
                "optimizer is built."
            )
        self._exclude_ids = {id(v) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(var_names)) if var_names else None

    def _variable_decays(self, variable: Any) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        name = getattr(variable, "name", "")
        return not (self._exclude_pattern is not None and self._exclude_pattern.search(name))

    @property
    def iterations(self) -> Variable:
        """Updates applied so far, as a (snapshot) int32 Variable like Keras's."""
        value = 0 if self.state is None else self.state["iteration"]
        return Variable(jnp.asarray(value, jnp.int32), trainable=False, name="iteration",
                        path=f"{self.name}/iteration")

    @property
    def learning_rate(self) -> float:
        """The rate the next update will use (a schedule is evaluated at ``iterations``)."""
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            return float(rate(int(self.iterations)))
        if callable(rate):
            return float(rate())
        if self.state is not None:
            return float(self.state["learning_rate"])
        return float(np.float32(rate))

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if callable(value):
            self._learning_rate = value
            self._compiled_update = None
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` as its "
                "`learning_rate`, so its rate cannot be set to a number. Create the "
                "optimizer with a float `learning_rate` to change it during training."
            )
        self._learning_rate = float(np.asarray(unwrap(value)))
        if self.state is not None:
            self.state = {**self.state,
                          "learning_rate": jnp.asarray(self._learning_rate, jnp.float32)}

    # --- saving in Keras's `optimizer/vars/N` order ----------------------------------
    def _layout(self, state: State) -> list[tuple[str, ...]]:
        """Where each saved array lives in ``state``, in Keras's variable order."""
        out: list[tuple[str, ...]] = [("iteration",)]
        if not callable(self._learning_rate):
            out.append(("learning_rate",))
        count = len(next(iter(state["slots"].values()), []))
        for names, _ in self.slot_groups():
            out += [("slots", name, i) for i in range(count) for name in names]
        out += [("extra", key) for key in state.get("extra", {})]
        return out

    def saved_variables(self, state: State | None = None) -> list[np.ndarray]:
        """The state as NumPy arrays in the order Keras saves ``optimizer/vars``."""
        state = self._require_state(state)
        return [np.asarray(_read(state, where)) for where in self._layout(state)]

    def load_saved_variables(self, state_or_arrays: Any, arrays: list | None = None) -> State:
        """Load arrays saved in Keras's order.

        ``load_saved_variables(arrays)`` loads into (and replaces) ``self.state``;
        ``load_saved_variables(state, arrays)`` returns a new state shaped like ``state``.
        """
        own = arrays is None
        state = self._require_state(None if own else state_or_arrays)
        arrays = list(state_or_arrays if own else arrays)
        layout = self._layout(state)
        if len(arrays) != len(layout):
            raise ValueError(
                f"Optimizer {self.name!r} expects {len(layout)} saved arrays "
                f"(iteration, learning rate if not a schedule, slots), got {len(arrays)}."
            )
        new = {**state, "slots": {k: list(v) for k, v in state["slots"].items()},
               "extra": dict(state.get("extra", {}))}
        olds = [_read(state, where) for where in layout]
        host = [np.asarray(value, old.dtype).reshape(old.shape)
                for value, old in zip(arrays, olds, strict=True)]
        for where, value in zip(layout, jax.device_put(host, may_alias=False), strict=True):
            _write(new, where, value)
        if not new["extra"]:
            del new["extra"]
        if own:
            self.state = new
            if "learning_rate" in dict.fromkeys(w[0] for w in layout):
                self._learning_rate = float(new["learning_rate"])
        return new

    @property
    def variables(self) -> list[Variable]:
        """Snapshots of the state as Variables, in Keras's order and with its names."""
        if self.state is None:
            return []
        names = [getattr(v, "name", f"variable_{i}") for i, v in enumerate(self._variables)]
        out = []
        for where, value in zip(self._layout(self.state), self.saved_variables(), strict=True):
            label = where[1] if where[0] == "slots" else where[-1]
            if where[0] == "slots":
                label = f"{names[where[2]] if where[2] < len(names) else where[2]}_{label}"
            out.append(Variable(value, trainable=False, name=label, path=f"{self.name}/{label}"))
        return out

    def _require_state(self, state: State | None) -> State:
        if state is None:
            state = self.state
        if state is None:
            raise ValueError(
                f"Optimizer {self.name!r} has no state yet: call `build(variables)` or "
                "`init(params)` first."
            )
        return state

    # --- configuration --------------------------------------------------------------
    def get_config(self) -> dict:
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = schedules.serialize(rate)
        elif not callable(rate):
            rate = float(np.float32(self.learning_rate))
        return {
            "name": self.name,
            "learning_rate": rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def serialize(self) -> dict:
        """Keras's serialized form ``{"module", "class_name", "config", "registered_name"}``."""
        return {"module": _KERAS_MODULE, "class_name": type(self).__name__,
                "config": self.get_config(), "registered_name": None}

    def finalize_variable_values(self, var_list: list) -> None:
        """Keras hook for EMA weights; nothing to do without EMA."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate:g}>"


def _is_number(x: Any) -> bool:
    x = unwrap(x)
    return isinstance(x, (int, float, np.number)) or (hasattr(x, "shape") and x.shape == ())


def _read(state: State, where: tuple) -> Any:
    if where[0] == "slots":
        return state["slots"][where[1]][where[2]]
    if where[0] == "extra":
        return state["extra"][where[1]]
    return state[where[0]]


def _write(state: State, where: tuple, value: Any) -> None:
    if where[0] == "slots":
        state["slots"][where[1]][where[2]] = value
    elif where[0] == "extra":
        state["extra"][where[1]] = value
    else:
        state[where[0]] = value
