"""The ``.keras`` zip: ``metadata.json``, ``config.json``, ``model.weights.h5``.

(``zipped=False`` writes the same three files to a folder: :mod:`keras_folder`.)

Written exactly as Keras 3 writes it (ZIP_STORED, members in that order), atomically.
Reading checks the zip's own CRCs, the member list, the JSON and the weights before a
model is returned; any defect becomes a :class:`FileFormatError` naming the file.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any

from pellucid.saving import h5_weights
from pellucid.saving.atomic import atomic_write
from pellucid.saving.errors import FileFormatError, SavingError
from pellucid.saving.keras_folder import (
    CONFIG,
    METADATA,
    WEIGHTS,
    is_model_folder,
    read_model_folder,
    write_model_folder,
)
from pellucid.saving.serialization import deserialize_keras_object, serialize_keras_object
from pellucid.saving.unbuilt import refuse_unbuilt, refuse_unbuilt_members

KERAS_VERSION = "3.15.1"
_MAX_MEMBER_BYTES = 4 * 1024**3


def save_model(model: Any, filepath: Any, overwrite: bool = True, zipped: bool = True,
               **kwargs: Any) -> None:
    """Write ``model`` to a ``.keras`` file (or, ``zipped=False``, a folder)."""
    path = os.fspath(filepath)
    refuse_unbuilt(path, kwargs.get("weights_format", "h5"))
    if not zipped and path.endswith(".keras"):
        raise ValueError(
            f"save_model(zipped=False) writes a folder; {path!r} ends in '.keras', which "
            "names a zipped file. Drop the extension or pass zipped=True."
        )
    if zipped and not path.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving {path!r}: use a `.keras` file, e.g. "
            "model.save('model.keras'); for weights only use model.save_weights("
            "'name.weights.h5')."
        )
    if kwargs.get("save_format") not in (None, "keras"):
        raise ValueError("pellucid saves only the Keras 3 format (.keras).")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path!r} exists and overwrite=False.")
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config = json.dumps(serialize_keras_object(model))
    weights = h5_weights.weights_h5_bytes(model, include_optimizer=True)
    if not zipped:
        write_model_folder(path, json.dumps(metadata), config, weights)
        return
    with atomic_write(path) as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(METADATA, json.dumps(metadata))
        archive.writestr(CONFIG, config)
        archive.writestr(WEIGHTS, weights)


def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True) -> Any:
    """A model from a ``.keras`` file (or model folder) written by pellucid or Keras 3."""
    path = os.fspath(filepath)
    refuse_unbuilt(path)
    if is_model_folder(path):
        raw_config, weights = read_model_folder(path)
        config = _parse_config(path, raw_config)
    elif not path.endswith(".keras"):
        if path.endswith(".h5") or path.endswith(".hdf5"):
            raise NotImplementedError(
                f"{path!r}: legacy Keras 2 .h5 model files are not supported; load it in "
                "Keras and re-save it as .keras."
            )
        raise FileFormatError(path, "the file name must end in '.keras' (or name a model "
                                    "folder holding config.json).")
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"No file found at {path!r}.")
    else:
        config, weights = _read_archive(path)
    if not compile:
        config = {**config, "compile_config": None}
    try:
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
    except (SavingError, NotImplementedError):
        raise
    except Exception as err:  # a config that parses but is not a model's config
        raise FileFormatError(path, f"config.json does not describe a loadable model "
                                    f"({type(err).__name__}: {err}).") from err
    if not hasattr(model, "weights") or not hasattr(model, "layers"):
        raise FileFormatError(path, f"config.json describes a {type(model).__name__}, "
                                    "not a model.")
    compile_config = config.get("compile_config")
    if compile and compile_config:
        compile_from_config(model, compile_config, custom_objects)
    with h5_weights.open_h5(io.BytesIO(weights), f"{path}/{WEIGHTS}") as f:
        h5_weights.load_weights_from_h5(model, f, f"{path}/{WEIGHTS}")
    return model


def compile_from_config(model: Any, config: dict, custom_objects: dict | None) -> None:
    """``model.compile(...)`` from Keras's ``compile_config``."""
    args = deserialize_keras_object({k: v for k, v in config.items()
                                     if k in ("optimizer", "loss", "loss_weights", "metrics",
                                              "weighted_metrics")},
                                    custom_objects=custom_objects)
    model.compile(steps_per_execution=config.get("steps_per_execution", 1), **args)


def _read_archive(path: str) -> tuple[dict, bytes]:
    try:
        with zipfile.ZipFile(path, "r") as archive:
            names = archive.namelist()
            refuse_unbuilt_members(path, names)
            for needed in (CONFIG, WEIGHTS):
                if needed not in names:
                    raise FileFormatError(path, f"the archive has no {needed} (members: "
                                                f"{names[:10]}); it is not a Keras 3 .keras "
                                                "file.")
            for info in archive.infolist():
                if info.file_size > _MAX_MEMBER_BYTES and \
                        info.file_size > 100 * max(info.compress_size, 1):
                    raise FileFormatError(path, f"member {info.filename} would expand to "
                                                f"{info.file_size} bytes (a zip bomb?).")
            raw_config = _read_member(archive, CONFIG, path)
            weights = _read_member(archive, WEIGHTS, path)
    except (FileFormatError, NotImplementedError):  # ours: damage, or an unbuilt feature
        raise
    except Exception as err:  # zipfile reports damage through many exception types
        raise FileFormatError(path, f"not a readable .keras zip archive "
                                    f"({type(err).__name__}: {err}).") from None
    return _parse_config(path, raw_config), weights


def _read_member(archive: zipfile.ZipFile, name: str, path: str) -> bytes:
    try:
        return archive.read(name)
    except Exception as err:  # a damaged entry can name a compression zipfile lacks
        raise FileFormatError(path, f"member {name} cannot be read ({type(err).__name__}: "
                                    f"{err}).") from None


def _parse_config(path: str, raw_config: bytes) -> dict:
    try:
        config = json.loads(raw_config.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise FileFormatError(path, f"config.json is not valid JSON ({err}).") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise FileFormatError(path, "config.json is not a serialized Keras object.")
    return config
