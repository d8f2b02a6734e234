"""Keras's ``keras.utils`` helpers that users reach for most."""

from __future__ import annotations

from typing import Any

import numpy as np

from pellucid.backend import clear_session, set_random_seed


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer labels: shape ``(..., )`` -> ``(..., num_classes)``."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    num_classes = int(num_classes or (y.max() + 1))
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    x = np.asarray(x, dtype="float32")
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def pad_sequences(sequences: Any, maxlen: int | None = None, dtype: str = "int32",
                  padding: str = "pre", truncating: str = "pre", value: float = 0.0
                  ) -> np.ndarray:
    """Pad/truncate a list of sequences to one length (Keras's ``pad_sequences``)."""
    lengths = [len(s) for s in sequences]
    maxlen = maxlen or (max(lengths) if lengths else 0)
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        seq = list(seq)[-maxlen:] if truncating == "pre" else list(seq)[:maxlen]
        if not seq:
            continue
        if padding == "post":
            out[i, :len(seq)] = seq
        else:
            out[i, -len(seq):] = seq
    return out


def plot_model(model: Any, to_file: str = "model.png", **kwargs: Any) -> Any:
    """Keras's ``plot_model`` without graphviz: the model's shape-flow diagram, saved.

    Drawing options of Keras's version (``show_shapes``, ``dpi``, ...) are accepted; the
    diagram always shows each layer with its output shape and parameter count.
    """
    from pellucid.explain import explain  # noqa: PLC0415

    explanation = explain(model)
    explanation.save(to_file, kind="flow")
    return explanation


__all__ = [
    "clear_session", "normalize", "pad_sequences", "plot_model", "set_random_seed",
    "to_categorical",
]
