"""What ``compile(loss=..., loss_weights=..., metrics=...)`` means for each model output.

Resolves the user's loss and metric specs (one for all outputs, a list in output order,
or a dict by output name) once the output and target shapes are known, and provides the
pure functions the jitted step uses: the weighted total loss and the metric updates.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import losses as losses_module
from pellucid import metrics as metrics_module


def _per_output(spec: Any, names: list[str], what: str) -> list[Any]:
    """One entry per output from a single value, a list in output order, or a dict."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"compile({what}=...) names unknown outputs {unknown}; the model's "
                             f"outputs are {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and n > 1 and len(spec) == n:
        return list(spec)
    if isinstance(spec, (list, tuple)) and n > 1 and what != "metrics":
        raise ValueError(f"compile({what}=...) got {len(spec)} entries for {n} outputs {names}.")
    return [spec] * n


def _as_loss(spec: Any) -> Any:
    """A Loss object: plain functions ``f(y_true, y_pred)`` get Keras's reduction around them."""
    found = losses_module.get(spec)
    if isinstance(found, losses_module.Loss):
        return found
    return losses_module.LossFunctionWrapper(found)


def _read_only_host_copy(value: Any) -> np.ndarray:
    copy = np.array(value)
    copy.flags.writeable = False
    return copy


class CompiledLossesAndMetrics:
    """Per-output losses, loss weights and metrics, resolved lazily from shapes."""

    def __init__(self, loss: Any, loss_weights: Any, metrics: Any, weighted_metrics: Any):
        self.loss_spec = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.built = False
        self._initial_states: dict | None = None

    def build(self, output_names: list[str], out_structs: list[Any],
              y_batch: list[Any] | None) -> None:
        if self.built:
            return
        n = len(output_names)
        self.output_names = output_names
        loss_specs = _per_output(self.loss_spec, output_names, "loss")
        self.loss_fns = [None if s is None else _as_loss(s) for s in loss_specs]
        weights = self.loss_weights_spec
        self.loss_weights = [1.0] * n if weights is None else [
            1.0 if w is None else float(w) for w in _per_output(weights, output_names,
                                                                "loss_weights")]
        self.metrics: list[list[tuple[str, Any, bool]]] = [[] for _ in range(n)]
        for spec, weighted in ((self.metrics_spec, False), (self.weighted_metrics_spec, True)):
            if spec is None:
                continue
            for i, entry in enumerate(_per_output(spec, output_names, "metrics")):
                if entry is None:
                    continue
                for ident in entry if isinstance(entry, (list, tuple)) else [entry]:
                    y_shape = None if y_batch is None else tuple(y_batch[i].shape)
                    metric = metrics_module.resolve(ident, loss_specs[i], y_shape,
                                                    tuple(out_structs[i].shape))
                    name = metric.name if n == 1 else f"{output_names[i]}_{metric.name}"
                    self.metrics[i].append((name, metric, weighted))
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_loss_trackers = [metrics_module.Mean(name=f"{name}_loss")
                                     for name in output_names] if n > 1 else []
        self.built = True

    def is_sparse_loss(self, i: int) -> bool:
        fn = self.loss_fns[i]
        name = getattr(fn, "name", None) or getattr(fn, "__name__", "")
        return "sparse" in str(name)

    # --- pure parts used inside the jitted steps ------------------------------------------
    def losses(self, ys: list | None, outputs: list, sample_weights: list | None,
               masks: list) -> tuple[Any, list]:
        total = jnp.zeros((), jnp.float32)
        per_output = []
        for i, out in enumerate(outputs):
            fn = self.loss_fns[i]
            if fn is None or ys is None:
                per_output.append(jnp.zeros((), jnp.float32))
                continue
            sw = None if sample_weights is None else sample_weights[i]
            value = fn(ys[i], out, sample_weight=sw, mask=masks[i])
            per_output.append(value)
            total = total + self.loss_weights[i] * value
        return total, per_output

    def init_metric_states(self) -> dict:
        """Every tracker's and metric's starting state, as read-only host arrays.

        Made once: a jitted step takes host arrays with its other arguments at a few
        microseconds each, where putting each on the device first cost 0.1 ms or more,
        which ``fit``, ``evaluate`` and ``train_on_batch`` paid at every call.
        """
        if self._initial_states is None:
            states = {"loss": self.loss_tracker.init_state()}
            for tracker in self.output_loss_trackers:
                states[tracker.name] = tracker.init_state()
            for entries in self.metrics:
                for name, metric, _ in entries:
                    states[name] = metric.init_state()
            self._initial_states = jax.tree_util.tree_map(_read_only_host_copy, states)
        # New containers, so that a caller's changes to them do not reach the next call.
        return jax.tree_util.tree_map(lambda a: a, self._initial_states)

    def update_metrics(self, states: dict, batch: tuple, outputs: list, masks: list,
                       total: Any, per_output: list) -> dict:
        x, ys, sws = batch
        batch_size = jax.tree_util.tree_leaves(x)[0].shape[0]
        states = dict(states)
        states["loss"] = self.loss_tracker.update(states["loss"], total, sample_weight=batch_size)
        for tracker, value in zip(self.output_loss_trackers, per_output, strict=False):
            states[tracker.name] = tracker.update(states[tracker.name], value,
                                                  sample_weight=batch_size)
        if ys is None:
            return states
        for i, entries in enumerate(self.metrics):
            for name, metric, weighted in entries:
                weight = masks[i]
                if weighted and sws is not None:
                    weight = sws[i] if weight is None else weight * _expand_to(sws[i], weight)
                states[name] = metric.update(states[name], ys[i], outputs[i],
                                             sample_weight=weight)
        return states

    def compute_metrics(self, states: dict) -> dict:
        logs = {"loss": self.loss_tracker.compute(states["loss"])}
        for tracker in self.output_loss_trackers:
            logs[tracker.name] = tracker.compute(states[tracker.name])
        for entries in self.metrics:
            for name, metric, _ in entries:
                logs[name] = metric.compute(states[name])
        return logs

    def metric_names(self) -> list[str]:
        if not self.built:
            return ["loss"]
        names = ["loss"] + [t.name for t in self.output_loss_trackers]
        for entries in self.metrics:
            names.extend(name for name, _, _ in entries)
        return names


def _expand_to(weights: Any, like: Any) -> Any:
    while weights.ndim < like.ndim:
        weights = weights[..., None]
    return weights
