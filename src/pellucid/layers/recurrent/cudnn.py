"""``CuDNNLSTM`` / ``CuDNNGRU``: Keras 2 names, kept so old scripts run.

They are LSTM and GRU (GRU with ``reset_after=True``, the cuDNN formula); XLA picks the
kernels, so there is nothing cuDNN-specific left to choose.
"""

from __future__ import annotations

import warnings
from typing import Any

from pellucid.layers.recurrent.gru import GRU
from pellucid.layers.recurrent.lstm import LSTM

__all__ = ["CuDNNGRU", "CuDNNLSTM"]


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is a Keras 2 name; use keras.layers.{new} (same weights and "
                  "formula).", DeprecationWarning, stacklevel=3)


class CuDNNLSTM(LSTM):
    """Deprecated alias of :class:`LSTM`."""

    def __init__(self, units: int, **kwargs: Any):
        _warn("CuDNNLSTM", "LSTM")
        super().__init__(units, **kwargs)


class CuDNNGRU(GRU):
    """Deprecated alias of :class:`GRU` (``reset_after=True``)."""

    def __init__(self, units: int, **kwargs: Any):
        _warn("CuDNNGRU", "GRU")
        kwargs.setdefault("reset_after", True)
        super().__init__(units, **kwargs)
