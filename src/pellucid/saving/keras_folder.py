"""The unzipped Keras 3 model folder (``model.save("path", zipped=False)``)::

    path/
      metadata.json      {"keras_version": ..., "date_saved": ...}
      config.json        the serialized model (as in a .keras archive)
      model.weights.h5   the weights (as in a .keras archive)
      assets/            empty: no pellucid object saves assets

The folder is written complete under a hidden temporary name beside ``path`` and then
renamed into place, so ``path`` never holds a half-written model. Replacing an existing
folder takes two renames (old one aside, new one in), then the old one is deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from pellucid.saving.errors import FileFormatError
from pellucid.saving.unbuilt import refuse_unbuilt_members

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
ASSETS = "assets"


def is_model_folder(path: str) -> bool:
    """Whether ``path`` is a folder holding a ``config.json`` (Keras's test, too)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, CONFIG))


def write_model_folder(path: str, metadata: str, config: str, weights: bytes) -> None:
    """Write the three files (and ``assets/``) to the folder ``path``, atomically."""
    path = os.path.abspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise FileExistsError(f"{path!r} is a file; zipped=False saves a folder there.")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        for name, data in ((METADATA, metadata.encode()), (CONFIG, config.encode()),
                           (WEIGHTS, weights)):
            with open(os.path.join(staging, name), "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        os.mkdir(os.path.join(staging, ASSETS))
        _swap_into_place(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_model_folder(path: str) -> tuple[bytes, bytes]:
    """``(config.json bytes, model.weights.h5 bytes)`` of a model folder."""
    members = [os.path.relpath(os.path.join(root, f), path).replace(os.sep, "/")
               for root, _, files in os.walk(path) for f in files]
    refuse_unbuilt_members(path, members)
    try:
        with open(os.path.join(path, CONFIG), "rb") as handle:
            config = handle.read()
        with open(os.path.join(path, WEIGHTS), "rb") as handle:
            weights = handle.read()
    except FileNotFoundError as err:
        raise FileFormatError(path, f"the model folder has no {os.path.basename(err.filename)}"
                                    " (a Keras 3 folder holds config.json and "
                                    "model.weights.h5).") from None
    return config, weights


def _swap_into_place(staging: str, path: str) -> None:
    # A non-empty folder cannot be replaced by one rename: move the old one aside first,
    # so a failure before the second rename can put it back.
    if not os.path.exists(path):
        os.rename(staging, path)
        return
    aside = tempfile.mkdtemp(dir=os.path.dirname(path), prefix=f".{os.path.basename(path)}.",
                             suffix=".old")
    os.rmdir(aside)
    os.rename(path, aside)
    try:
        os.rename(staging, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(aside, path)
        raise
    shutil.rmtree(aside, ignore_errors=True)
