"""pellucid: the Keras 3 API on JAX, with layers that explain themselves.

``import pellucid as keras`` and a Keras 3 script runs unchanged.
"""

from pellucid import (
    activations,
    backend,
    callbacks,
    constraints,
    explain,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    utils,
)
from pellucid.backend import clear_session
from pellucid.layers import Input, InputLayer, Layer
from pellucid.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "Input", "InputLayer", "Layer", "Model", "Sequential", "activations", "backend", "callbacks",
    "clear_session", "constraints", "explain", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "regularizers", "utils",
]
