"""MultiHeadAttention: several scaled dot-product attentions over learned projections."""

from __future__ import annotations

import math
import string
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import SeedGenerator
from pellucid.layers import weight_arguments
from pellucid.layers.attention.attention import causal_mask
from pellucid.layers.attention.projection import HeadProjection
from pellucid.layers.dropout import dropout as dropout_op
from pellucid.layers.layer import Layer


def attention_equations(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str]:
    """einsum strings ``(key, query -> scores)`` and ``(scores, value -> output)``.

    ``rank`` is the rank of the projected tensors ``(batch, *axes, heads, head_dim)``. Axes
    that are neither attended over nor ``head_dim`` (batch, heads, ...) are shared by query
    and key; each attended axis gets one letter for the query and one for the key.
    """
    letters = string.ascii_lowercase
    query = letters[:rank]
    extra = iter(letters[rank:])
    shared = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    key = "".join(query[i] if i in shared or i == rank - 1 else next(extra) for i in range(rank))
    scores = ("".join(query[i] for i in shared) + "".join(query[i] for i in attn_axes)
              + "".join(key[i] for i in attn_axes))
    return f"{key},{query}->{scores}", f"{scores},{key}->{query}"


class MultiHeadAttention(Layer):
    """``output = concat_h(softmax(Q_h K_h^T / sqrt(key_dim) + mask) V_h) W_o + b_o``.

    ``Q_h = query W_q[:, h] + b_q[h]`` (likewise ``K_h`` from ``key``, ``V_h`` from
    ``value``; ``key`` defaults to ``value``). The softmax runs over the key positions of
    ``attention_axes`` (default: every axis between batch and features). Masks (all AND-ed,
    True = may attend): ``attention_mask (batch, Tq, Tv)``, ``query_mask`` ``(batch, Tq)``,
    ``value_mask``/``key_mask`` ``(batch, Tv)``, and the causal mask; masked weights are 0.

    Shapes: query ``(batch, Tq, dq)``, value ``(batch, Tv, dv)``, key ``(batch, Tv, dk)`` ->
    ``(batch, Tq, dq)`` (or ``output_shape``); scores ``(batch, heads, Tq, Tv)``.
    Weights (Keras's order): query kernel ``(dq, heads, key_dim)`` + bias ``(heads, key_dim)``,
    key ``(dk, heads, key_dim)`` + bias, value ``(dv, heads, value_dim)`` + bias, output
    ``(heads, value_dim, dq)`` + bias ``(dq,)``.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape: Any = None,
                 attention_axes: Any = None, sliding_window: Any = None,
                 flash_attention: Any = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 use_gate: bool = False, seed: int | None = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"MultiHeadAttention: `{arg}` must be a positive integer, "
                                 f"got {value!r}.")
        if sliding_window is not None or use_gate or flash_attention:
            raise NotImplementedError(
                "MultiHeadAttention: sliding_window, use_gate and flash_attention are not "
                "supported by pellucid."
            )
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim or key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self.output_shape_arg = None
        if output_shape is not None:
            self.output_shape_arg = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.attention_axes = ((attention_axes,) if isinstance(attention_axes, int)
                               else None if attention_axes is None else tuple(attention_axes))
        weight_arguments.store(self, "kernel", kernel_initializer, kernel_regularizer,
                               kernel_constraint)
        weight_arguments.store(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def projection(self, name: str, bound: int, out_dims: tuple[int, ...]) -> HeadProjection:
        return HeadProjection(
            bound, out_dims, self.use_bias, self.kernel_initializer, self.bias_initializer,
            self.kernel_regularizer, self.bias_regularizer, self.kernel_constraint,
            self.bias_constraint, name=name,
        )

    def build(self, query_shape: tuple, value_shape: tuple | None = None,
              key_shape: tuple | None = None) -> None:
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        where = f"Layer {self.name!r} (MultiHeadAttention)"
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{where}: value {tuple(value_shape)} and key {tuple(key_shape)} "
                             "must agree on every axis but the last.")
        if len(query_shape) != len(value_shape):
            raise ValueError(f"{where}: query {tuple(query_shape)} and value "
                             f"{tuple(value_shape)} must have the same rank.")
        heads = self.num_heads
        self.query_dense = self.projection("query", 1, (heads, self.key_dim))
        self.query_dense.build(query_shape)
        self.key_dense = self.projection("key", 1, (heads, self.key_dim))
        self.key_dense.build(key_shape)
        self.value_dense = self.projection("value", 1, (heads, self.value_dim))
        self.value_dense.build(value_shape)
        out_dims = self.output_shape_arg or (query_shape[-1],)
        self.output_dense = self.projection("attention_output", 2, out_dims)
        self.output_dense.build(tuple(query_shape[:-1]) + (heads, self.value_dim))
        rank = len(query_shape) + 1
        self.attn_axes = (tuple(range(1, rank - 2)) if self.attention_axes is None
                          else tuple(a % rank for a in self.attention_axes))
        self.dot_equation, self.combine_equation = attention_equations(rank, self.attn_axes)
        self.built = True

    def _maybe_build(self, inputs: Any) -> None:
        # The base class builds from the first argument only; query, value and key all
        # shape the projections, so build happens in call with every shape at hand.
        return

    def combined_mask(self, query: Any, value: Any, query_mask: Any, value_mask: Any,
                      key_mask: Any, attention_mask: Any, use_causal_mask: bool) -> Any:
        """AND of every mask given, broadcast to ``(batch, Tq, Tv)``; None if none."""
        parts = []
        if query_mask is not None:
            parts.append(jnp.asarray(query_mask, bool)[..., None])
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(jnp.asarray(m, bool)[..., None, :])
        if use_causal_mask:
            parts.append(causal_mask(query.shape[1], value.shape[1]))
        if attention_mask is not None:
            parts.append(jnp.asarray(attention_mask, bool))
        if not parts:
            return None
        combined = parts[0]
        for p in parts[1:]:
            combined = combined & p
        return combined

    def attend(self, query: Any, key: Any, value: Any, mask: Any, training: Any,
               zero_masked_rows: bool = True) -> Any:
        query = query * (1.0 / math.sqrt(float(self.key_dim)))
        scores = jnp.einsum(self.dot_equation, key, query)
        softmax_axes = tuple(range(scores.ndim - len(self.attn_axes), scores.ndim))
        if mask is not None:
            while mask.ndim < scores.ndim:
                mask = jnp.expand_dims(mask, -2 * len(self.attn_axes) - 1)
            scores = jnp.where(mask, scores, -1.0e9)
        weights = jax.nn.softmax(scores, axis=softmax_axes)
        if mask is not None and zero_masked_rows:
            weights = jnp.where(mask, weights, 0.0)
        used = weights
        if training and self.dropout > 0:
            used = dropout_op(weights, self.dropout, None, self.seed_generator)
        return jnp.einsum(self.combine_equation, used, value), weights

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None,
             value_mask: Any = None, key_mask: Any = None, attention_mask: Any = None,
             return_attention_scores: bool = False, training: bool | None = None,
             use_causal_mask: bool = False, mask: Any = None) -> Any:
        key = value if key is None else key
        query_mask = mask if query_mask is None else query_mask
        # Only the first argument's mask reaches ``mask``; in self-attention (value is the
        # query tensor) that mask is also the value's, as Keras would find it on the tensor.
        if value_mask is None and value is query:
            value_mask = mask
        self.check_features(query, value, key)
        if not self.built:
            self.build(query.shape, value.shape, key.shape)
        combined = self.combined_mask(query, value, query_mask, value_mask, key_mask,
                                      attention_mask, use_causal_mask)
        # Keras takes its fused dot-product-attention path (a fully masked query row then
        # averages all values) unless dropout, scores or extra attention axes need the
        # explicit softmax (which zeroes such rows); both behaviours are kept.
        explicit = self.dropout > 0 or return_attention_scores or query.ndim != 3
        outputs, weights = self.attend(self.query_dense(query), self.key_dense(key),
                                       self.value_dense(value), combined, training,
                                       zero_masked_rows=explicit)
        outputs = self.output_dense(outputs)
        return (outputs, weights) if return_attention_scores else outputs

    def check_features(self, query: Any, value: Any, key: Any) -> None:
        if not self.built:
            return
        expected = [("query", self.query_dense, query), ("key", self.key_dense, key),
                    ("value", self.value_dense, value)]
        for role, dense, x in expected:
            if x.shape[-1] != dense.kernel.shape[0]:
                raise ValueError(
                    f"Layer {self.name!r} (MultiHeadAttention) was built for {role} features "
                    f"of size {dense.kernel.shape[0]}, but got {role} of shape {x.shape}."
                )

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_shape_arg,
            "attention_axes": self.attention_axes,
            **weight_arguments.config(self, "kernel", "bias"),
            "seed": self.seed,
        }
