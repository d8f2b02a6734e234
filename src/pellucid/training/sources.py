"""Where a step's batches come from: in-memory arrays, read by index on the device, or a
user's iterable, converted batch by batch."""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np

from pellucid.training import data as data_lib

# Array data that the program calls of one evaluate, train_on_batch or fit read, in all,
# up to this many bytes, goes to them as NumPy instead of being put on the device first.
HOST_DATA_BYTES = 1 << 20


def _host_lists(data: data_lib.ArrayData, dispatches: int) -> tuple | None:
    """``data`` as NumPy lists for ``dispatches`` program calls to copy, when they copy
    at most ``HOST_DATA_BYTES`` in all; None when it should go to the device instead."""
    if dispatches * sum(a.nbytes for a in data.arrays()) > HOST_DATA_BYTES:
        return None
    return data_lib.lists_for_one_call(data.x, data.y, data.sample_weight)


class ArraySource:
    """Array data placed on the device once; batches are index arrays into it."""

    def __init__(self, arrays: data_lib.ArrayData):
        self.data = arrays
        self._device: tuple | None = None
        self._padded: data_lib.ArrayData | None = None
        self._order: np.ndarray | None = None
        self._position = 0

    def peek(self) -> tuple[list, list | None]:
        """The whole arrays: only their shapes are read, so messages show the real sizes."""
        return list(self.data.x), None if self.data.y is None else list(self.data.y)

    def steps_per_epoch(self, batch_size: int, steps: int | None) -> int:
        return steps or max(1, math.ceil(self.data.num_samples / batch_size))

    def target_shapes(self) -> list[tuple] | None:
        return None if self.data.y is None else [tuple(a.shape) for a in self.data.y]

    def arrays_for(self, dispatches: int) -> tuple:
        """The arrays for programs that read batches by index, as ``dispatches`` program
        calls in all will read them. They have :func:`data_lib.padded_rows` rows, so that
        datasets of nearby sizes share programs. Small enough that each call can copy them
        (``HOST_DATA_BYTES`` over all the calls), and not on the device already, they go
        as NumPy (``data.for_one_call``): a call copies a few kilobytes in microseconds,
        where ``device_put`` costs 0.1-0.3 ms, which ``evaluate``, ``train_on_batch`` or
        ``fit(epochs=1)`` called in a loop pays each time. Otherwise they are put on the
        device once."""
        if self._device is None:
            lists = _host_lists(self._indexed(), dispatches)
            if lists is not None:
                return lists
        return self._device_arrays()

    def _indexed(self) -> data_lib.ArrayData:
        if self._padded is None:
            self._padded = self.data.for_indexing()
        return self._padded

    def _device_arrays(self) -> tuple:
        if self._device is None:
            d = self._indexed()
            # One call for every array: each call costs 0.1 ms or more beside the copying.
            self._device = jax.device_put((d.x, d.y, d.sample_weight))
            self._padded = None  # the device holds it now
        return self._device

    def indices(self, batch_size: int, shuffle: bool, steps: int) -> Any:
        """The index array of each of ``steps`` batches; an epoch ends with a short one."""
        n = self.data.num_samples
        for _ in range(steps):
            if self._order is None or self._position >= n:
                self._order = np.random.permutation(n) if shuffle else np.arange(n)
                self._position = 0
            index = self._order[self._position:self._position + batch_size]
            self._position += batch_size
            yield index
        if self._position >= n:
            self._order = None

    def whole_batch(self) -> tuple:
        """All the samples as one batch, for a program that takes the batch itself."""
        d = self.data
        lists = _host_lists(d, 1)
        return "plain", lists if lists is not None else jax.device_put(
            (d.x, d.y, d.sample_weight))


class IterableSource:
    """Batches from a user iterable, converted to arrays aligned with the model."""

    def __init__(self, model: Any, data: data_lib.IterableData):
        self.model = model
        self.data = data
        self._first: tuple | None = None

    def _convert(self, batch: tuple) -> tuple:
        x, y, sw = batch
        model = self.model
        xs = data_lib.flatten_by_names(x, data_lib.input_names(model), "input")
        ys = data_lib.flatten_by_names(y, data_lib.output_names(model), "output") \
            if y is not None else None
        sws = data_lib.flatten_by_names(sw, data_lib.output_names(model), "sample_weight") \
            if sw is not None else None
        # Each batch is read by one program call: see data_lib.for_one_call.
        return data_lib.lists_for_one_call(xs, ys, sws)

    def peek(self) -> tuple[list, list | None]:
        if self._first is None:
            iterator = self.data.epoch()
            try:
                self._first = self._convert(next(iterator))
            except StopIteration:
                raise ValueError("The data iterable yielded no batches.") from None
            self._rest = iterator
        return [np.asarray(a) for a in self._first[0]], None if self._first[1] is None else [
            np.asarray(a) for a in self._first[1]]

    def steps_per_epoch(self, batch_size: int, steps: int | None) -> int | None:
        return steps or self.data.steps

    def target_shapes(self) -> None:
        return None

    def batches(self, batch_size: int, shuffle: bool, steps: int | None) -> Any:
        if self._first is not None:
            yield "plain", self._first
            rest = self._rest
            self._first = None
        else:
            rest = self.data.epoch()
        for batch in rest:
            yield "plain", self._convert(batch)
