"""TimeDistributed and Bidirectional: layers that run another layer in a new way."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers.input_spec import InputSpec
from pellucid.layers.layer import Layer
from pellucid.ops import softmax_crossentropy

__all__ = ["Bidirectional", "TimeDistributed"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class TimeDistributed(Layer):
    """Apply ``layer`` to every timestep: ``output[:, t] = layer(inputs[:, t])``.

    Input ``(batch, timesteps, *rest)``; the layer sees ``(batch * timesteps, *rest)`` in a
    single call (batch and time merged, then split back), so the same weights serve every
    step and nothing loops in Python. Output ``(batch, timesteps, *layer_output[1:])``.
    For a Dense layer this equals Dense on the 3-D input; for Conv2D on frames it is the
    only way. The mask ``(batch, timesteps)`` passes through.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, layer: Layer, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"TimeDistributed wraps a layer instance; got {layer!r}."
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True
        self.input_spec = InputSpec(
            min_ndim=3, hint="TimeDistributed needs (batch, timesteps, ...) inputs.")

    def build(self, input_shape: tuple) -> None:
        child = (None if input_shape[0] is None or input_shape[1] is None
                 else input_shape[0] * input_shape[1],) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer.build(child)
            self.layer._build_shapes = child
            self.layer.built = True

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        batch, steps = inputs.shape[:2]
        merged = jnp.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs: dict[str, Any] = {}
        params = self.layer._call_params
        if "training" in params and training is not None:
            kwargs["training"] = training
        if mask is not None:
            if tuple(mask.shape[:2]) != (batch, steps):
                raise ValueError(
                    f"Layer {self.name!r} (TimeDistributed) got a mask of shape "
                    f"{tuple(mask.shape)}; its first two axes must be (batch, timesteps) = "
                    f"{(batch, steps)}."
                )
            if "mask" in params:
                kwargs["mask"] = jnp.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        outputs, _ = self.layer.call_with_masks((merged,), kwargs, None)

        def split_steps(y: jax.Array) -> jax.Array:
            out = jnp.reshape(y, (batch, steps) + tuple(y.shape[1:]))
            softmax_crossentropy.remember_reshaped(out, y)
            return out

        return jax.tree_util.tree_map(split_steps, outputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> TimeDistributed:
        config = dict(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        return super().from_config(config)


class Bidirectional(Layer):
    """Run an RNN forwards and a copy of it backwards over time, then merge.

    ``y_f = forward(x)``, ``y_b = backward(x)`` (``go_backwards=True``, its sequence
    flipped back so step t lines up with step t); output ``concat([y_f, y_b], -1)``
    (``merge_mode="concat"``), ``y_f + y_b`` ("sum"), ``y_f * y_b`` ("mul"),
    ``(y_f + y_b) / 2`` ("ave") or ``[y_f, y_b]`` (None). ``return_state`` appends the
    forward states then the backward states. Weights: forward then backward.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Layer | None = None, **kwargs: Any):
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(
                f"Bidirectional wraps an RNN layer (LSTM, GRU, SimpleRNN, RNN); got {layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: merge_mode must be one of {_MERGE_MODES}; got {merge_mode!r}."
            )
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, f"forward_{_strip(layer.name, 'forward_')}",
                                    layer.go_backwards)
        if backward_layer is None:
            backward_layer = _clone(layer, f"backward_{_strip(layer.name, 'backward_')}",
                                    not layer.go_backwards)
        self.backward_layer = backward_layer
        self._check_pair()
        for rnn in (self.forward_layer, self.backward_layer):
            # Keras zeroes masked outputs of both directions when returning sequences,
            # so padding never leaks into the merged output.
            if hasattr(rnn, "zero_output_for_mask"):
                rnn.zero_output_for_mask = rnn.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights = weights

    def _check_pair(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Bidirectional: the forward and backward layers must have different "
                f"`go_backwards`; both have {fwd.go_backwards}."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    f"Bidirectional: forward and backward layers must agree on `{attr}`; got "
                    f"{getattr(fwd, attr)} and {getattr(bwd, attr)}."
                )

    def build(self, input_shape: tuple) -> None:
        for rnn in (self.forward_layer, self.backward_layer):
            if not rnn.built:
                rnn.build(input_shape)
                rnn._build_shapes = input_shape
                rnn.built = True
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool | None = None) -> Any:
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self._run(self.forward_layer, sequences, forward_state, mask, training)
        y_rev = self._run(self.backward_layer, sequences, backward_state, mask, training)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output: Any = jnp.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output if self.merge_mode is None else (output,)) + tuple(states)
        return output

    @staticmethod
    def _run(rnn: Layer, sequences: Any, state: Any, mask: Any, training: Any) -> Any:
        kwargs: dict[str, Any] = {}
        if state is not None:
            kwargs["initial_state"] = list(state)
        if mask is not None:
            kwargs["mask"] = mask
        if training is not None:
            kwargs["training"] = training
        return rnn.call_with_masks((sequences,), kwargs, None)[0]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        outputs = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            n_states = len(self.forward_layer.state_size) * 2
            return outputs + [None] * n_states
        return outputs if self.merge_mode is None else output_mask

    def reset_state(self) -> None:
        if not self.stateful:
            raise AttributeError(f"Layer {self.name!r} (Bidirectional) is not stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    @property
    def states(self) -> Any:
        fwd, bwd = self.forward_layer.states, self.backward_layer.states
        return tuple(fwd + bwd) if fwd and bwd else None

    def get_config(self) -> dict:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": _serialize(self.forward_layer),
                "backward_layer": _serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Bidirectional:
        config = dict(config)
        config["layer"] = _deserialize(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _deserialize(config["backward_layer"], custom_objects)
        return super().from_config(config)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _clone(layer: Layer, name: str, go_backwards: bool) -> Layer:
    """A fresh, unbuilt copy of an RNN layer from its config (as Keras does)."""
    config = {**layer.get_config(), "name": name, "go_backwards": go_backwards}
    cell = getattr(layer, "cell", None)
    if "cell" in config and cell is not None:
        config["cell"] = _clone_cell(cell)
    return type(layer).from_config(config)


def _clone_cell(cell: Any) -> Any:
    cells = getattr(cell, "cells", None)
    if cells is not None:
        return type(cell)([_clone_cell(c) for c in cells])
    return type(cell).from_config(cell.get_config())


def _serialize(layer: Layer) -> Any:
    from pellucid.layers.recurrent.rnn import _serialize as serialize  # noqa: PLC0415

    return serialize(layer)


def _deserialize(config: Any, custom_objects: dict | None) -> Layer:
    if isinstance(config, Layer):
        return config
    from pellucid.saving.serialization import deserialize_keras_object  # noqa: PLC0415

    return deserialize_keras_object(config, custom_objects=custom_objects)
