"""The arguments Adam, Adamax and Nadam share (Keras's names and defaults).

``beta_1`` is the decay rate of the running mean of gradients, ``beta_2`` that of the
running second moment (or, for Adamax, of the infinity norm), and ``epsilon`` keeps the
division by it finite. Each subclass supplies its slots and its ``update_one``.
"""

from __future__ import annotations

from typing import Any

from pellucid.optimizers.base import Optimizer


class AdaptiveMoments(Optimizer):
    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
