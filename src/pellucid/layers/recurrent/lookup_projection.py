"""Recurrent inputs looked up in a table: project the table once, look rows up per step.

After an ``Embedding`` a built-in cell's input product is ``x_t @ kernel + bias`` with
``x_t = table[ids_t]``, which equals ``(table @ kernel + bias)[ids_t]``. So the layer
projects the table (one product over its rows, before the loop) and each step looks its
rows up in the projected table instead of multiplying. The values are the same to
float32 rounding (the products' sums may be ordered differently). In training the
lookup's gradient adds each step's gate gradients into rows of the projected table, so
the backward loop also loses two products per step (the input's gradient and the
kernel's); the table's own gradients are two products after the loop.

Measured on XLA's CPU backend (gradient of Embedding(rows, 32) + LSTM(32), batch 100,
50 steps, 5,000 lookups, one core): 10.7-11.1 ms multiplying in the steps against
6.9 ms with 100 table rows, 7.8 ms with 1,000, 11.1 ms with 5,000 and 25.8 ms with
20,000. The table is projected where it has at most half as many rows as there are
lookups (:data:`ROWS_PER_LOOKUP`). ``PELLUCID_RNN_LOOKUP=0`` turns it off; ``=1`` takes
it for every table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from pellucid.layers import lookups
from pellucid.layers.recurrent.base_cell import RecurrentCell
from pellucid.layers.recurrent.step_layout import StepLayout

__all__ = ["ROWS_PER_LOOKUP", "projected_rows", "table_lookup"]

ROWS_PER_LOOKUP = 0.5


def table_lookup(cell: Any, sequences: Any, input_masks: Any) -> lookups.Lookup | None:
    """The table and ids ``sequences`` were looked up from, where ``cell`` should project
    the table instead of the sequences; None otherwise.

    Only without input dropout masks (they differ per looked-up row) and for cells whose
    ``project_inputs`` is the built-in row-by-row product.
    """
    forced = os.environ.get("PELLUCID_RNN_LOOKUP")
    if forced == "0" or input_masks is not None:
        return None
    if getattr(type(cell), "project_inputs", None) is not RecurrentCell.project_inputs:
        return None
    found = lookups.source_of(sequences)
    if found is None:
        return None
    if forced != "1" and found.table.shape[0] > ROWS_PER_LOOKUP * found.ids.size:
        return None
    return found


def projected_rows(table: jax.Array, layout: StepLayout) -> Callable[[jax.Array], jax.Array]:
    """``ids -> table[ids]`` for the projected ``table`` in ``layout`` (feature-major: the
    rows as columns, for one step's ids)."""
    if layout.feature_major:
        columns = table.T
        return lambda ids_t: jnp.take(columns, ids_t, axis=1)
    return lambda ids_t: jnp.take(table, ids_t, axis=0)
