"""``model.save_weights("x.weights.h5")`` / ``model.load_weights(...)``, Keras 3 layout."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

from pellucid.saving import h5_weights
from pellucid.saving.atomic import write_bytes_atomically
from pellucid.saving.errors import FileFormatError
from pellucid.saving.keras_archive import WEIGHTS
from pellucid.saving.unbuilt import refuse_unbuilt, refuse_unbuilt_members


def save_weights(model: Any, filepath: Any, overwrite: bool = True,
                 max_shard_size: Any = None, **kwargs: Any) -> None:
    """Write the weights (and optimizer state) of ``model`` to ``*.weights.h5``."""
    path = os.fspath(filepath)
    refuse_unbuilt(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(
            f"The filename must end in `.weights.h5`; received {path!r}. For the whole "
            "model use model.save('name.keras')."
        )
    if max_shard_size is not None:
        raise NotImplementedError("Sharded weights files (max_shard_size=...) are not "
                                  "supported by pellucid.")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} exists and overwrite=False.")
    write_bytes_atomically(path, h5_weights.weights_h5_bytes(model, include_optimizer=True))


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
    """Load weights from a ``.weights.h5`` file or from the weights inside a ``.keras``."""
    path = os.fspath(filepath)
    refuse_unbuilt(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No file found at {path!r}.")
    if path.endswith(".keras"):
        source, label = io.BytesIO(_weights_in_archive(path)), f"{path}/{WEIGHTS}"
    elif path.endswith(".weights.h5"):
        source, label = path, path
    elif path.endswith((".h5", ".hdf5")):
        raise NotImplementedError(
            f"{path!r}: legacy Keras 2 .h5 weights are not supported; pellucid reads "
            "Keras 3 `.weights.h5` and `.keras` files."
        )
    else:
        raise FileFormatError(path, "weights files must end in '.weights.h5' or '.keras'.")
    with h5_weights.open_h5(source, label) as f:
        h5_weights.load_weights_from_h5(model, f, label, skip_mismatch=skip_mismatch)


def _weights_in_archive(path: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            refuse_unbuilt_members(path, archive.namelist())
            return archive.read(WEIGHTS)
    except KeyError:
        raise FileFormatError(path, f"the archive has no {WEIGHTS}.") from None
    except NotImplementedError:
        raise
    except Exception as err:  # zipfile reports damage through many exception types
        raise FileFormatError(path, f"not a readable .keras zip archive "
                                    f"({type(err).__name__}: {err}).") from None
