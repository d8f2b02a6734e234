"""Embedding: integer ids to dense vectors by row lookup."""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp

from pellucid import constraints, initializers, regularizers
from pellucid.layers import lookups
from pellucid.layers.layer import Layer

__all__ = ["Embedding"]


class Embedding(Layer):
    """``output[..., :] = embeddings[inputs[...]]``: ids to vectors by row lookup.

    Ids ``(batch, ...)`` give ``(batch, ..., output_dim)``.

    ``embeddings`` has shape ``(input_dim, output_dim)``: ids must lie in
    ``[0, input_dim)``. Parameters: ``input_dim * output_dim``. With ``mask_zero=True`` id 0
    is padding: the output mask is ``inputs != 0`` and later layers (RNNs, losses) skip
    those positions. ``input_length`` (Keras 2) only fixes the input shape.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None,
                 **kwargs: Any):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer, got {value!r}.")
        if lora_rank or quantization_config:
            raise NotImplementedError("Embedding LoRA and quantization are not supported.")
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn("Embedding(input_length=...) is a Keras 2 argument; it only sets "
                          "the input shape here. Prefer keras.Input(shape=(length,)).",
                          DeprecationWarning, stacklevel=2)
        super().__init__(**kwargs)
        if input_length is not None and self._input_shape_arg is None:
            self._input_shape_arg = (kwargs.get("batch_size"), input_length)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, name="embeddings",
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def call(self, inputs: Any) -> jax.Array:
        if not jnp.issubdtype(inputs.dtype, jnp.integer):
            inputs = inputs.astype(jnp.int32)
        table = self.embeddings.value
        outputs = jnp.take(table, inputs, axis=0)
        # A recurrent layer reading these rows projects the table instead (lookups.py).
        lookups.remember(outputs, table, inputs)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return jnp.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": _maybe(regularizers.serialize, self.embeddings_regularizer),
            "activity_regularizer": _maybe(regularizers.serialize, self.activity_regularizer),
            "embeddings_constraint": _maybe(constraints.serialize, self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }


def _maybe(serialize: Any, value: Any) -> Any:
    return None if value is None else serialize(value)
