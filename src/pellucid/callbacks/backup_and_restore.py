"""`BackupAndRestore`: resume an interrupted `fit` exactly where its last backup left it.

A backup is one file, `<backup_dir>/latest.weights.h5`, replaced atomically: the model's
weights and optimizer state in Keras's weights layout, plus (under `pellucid_extra/`) the
epoch, the step within it, the training step's random key and counter, and NumPy's global
random state (which `fit` uses to shuffle). The next `fit` with the same callback loads it
and continues from that epoch and step, so with `keras.utils.set_random_seed` a run killed
at any point ends with the same weights as one never interrupted.

Shuffling is reproduced by restoring NumPy's state as it was at the start of the epoch
(before its permutation was drawn) and skipping the steps already taken; this holds for
array data where each epoch covers the data once (no `steps_per_epoch` shorter than it).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import jax.numpy as jnp
import numpy as np

from pellucid.callbacks.callback import Callback, Logs

BACKUP_FILE = "latest.weights.h5"


class BackupAndRestore(Callback):
    """Back up training state to `backup_dir` and restore it when `fit` starts again.

    Args:
        backup_dir: folder for the backup (created if missing). Use one per training run.
        save_freq: `"epoch"` to back up after every epoch, an int `n` to back up every `n`
            batches as well, or `False` to never back up.
        double_checkpoint: accepted for Keras compatibility; the backup is already written
            atomically, so a crash during a save leaves the previous backup intact.
        delete_checkpoint: remove the backup when `fit` ends normally.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> BackupAndRestore:
        save_freq = kwargs.get("save_freq", args[1] if len(args) > 1 else "epoch")
        # The trainer runs several steps per dispatch unless a callback needs every batch,
        # so only batch-frequency backups get the per-batch hook.
        if cls is BackupAndRestore and _is_batch_freq(save_freq):
            cls = _BatchBackupAndRestore
        return super().__new__(cls)

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a non-empty `backup_dir`.")
        if save_freq != "epoch" and save_freq is not False and not _is_batch_freq(save_freq):
            raise ValueError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                "Expected either 'epoch' or an integer value."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        self._epoch_start_rng: Any = None
        self._resumed_epoch: int | None = None
        self._step_offset = 0
        self._batches_since_save = 0
        self._last_batch = -1

    @property
    def backup_path(self) -> str:
        return os.path.join(self.backup_dir, BACKUP_FILE)

    # --- hooks --------------------------------------------------------------------------
    def on_train_begin(self, logs: Logs = None) -> None:
        self._resumed_epoch = None
        self._step_offset = 0
        self._batches_since_save = 0
        if os.path.exists(self.backup_path):
            self._restore()

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch
        if epoch != self._resumed_epoch:
            self._step_offset = 0
        self._epoch_start_rng = np.random.get_state()
        self._last_batch = -1

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch + 1
        self._resumed_epoch = None
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0, np.random.get_state())

    def on_train_end(self, logs: Logs = None) -> None:
        if self.delete_checkpoint:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.backup_path)
            with contextlib.suppress(OSError):
                os.rmdir(self.backup_dir)

    # --- saving and restoring -------------------------------------------------------------
    def _save(self, epoch: int, step: int, rng_state: tuple) -> None:
        from pellucid.saving.atomic import write_bytes_atomically  # noqa: PLC0415
        from pellucid.saving.h5_weights import weights_h5_bytes  # noqa: PLC0415

        trainer = self.model._trainer
        extra = {
            "epoch": np.int64(epoch),
            "step": np.int64(step),
            "base_key": np.asarray(trainer._base_key),
            "counter": np.asarray(trainer._counter),
            **_rng_arrays(rng_state),
        }
        write_bytes_atomically(self.backup_path,
                               weights_h5_bytes(self.model, include_optimizer=True,
                                                extra=extra))

    def _restore(self) -> None:
        from pellucid.saving.h5_weights import load_weights_from_h5, open_h5  # noqa: PLC0415

        model, trainer = self.model, self.model._trainer
        with open_h5(self.backup_path, self.backup_path) as f:
            load_weights_from_h5(model, f, self.backup_path)
            extra = {key: np.asarray(f["pellucid_extra"][key][()])
                     for key in f["pellucid_extra"]}
        # The compiled step takes the key as an argument, so it serves the restored one.
        trainer._base_key = jnp.asarray(extra["base_key"])
        trainer._counter = jnp.asarray(extra["counter"])
        np.random.set_state(_rng_state(extra))
        epoch, step = int(extra["epoch"]), int(extra["step"])
        model._initial_epoch = epoch
        model._initial_step = step
        self._resumed_epoch = epoch if step else None
        self._step_offset = step
        self._current_epoch = epoch


class _BatchBackupAndRestore(BackupAndRestore):
    """`BackupAndRestore` with `save_freq=n`: also backs up every `n` batches."""

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        # With several steps per dispatch `batch` is the last step of the block.
        self._batches_since_save += batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save < self.save_freq:
            return
        self._batches_since_save = 0
        self.model._trainer.sync_state()
        step = self._step_offset + batch + 1
        self._save(self._current_epoch, step, self._epoch_start_rng)


def _is_batch_freq(save_freq: Any) -> bool:
    return isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq > 0


def _rng_arrays(state: tuple) -> dict[str, np.ndarray]:
    _, keys, pos, has_gauss, cached = state
    return {"np_keys": np.asarray(keys, np.uint32), "np_pos": np.int64(pos),
            "np_has_gauss": np.int64(has_gauss), "np_cached_gaussian": np.float64(cached)}


def _rng_state(extra: dict[str, np.ndarray]) -> tuple:
    return ("MT19937", extra["np_keys"].astype(np.uint32), int(extra["np_pos"]),
            int(extra["np_has_gauss"]), float(extra["np_cached_gaussian"]))
