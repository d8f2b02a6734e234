"""BackupAndRestore: an interrupted fit resumes to exactly the weights of an uninterrupted one."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pellucid

SCRIPT = textwrap.dedent('''
    import os, signal, sys
    import numpy as np
    import pellucid as keras

    backup_dir, out_path, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    keras.utils.set_random_seed(7)
    x = np.random.default_rng(0).normal(size=(40, 6)).astype("float32")
    y = (x[:, :2] > 0).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.4), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")

    class Kill(keras.callbacks.Callback):
        seen = 0
        def on_train_batch_end(self, batch, logs=None):
            Kill.seen += 1
            if Kill.seen == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    model.fit(x, y, epochs=4, batch_size=8, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup_dir, save_freq=3), Kill()])
    np.savez(out_path, *model.get_weights())
    print("batches run:", Kill.seen)
''')


def _run(script, *args):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, str(script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


def test_sigkill_mid_epoch_then_rerun_matches_uninterrupted(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    reference = _run(script, tmp_path / "ref_backup", tmp_path / "ref.npz", -1)
    assert reference.returncode == 0, reference.stderr
    # 5 batches per epoch: batch 13 is inside epoch 2, one batch after the backup at 12.
    killed = _run(script, tmp_path / "backup", tmp_path / "resumed.npz", 13)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert os.path.exists(tmp_path / "backup" / "latest.weights.h5")
    assert not os.path.exists(tmp_path / "resumed.npz")
    resumed = _run(script, tmp_path / "backup", tmp_path / "resumed.npz", -1)
    assert resumed.returncode == 0, resumed.stderr
    assert "batches run: 20" in reference.stdout
    assert "batches run: 8" in resumed.stdout  # 4 epochs x 5 batches, 12 restored
    assert not os.path.exists(tmp_path / "backup")
    expected, got = np.load(tmp_path / "ref.npz"), np.load(tmp_path / "resumed.npz")
    assert len(expected.files) == 4
    for key in expected.files:
        np.testing.assert_array_equal(expected[key], got[key])


class _Interrupt(pellucid.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def _setup():
    pellucid.utils.set_random_seed(3)
    x = np.random.default_rng(1).normal(size=(24, 5)).astype("float32")
    y = x[:, :1] * 2.0
    model = pellucid.Sequential([pellucid.Input((5,)), pellucid.layers.Dense(8),
                                 pellucid.layers.Dropout(0.3), pellucid.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model, x, y


def test_epoch_backups_resume_at_the_interrupted_epoch(tmp_path):
    model, x, y = _setup()
    model.fit(x, y, epochs=5, batch_size=6, verbose=0)
    expected = model.get_weights()

    model, x, y = _setup()
    backup = pellucid.callbacks.BackupAndRestore(tmp_path / "b")
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=5, batch_size=6, verbose=0, callbacks=[backup, _Interrupt(3)])
    assert os.path.exists(backup.backup_path)
    model, _, _ = _setup()
    history = model.fit(x, y, epochs=5, batch_size=6, verbose=0, callbacks=[backup])
    assert history.epoch == [3, 4]
    for a, b in zip(expected, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(backup.backup_path)


def test_crash_while_backing_up_keeps_the_previous_backup(tmp_path, monkeypatch):
    model, x, y = _setup()
    backup = pellucid.callbacks.BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    model.fit(x, y, epochs=1, batch_size=6, verbose=0, callbacks=[backup])
    with open(backup.backup_path, "rb") as handle:
        before = handle.read()
    from pellucid.saving import h5_weights

    def broken(*args, **kwargs):
        raise OSError("power cut (simulated)")

    monkeypatch.setattr(h5_weights, "write_group", broken)
    with pytest.raises(OSError, match="simulated"):
        model.fit(x, y, epochs=2, batch_size=6, verbose=0, callbacks=[backup])
    with open(backup.backup_path, "rb") as handle:
        assert handle.read() == before
    assert os.listdir(tmp_path / "b") == ["latest.weights.h5"]


def test_save_freq_is_validated():
    with pytest.raises(ValueError, match="save_freq"):
        pellucid.callbacks.BackupAndRestore("dir", save_freq="batch")
    assert pellucid.callbacks.BackupAndRestore("d", save_freq=2).save_freq == 2
    assert isinstance(pellucid.callbacks.BackupAndRestore("d", save_freq=2),
                      pellucid.callbacks.BackupAndRestore)
