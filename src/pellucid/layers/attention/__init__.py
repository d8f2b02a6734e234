"""Attention layers: Luong (dot), Bahdanau (additive) and multi-head attention."""

from pellucid.layers.attention.attention import AdditiveAttention, Attention
from pellucid.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]
