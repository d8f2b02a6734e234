"""Which input entries share one random mask in training (Dropout, SpatialDropout, ...).

Measured, not looked up: the subject runs with ``training=True`` on a batch of two samples
under many random keys. In each draw an input entry is *cut* when no output depends on it
(its Jacobian column is zero). Entries whose cut/kept decisions agree in every draw share
one mask value. This reads Dropout layers, ``noise_shape``, SpatialDropout and the
``dropout=`` argument of a recurrent layer alike.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.backend import RandomScope
from pellucid.explain.subject import Subject, as_numpy, run_mapped

SAMPLES = 2
DRAWS = 48


def cut_patterns(subject: Subject, input_index: int = 0, draws: int = DRAWS,
                 seed: int = 0) -> np.ndarray:
    """Boolean ``(draws, SAMPLES, *input_shape)``: True where the entry was cut."""
    shape = subject.input_shapes[input_index]
    if not jnp.issubdtype(jnp.dtype(subject.input_dtypes[input_index]), jnp.floating):
        raise ValueError(
            f"Input {input_index} holds integers (tokens); masks are measured on float "
            "inputs. Explain the layer after the Embedding instead."
        )

    values = subject.random_weights(jax.random.PRNGKey(seed))
    inputs = subject.random_inputs(jax.random.PRNGKey(seed + 1), batch=SAMPLES)

    def one_draw(key: Any, values: list, inputs: list) -> Any:
        def f(x: Any) -> Any:
            xs = list(inputs)
            xs[input_index] = x
            with RandomScope(key):
                outs = subject.apply(values, xs, training=True)
            return jnp.concatenate([o.reshape(-1) for o in outs])

        jac = jax.jacrev(f)(inputs[input_index])
        return ~(jnp.abs(jac.reshape(-1, SAMPLES, *shape)) > 0).any(axis=0)

    keys = jax.random.split(jax.random.PRNGKey(seed + 2), draws)
    return as_numpy(run_mapped(one_draw, (0, None, None), keys, values, inputs))


def mask_groups(cuts: np.ndarray) -> np.ndarray:
    """Integer labels of shape ``(SAMPLES, *input_shape)``: entries with the same label
    share one mask draw; -1 marks entries never cut (no randomness reaches them)."""
    draws = cuts.shape[0]
    flat = cuts.reshape(draws, -1).T
    labels = np.full(flat.shape[0], -1)
    seen: dict[bytes, int] = {}
    for i, column in enumerate(flat):
        if not column.any():
            continue
        labels[i] = seen.setdefault(column.tobytes(), len(seen))
    return labels.reshape(cuts.shape[1:])


def shared_axes(groups: np.ndarray) -> list[int]:
    """Axes of ``groups`` (0 = sample) along which one draw is shared by all entries."""
    if (groups < 0).all():
        return []
    return [a for a in range(groups.ndim)
            if (groups == np.take(groups, [0], axis=a)).all()]
