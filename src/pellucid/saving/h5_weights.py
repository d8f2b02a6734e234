"""The Keras 3 HDF5 weights layout: write a model's variables, read them back.

One group ``<path>/vars`` per saved object (see :mod:`saveable_tree`), with attribute
``name`` and datasets ``"0"``, ``"1"``, ...; the optimizer's arrays under
``optimizer/vars`` in Keras's order. pellucid adds one root attribute, a SHA-256 digest of
every dataset, so a damaged pellucid file is refused instead of loading wrong numbers
(Keras ignores the attribute; Keras files have none and are read without the check).

Reading refuses soft/external links and virtual datasets (they could point outside the
file), checks every count and shape before assigning anything, and reports problems as
:class:`FileFormatError` / :class:`WeightsMismatchError`.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from typing import Any

import h5py
import numpy as np

from pellucid.backend.variables import assign_all
from pellucid.saving.errors import FileFormatError, SavingError, WeightsMismatchError
from pellucid.saving.saveable_tree import saved_groups

DIGEST_ATTR = "pellucid_sha256"


# --- writing ----------------------------------------------------------------------------
def weights_h5_bytes(model: Any, include_optimizer: bool = True,
                     extra: dict[str, np.ndarray] | None = None) -> bytes:
    """The bytes of a ``.weights.h5`` file for ``model`` (``extra``: arrays under
    ``pellucid_extra/``, used by training backups)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for group in saved_groups(model, include_optimizer):
            arrays = (model.optimizer.saved_variables() if group.path == "optimizer"
                      else [v.numpy() for v in group.variables])
            write_group(f, group.path, group.name, arrays)
        if extra:
            target = f.create_group("pellucid_extra")
            for key, value in extra.items():
                target[key] = np.asarray(value)
        # Fixed-length ASCII, stored inside the attribute itself: a variable-length
        # string lives on HDF5's global heap behind an address and a length, and a
        # damaged address made reading it crash the process (a segmentation fault in
        # the HDF5 library, found by flipping bits of a saved file).
        f.attrs[DIGEST_ATTR] = np.bytes_(content_digest(f))
    return buffer.getvalue()


def write_group(f: h5py.File, path: str, name: str, arrays: list) -> None:
    """Create ``<path>/vars`` with attribute ``name`` and datasets ``0..n-1``."""
    group = f.create_group(f"{path}/vars" if path else "vars")
    group.attrs["name"] = name
    for i, value in enumerate(arrays):
        value = np.asarray(value)
        if value.dtype.name == "bfloat16":
            group.create_dataset(str(i), data=value.view(np.uint16)).attrs["dtype"] = "bfloat16"
        else:
            group[str(i)] = value


def content_digest(f: h5py.File, values: dict[str, np.ndarray] | None = None) -> str:
    """SHA-256 over (path, dtype, shape, bytes) of every dataset, in path order; ``values``
    receives each dataset's array under its absolute path."""
    entries: list[tuple[str, Any]] = []
    f.visititems(lambda name, obj: entries.append((name, obj))
                 if isinstance(obj, h5py.Dataset) else None)
    digest = hashlib.sha256()
    for name, dataset in sorted(entries, key=lambda e: e[0]):
        value = np.asarray(dataset[()])
        if values is not None:
            values[dataset.name] = value
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


# --- reading ----------------------------------------------------------------------------
def open_h5(source: Any, label: str) -> h5py.File:
    """Open an HDF5 file (path or file object) for reading, or raise FileFormatError."""
    try:
        return h5py.File(source, "r")
    except Exception as err:  # h5py raises OSError, but broken files surface others too
        raise FileFormatError(label, f"not a readable HDF5 file ({_reason(err)}).") from None


def verify_digest(f: h5py.File, label: str) -> dict[str, np.ndarray]:
    """Refuse a pellucid-written file whose contents no longer match its digest.

    Returns the arrays the check read, by absolute path (empty for a file without a
    digest), so that loading uses the very values checked instead of reading them again.
    """
    values: dict[str, np.ndarray] = {}
    expected = _short_attribute(f.attrs, DIGEST_ATTR, label)
    if expected is None:
        return values
    if isinstance(expected, bytes):
        expected = expected.decode("ascii", "replace")
    if content_digest(f, values) != str(expected):
        raise FileFormatError(label, "the weights are corrupted (their SHA-256 digest does "
                                     "not match the one stored when the file was written).")
    return values


def load_weights_from_h5(model: Any, f: h5py.File, label: str, skip_mismatch: bool = False,
                         load_optimizer: bool = True) -> None:
    """Assign the weights stored in ``f`` to ``model`` (all checked before any is set)."""
    try:
        assignments, optimizer_arrays = _read_all(model, f, label, skip_mismatch,
                                                  load_optimizer)
    except SavingError:
        raise
    except Exception as err:  # corrupted metadata can make h5py raise almost anything
        raise FileFormatError(label, f"the HDF5 structure is damaged ({_reason(err)}).") \
            from None
    assign_all([variable for variable, _ in assignments], [value for _, value in assignments])
    if optimizer_arrays:
        load_optimizer_arrays(model, optimizer_arrays)


def _read_all(model: Any, f: h5py.File, label: str, skip_mismatch: bool,
              load_optimizer: bool) -> tuple[list, list | None]:
    checked = verify_digest(f, label)
    assignments: list[tuple[Any, np.ndarray]] = []
    for group in saved_groups(model, include_optimizer=False):
        arrays = read_group(f, group.path, label, checked)
        if _fits(group, arrays, label, skip_mismatch):
            assignments.extend(zip(group.variables, arrays, strict=True))
    optimizer_arrays = None
    optimizer = getattr(model, "optimizer", None)
    if load_optimizer and optimizer is not None and _has_group(f, "optimizer"):
        optimizer_arrays = read_group(f, "optimizer", label, checked)
    return assignments, optimizer_arrays


def load_optimizer_arrays(model: Any, arrays: list) -> None:
    """Give the optimizer the saved arrays (building its state first if needed)."""
    optimizer = model.optimizer
    if optimizer.state is None:
        optimizer.state = optimizer.init([v.value for v in model.trainable_weights])
    try:
        optimizer.load_saved_variables(arrays)
    except ValueError as err:
        # Keras skips optimizer variables it cannot match, with a warning; so do we.
        warnings.warn(f"Skipping the optimizer state in the file: {err}", stacklevel=3)


def read_group(f: h5py.File, path: str, label: str,
               read: dict[str, np.ndarray] | None = None) -> list[np.ndarray]:
    """The arrays of ``<path>/vars`` in index order (empty if the group is absent);
    ``read`` holds arrays already read, by absolute path."""
    try:
        group = _locate(f, path, label)
        if group is None:
            return []
        keys = list(group.keys())
        if sorted(keys, key=_index_key) != [str(i) for i in range(len(keys))]:
            raise FileFormatError(label, f"group '{path}/vars' holds unexpected entries "
                                         f"{sorted(keys)[:8]}.")
        return [_read_dataset(group, str(i), path, label, read or {})
                for i in range(len(keys))]
    except SavingError:
        raise
    except Exception as err:  # corrupted metadata can make h5py raise almost anything
        raise FileFormatError(label, f"cannot read '{path}/vars' ({_reason(err)}).") from None


def _locate(f: h5py.File, path: str, label: str) -> h5py.Group | None:
    node: Any = f
    for part in [p for p in path.split("/") if p] + ["vars"]:
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise FileFormatError(label, f"'{path}' contains a {type(link).__name__}; "
                                         "links are refused because they can point outside "
                                         "the file.")
        node = node[part]
        if not isinstance(node, h5py.Group):
            raise FileFormatError(label, f"'{path}/{part}' should be a group.")
    return node


def _read_dataset(group: h5py.Group, key: str, path: str, label: str,
                  read: dict[str, np.ndarray]) -> np.ndarray:
    link = group.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise FileFormatError(label, f"'{path}/vars/{key}' is a link; links are refused.")
    dataset = group[key]
    if not isinstance(dataset, h5py.Dataset) or dataset.is_virtual:
        raise FileFormatError(label, f"'{path}/vars/{key}' is not a plain dataset.")
    value = read[dataset.name] if dataset.name in read else np.asarray(dataset[()])
    if _short_attribute(dataset.attrs, "dtype", label) == "bfloat16":
        import ml_dtypes  # noqa: PLC0415

        value = value.view(ml_dtypes.bfloat16) if value.dtype == np.uint16 else \
            value.astype(ml_dtypes.bfloat16)
    return value


def _short_attribute(attrs: h5py.AttributeManager, name: str, label: str) -> Any:
    """``attrs[name]`` (a single value: a digest or a dtype name), or None when absent.

    The declared size is checked before h5py reads the value, so that a damaged header
    cannot make it allocate and read an array of any size. (A bit-flipped file once kept
    the reading of its variable-length digest busy for minutes with 4 GB resident; the
    digest is written fixed-length now, see ``weights_h5_bytes``.)"""
    if name not in attrs:
        return None
    shape = attrs.get_id(name).shape or ()
    if int(np.prod(shape)) != 1:
        raise FileFormatError(label, f"the attribute {name!r} is damaged (it declares "
                                     f"{shape} values where one is written).")
    return attrs[name]


def _has_group(f: h5py.File, path: str) -> bool:
    return path in f and isinstance(f.get(path, getlink=True), h5py.HardLink)


def _fits(group: Any, arrays: list, label: str, skip_mismatch: bool) -> bool:
    expected = [tuple(v.shape) for v in group.variables]
    got = [tuple(a.shape) for a in arrays]
    if expected == got:
        return True
    where = f"'{group.path or '/'}'" + (f" (layer {group.name!r})" if group.name else "")
    if len(expected) != len(got):
        problem = (f"Layer {group.name!r} expected {len(expected)} variables, but received "
                   f"{len(got)} variables during loading. Expected: {expected}; file {label!r} "
                   f"has {got} at {where}.")
    else:
        problem = (f"Shape mismatch for layer {group.name!r} at {where} in {label!r}: the "
                   f"model has {expected}, the file has {got}.")
    if skip_mismatch:
        warnings.warn(f"Skipping: {problem}", stacklevel=4)
        return False
    raise WeightsMismatchError(problem + " Is this file from a different model?")


def _index_key(key: str) -> Any:
    return (0, int(key)) if key.isdigit() else (1, key)


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}"[:300] if text else type(err).__name__
