"""``model(x)`` on arrays, in inference: the model's jitted forward pass, as ``predict`` runs.

Called op by op, a model with a recurrent layer compiled the layer's loop again at every
call (JAX's eager ``lax.scan`` compiles a program for each new trace of its body): an
``LSTM(32)`` over 30 steps took 46 ms per ``model(x)`` against 0.5 ms for
``predict_on_batch``. Keras users call ``model(x)`` in loops (generating a sequence step
by step, an agent choosing actions), so an eager call of a model runs the one program
``predict`` compiles per input shape, with the weights passed in, and returns JAX arrays
as the eager call does. The values are the same to float32 rounding.

It applies only where nothing can tell the difference: pellucid's own layers (user code
may branch on values or print, which a traced program would do once), training off, no
activity regularizers (their losses are collected per call), arrays given, and outside
any trace or pure-function scope. Everything else runs op by op, as before.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from pellucid import backend
from pellucid.backend.random import in_random_scope
from pellucid.layers.eager_program import own_layer_tree
from pellucid.models.model import Model

NOT_APPLICABLE = object()


def run(model: Any, args: tuple, kwargs: dict) -> Any:
    """The outputs of ``model(*args, **kwargs)`` from its jitted forward pass, or
    :data:`NOT_APPLICABLE` where that call must run op by op."""
    if not _applies(model, args, kwargs):
        return NOT_APPLICABLE
    from pellucid.training.data import for_one_call  # noqa: PLC0415
    from pellucid.training.inference import run_forward  # noqa: PLC0415

    outputs = run_forward(model, jax.tree_util.tree_map(for_one_call, args[0]))
    model._clear_call_losses()
    return outputs


def _applies(model: Any, args: tuple, kwargs: dict) -> bool:
    if len(args) != 1 or set(kwargs) - {"training"} or kwargs.get("training"):
        return False
    if backend.training_flag() or backend.current_scope() is not None \
            or in_random_scope():
        return False
    leaves = jax.tree_util.tree_leaves(args[0])
    if not leaves or not all(isinstance(a, (np.ndarray, jax.Array)) for a in leaves) \
            or any(isinstance(a, jax.core.Tracer) for a in leaves):
        return False
    return _is_graph_of_own_layers(model)


def _is_graph_of_own_layers(model: Any) -> bool:
    """A built Sequential or functional model made only of pellucid's own layers and
    activations, at any depth (wrapped layers, RNN cells, nested models)."""
    from pellucid.models.functional import Functional  # noqa: PLC0415
    from pellucid.models.sequential import Sequential  # noqa: PLC0415

    if type(model) not in (Sequential, Functional) or not model.built:
        return False
    if isinstance(model, Sequential) and not model._symbolic_outputs:
        return False
    tree = own_layer_tree(model)
    return tree is not None and all(type(layer) in (Sequential, Functional)
                                    for layer in tree if isinstance(layer, Model))
