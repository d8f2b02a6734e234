"""Flatten: merge every axis but the batch axis into one."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from pellucid.layers.layer import Layer


class Flatten(Layer):
    """``(batch, d1, ..., dn) -> (batch, d1 * ... * dn)``.

    After Flatten, a Dense connects every output to every input position: on a sequence
    it mixes all steps (unlike Dense applied to the sequence directly).
    ``data_format="channels_first"`` moves the channels axis last before flattening.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}
