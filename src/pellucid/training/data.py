"""Turning what users pass to ``fit``/``evaluate``/``predict`` into aligned arrays.

Accepts NumPy/JAX arrays, lists (several inputs or outputs), dicts keyed by input or
output name, Python lists of numbers, and iterables/generators of batches. Array data
becomes a :class:`ArrayData` that the trainer slices into batches by index; iterables
become an :class:`IterableData` that yields batches as given.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def for_one_call(a: Any) -> Any:
    """An input that one program call reads once: NumPy arrays go to the call as they are
    (in JAX's dtypes: float64 becomes float32), which transfers them for a few
    microseconds, where ``device_put`` or ``jnp.asarray`` costs a tenth of a millisecond or
    more, which a loop predicting one step at a time, or ``fit`` over a generator's
    batches, pays at every call."""
    if isinstance(a, np.ndarray):
        return a.astype(jax.dtypes.canonicalize_dtype(a.dtype), copy=False)
    return a if isinstance(a, jax.Array) else jnp.asarray(a)


def lists_for_one_call(*groups: list | None) -> tuple:
    """:func:`for_one_call` on each array of each list (inputs, targets, sample weights);
    a missing list stays ``None``."""
    return tuple(None if group is None else [for_one_call(a) for a in group]
                 for group in groups)


# Datasets up to this size get a padded copy (see padded_rows); a larger one keeps its
# exact size, where a second host copy would cost memory and a compile matters less.
PADDED_DATA_BYTES = 256 << 20


def padded_rows(n: int) -> int:
    """The row count of the copy of an ``n``-sample dataset that indexing programs read:
    ``n`` rounded up to its four leading binary digits (at most 1/8 more rows; below 16,
    ``n`` itself).

    ``fit``, ``evaluate`` and ``predict`` pass the whole dataset to each program and pick
    batches by index, so a program's shape depends on the dataset's size, and each new
    size compiled every program again (an MLP's ``predict`` on 1,000 samples and then on
    1,001 compiled twice in 0.45 s each). With sizes rounded, datasets of 961 to 1,024
    samples share their programs; only a partial last batch of a new length compiles one
    (in ``fit`` and ``evaluate``, and in ``predict`` where rows mix; see
    ``inference._predict_arrays``).
    """
    if n < 16:
        return n
    step = 1 << (n.bit_length() - 4)
    return -(-n // step) * step


def with_rows(a: np.ndarray, rows: int) -> np.ndarray:
    """``a`` with zero rows appended up to ``rows`` (``a`` itself when it has that many)."""
    if a.ndim == 0 or a.shape[0] == rows:
        return a
    out = np.zeros((rows,) + a.shape[1:], a.dtype)
    out[:a.shape[0]] = a
    return out


def _as_array(value: Any, what: str) -> np.ndarray:
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    if arr.dtype == object:
        raise ValueError(f"{what} could not be turned into a numeric array (ragged lists?).")
    return arr


def input_names(model: Any) -> list[str]:
    """The names that align data with a model's inputs (``["input"]`` when it has none)."""
    return list(getattr(model, "input_names", None) or ["input"])


def output_names(model: Any) -> list[str]:
    """The names that align targets with a model's outputs (``["output"]`` when it has
    none)."""
    return list(getattr(model, "output_names", None) or ["output"])


def flatten_by_names(data: Any, names: list[str], what: str) -> list[np.ndarray] | None:
    """``data`` as a list aligned with ``names`` (a model's input or output names)."""
    if data is None:
        return None
    n = len(names)
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        missing = [k for k in names if k not in data]
        if unknown or missing:
            raise ValueError(
                f"The {what} dict has keys {sorted(data)}, but the model's {what} names are "
                f"{names}." + (f" Missing: {missing}." if missing else "")
            )
        return [_as_array(data[k], f"{what} {k!r}") for k in names]
    if isinstance(data, (list, tuple)) and n > 1:
        if len(data) != n:
            raise ValueError(
                f"The model has {n} {what}s {names}, but {len(data)} arrays were given."
            )
        return [_as_array(d, f"{what} {names[i]!r}") for i, d in enumerate(data)]
    if isinstance(data, (list, tuple)) and n == 1 and len(data) == 1 and hasattr(
            data[0], "shape"):
        return [_as_array(data[0], what)]
    if n > 1:
        raise ValueError(
            f"The model has {n} {what}s {names}; pass a list of {n} arrays or a dict keyed by "
            f"those names, not a single array."
        )
    return [_as_array(data, what)]


@dataclass
class ArrayData:
    """In-memory arrays aligned with the model's inputs and outputs."""

    x: list[np.ndarray]
    y: list[np.ndarray] | None
    sample_weight: list[np.ndarray] | None

    @property
    def num_samples(self) -> int:
        return int(self.x[0].shape[0])

    def arrays(self) -> list[np.ndarray]:
        return self.x + (self.y or []) + (self.sample_weight or [])

    def for_indexing(self, at_least: int = 0) -> ArrayData:
        """The arrays as programs that read them only at the rows of index arrays take
        them: zero rows appended up to :func:`padded_rows`, so that datasets of nearby
        sizes share those programs, and up to ``at_least`` rows (``predict`` reads a short
        last batch as a full one). Unchanged above :data:`PADDED_DATA_BYTES`."""
        if sum(a.nbytes for a in self.arrays()) > PADDED_DATA_BYTES:
            return self
        rows = max(padded_rows(self.num_samples), at_least)

        def pad(arrays: list | None) -> list | None:
            return None if arrays is None else [with_rows(a, rows) for a in arrays]

        return ArrayData(pad(self.x), pad(self.y), pad(self.sample_weight))

    def split(self, fraction: float) -> tuple[ArrayData, ArrayData]:
        """Keras's ``validation_split``: the last ``fraction`` of samples, unshuffled."""
        n = self.num_samples
        cut = int(n * (1.0 - fraction))

        def part(arrays: list | None, sl: slice) -> list | None:
            return None if arrays is None else [a[sl] for a in arrays]

        head, tail = slice(0, cut), slice(cut, n)
        return (ArrayData(part(self.x, head), part(self.y, head), part(self.sample_weight, head)),
                ArrayData(part(self.x, tail), part(self.y, tail), part(self.sample_weight, tail)))


def check_sample_counts(data: ArrayData) -> None:
    counts = {f"x[{i}]": a.shape[0] if a.ndim else 0 for i, a in enumerate(data.x)}
    counts.update({f"y[{i}]": a.shape[0] if a.ndim else 0 for i, a in enumerate(data.y or [])})
    counts.update({f"sample_weight[{i}]": a.shape[0]
                   for i, a in enumerate(data.sample_weight or [])})
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise ValueError(
            f"Data cardinality is ambiguous: all arrays must have the same number of samples "
            f"(first axis), but got {detail}. Make sure x and y describe the same samples."
        )


class IterableData:
    """Batches from a generator or any iterable of ``x``, ``(x, y)`` or ``(x, y, w)``."""

    def __init__(self, source: Iterable[Any], steps: int | None):
        self.source = source
        self.steps = steps
        self._iterator: Iterator[Any] | None = None

    def epoch(self) -> Iterator[tuple[Any, Any, Any]]:
        if self._iterator is None or not _is_generator(self.source):
            self._iterator = iter(self.source)
        it = self._iterator if self.steps is None else itertools.islice(
            self._iterator, self.steps)
        for batch in it:
            yield unpack_batch(batch)


def _is_generator(source: Any) -> bool:
    return iter(source) is source


def unpack_batch(batch: Any) -> tuple[Any, Any, Any]:
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"A batch must be x, (x, y) or (x, y, sample_weight); got a "
                         f"tuple of {len(batch)} items.")
    return batch, None, None


def is_iterable_source(x: Any) -> bool:
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict)) or hasattr(x, "shape"):
        return False
    return isinstance(x, Iterable)


def class_weight_to_sample_weight(y: np.ndarray, class_weight: dict[int, float]) -> np.ndarray:
    """Per-sample weights from ``{class_index: weight}`` (one-hot or integer targets)."""
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(
        y.shape[0], -1)[:, 0]
    labels = np.round(labels).astype(int)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
