"""Attention (Luong, dot-product) and AdditiveAttention (Bahdanau)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from pellucid.backend import SeedGenerator
from pellucid.layers.dropout import dropout as dropout_op
from pellucid.layers.layer import Layer

# Masked scores are lowered by this much rather than set to -inf, as in Keras, so a row
# with every key masked still gives a finite (uniform) distribution.
_MASK_PENALTY = 1.0e9


def causal_mask(steps_q: int, steps_v: int) -> jax.Array:
    """``(1, Tq, Tv)`` booleans: query ``i`` may look at keys ``j <= i``."""
    return jnp.tril(jnp.ones((steps_q, steps_v), bool))[None]


class Attention(Layer):
    """Dot-product attention over ``[query, value]`` or ``[query, value, key]``.

    ``scores[b, i, j] = scale * <query[b, i], key[b, j]>`` ('dot') or
    ``concat_score_weight * sum(tanh(scale * (query[b, i] + key[b, j])))`` ('concat');
    ``weights = softmax_j(scores - 1e9 * (1 - mask))``; ``output = weights @ value``.
    ``mask = [query_mask, value_mask]``: masked keys get no weight, masked query rows give 0.
    ``use_causal_mask`` also hides keys ``j > i``. ``key`` defaults to ``value``.

    Shapes: query ``(batch, Tq, dim)``, value/key ``(batch, Tv, dim)`` -> ``(batch, Tq, dim)``;
    with ``return_attention_scores`` also the weights ``(batch, Tq, Tv)``.
    Weights: ``scale`` ``()`` if ``use_scale``, ``concat_score_weight`` ``()`` for 'concat'.
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{type(self).__name__}: `score_mode` must be 'dot' or 'concat', got "
                f"{score_mode!r}."
            )
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be in [0, 1], got {dropout}.")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.scale = self.concat_score_weight = None

    def check_inputs(self, shapes: Any) -> None:
        where = f"Layer {self.name!r} ({type(self).__name__})"
        if not isinstance(shapes, (list, tuple)) or len(shapes) not in (2, 3):
            raise ValueError(f"{where} expects [query, value] or [query, value, key], "
                             f"got {shapes}.")
        shapes = [tuple(s) for s in shapes]
        if any(len(s) != 3 for s in shapes):
            raise ValueError(f"{where} expects rank-3 inputs (batch, steps, dim); got {shapes}.")
        if shapes[0][-1] != shapes[-1][-1]:
            raise ValueError(f"{where}: query and key feature sizes differ: {shapes}.")
        if shapes[1][1] != shapes[-1][1]:
            raise ValueError(f"{where}: value and key step counts differ: {shapes}.")

    def build(self, input_shape: Any) -> None:
        self.check_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")
        self.built = True

    def scores(self, query: Any, key: Any) -> Any:
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale.value
        pairs = query[:, :, None, :] + key[:, None, :, :]
        if self.scale is not None:
            pairs = self.scale.value * pairs
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(pairs), axis=-1)

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None,
             return_attention_scores: bool = False, use_causal_mask: bool = False) -> Any:
        self.check_inputs([x.shape for x in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (list(mask) + [None, None])[:2] if mask else (None, None)
        scores = self.scores(query, key)
        keep = None if value_mask is None else jnp.asarray(value_mask, bool)[:, None, :]
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = jnp.where(keep, scores, scores - _MASK_PENALTY)
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = dropout_op(weights, self.dropout, None, self.seed_generator)
        outputs = jnp.matmul(weights, value)
        if query_mask is not None:
            outputs = jnp.where(jnp.asarray(query_mask, bool)[..., None], outputs, 0)
        return (outputs, weights) if return_attention_scores else outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not mask or mask[0] is None:
            return None
        return mask[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Bahdanau attention: ``scores[b, i, j] = sum_d scale_d * tanh(query[b,i,d] + key[b,j,d])``.

    Everything after the scores (masks, softmax, dropout, ``weights @ value``) is as in
    :class:`Attention`. Weight: ``scale`` ``(dim,)`` (glorot-uniform) if ``use_scale``.
    The classic form ``v^T tanh(W1 q + W2 k)`` is this layer after two Dense projections.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self.check_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform", name="scale")
        self.built = True

    def scores(self, query: Any, key: Any) -> Any:
        terms = jnp.tanh(query[:, :, None, :] + key[:, None, :, :])
        if self.scale is not None:
            terms = self.scale.value * terms
        return jnp.sum(terms, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
