"""Normalization layers: batch, layer, group and unit normalization."""

from pellucid.layers.normalization.batch_normalization import BatchNormalization
from pellucid.layers.normalization.group_normalization import GroupNormalization
from pellucid.layers.normalization.layer_normalization import LayerNormalization
from pellucid.layers.normalization.unit_normalization import UnitNormalization

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization",
           "UnitNormalization"]
