"""One helper for layer parity: build a layer in pellucid and in Keras 3, copy weights, compare.

Keras 3 (``KERAS_BACKEND=jax``) is the oracle. Most layer tests are one call to
:func:`check_layer`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")


def keras_module() -> Any:
    import keras  # noqa: PLC0415

    return keras


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_layer(
    make_ours: Callable[[], Any],
    make_theirs: Callable[[], Any],
    inputs: Any,
    call_kwargs: dict | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    symbolic: bool = True,
) -> tuple[Any, Any]:
    """Compare outputs, weight shapes, parameter counts and symbolic output shapes.

    ``inputs`` is an array or a list of arrays (batch axis first). Weights are copied from
    the Keras layer into ours with ``set_weights(get_weights())``.
    """
    call_kwargs = call_kwargs or {}
    theirs = make_theirs()
    ours = make_ours()
    expected = theirs(inputs, **call_kwargs)
    ours(inputs, **call_kwargs)  # builds
    their_weights = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in their_weights], (
        "weight shapes differ: "
        f"{[w.shape for w in ours.get_weights()]} vs {[w.shape for w in their_weights]}"
    )
    ours.set_weights(their_weights)
    got = ours(inputs, **call_kwargs)
    for g, e in zip(_flatten(got), _flatten(expected), strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), atol=atol, rtol=rtol)
    assert ours.count_params() == theirs.count_params()
    if symbolic:
        check_symbolic_shapes(make_ours, make_theirs, inputs, call_kwargs)
    return ours, theirs


def check_symbolic_shapes(make_ours: Callable[[], Any], make_theirs: Callable[[], Any],
                          inputs: Any, call_kwargs: dict | None = None) -> None:
    """Output shapes on ``Input(shape=...)`` (batch None) agree with Keras."""
    import pellucid  # noqa: PLC0415

    keras = keras_module()
    call_kwargs = call_kwargs or {}
    arrays = _as_list(inputs)
    ours_in = [pellucid.Input(a.shape[1:], dtype=str(a.dtype)) for a in arrays]
    theirs_in = [keras.Input(a.shape[1:], dtype=str(a.dtype)) for a in arrays]
    pick = (lambda xs: xs) if isinstance(inputs, (list, tuple)) else (lambda xs: xs[0])
    ours_out = make_ours()(pick(ours_in), **call_kwargs)
    theirs_out = make_theirs()(pick(theirs_in), **call_kwargs)
    ours_shapes = [tuple(t.shape) for t in _flatten(ours_out)]
    theirs_shapes = [tuple(t.shape) for t in _flatten(theirs_out)]
    assert ours_shapes == theirs_shapes, f"symbolic shapes {ours_shapes} vs {theirs_shapes}"


def _flatten(x: Any) -> list:
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flatten(item)]
    return [x]


def copy_model_weights(ours: Any, theirs: Any) -> None:
    """Copy a Keras model's weights into the matching pellucid model (same layout)."""
    ours.set_weights(theirs.get_weights())


def check_repeated_calls(ours: Any, theirs: Any, x: Any, traces: list) -> None:
    """``ours(x)`` called again and again: Keras's values, traced once (``traces[0]``
    counts the traces), and new weights read at each call, not kept from the first."""
    first = ours(x)
    traced = traces[0]
    for _ in range(3):
        again = ours(x)
    assert traces[0] == traced
    np.testing.assert_array_equal(np.asarray(again), np.asarray(first))
    np.testing.assert_allclose(np.asarray(first), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    theirs.set_weights([w * 0.5 for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5,
                               atol=1e-6)
    assert traces[0] == traced


def check_training(ours: Any, theirs: Any, x: Any, y: Any, weight_rtol: float = 1e-7,
                   weight_atol: float = 1e-5, **fit_kwargs: Any) -> None:
    """Fit a compiled Keras model and its pellucid twin from the same weights (Keras's
    copied into ours) on the same batches; compare the loss per epoch and the weights."""
    ours.set_weights(theirs.get_weights())
    fit_kwargs = {"shuffle": False, "verbose": 0, **fit_kwargs}
    their_loss = theirs.fit(x, y, **fit_kwargs).history["loss"]
    our_loss = ours.fit(x, y, **fit_kwargs).history["loss"]
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=weight_rtol, atol=weight_atol)
