"""Damaged files never crash the loader with a raw traceback nor load wrong numbers.

Truncations and bit flips of `.keras` archives (pellucid- and Keras-written) and of
pellucid `.weights.h5` files must end in a pellucid `SavingError` (a `ValueError`) or, when
the flip lands in bytes nothing reads, in a model with exactly the original weights.
"""

import functools
import os
import subprocess
import sys
import tempfile

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pellucid
from pellucid import saving

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
_DIR = tempfile.mkdtemp(prefix="pellucid-fuzz-")


def _pellucid_model():
    model = pellucid.Sequential([pellucid.Input((4,)), pellucid.layers.Dense(3),
                                 pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), verbose=0)
    return model


@functools.cache
def _originals():
    """Bytes of the three intact files and the weights each must load as."""
    model = _pellucid_model()
    model.save(os.path.join(_DIR, "p.keras"))
    model.save_weights(os.path.join(_DIR, "p.weights.h5"))
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                               keras.layers.Dense(2)])
    theirs.save(os.path.join(_DIR, "k.keras"))
    files = {}
    for name, weights in (("p.keras", model.get_weights()),
                          ("p.weights.h5", model.get_weights()),
                          ("k.keras", theirs.get_weights())):
        with open(os.path.join(_DIR, name), "rb") as handle:
            files[name] = (handle.read(), weights)
    return files


def _load(name, data):
    path = os.path.join(_DIR, "damaged-" + name)
    with open(path, "wb") as handle:
        handle.write(data)
    if name.endswith(".keras"):
        return pellucid.models.load_model(path)
    # One model receives every damaged weights file. Its weights are zeroed first, so a
    # file that loads without setting them all cannot pass for the original.
    model = _weights_target()
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(path)
    return model


@functools.cache
def _weights_target():
    model = pellucid.Sequential([pellucid.Input((4,)), pellucid.layers.Dense(3),
                                 pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    return model


def _check(name, data, must_fail):
    original, weights = _originals()[name]
    try:
        model = _load(name, data)
    except saving.SavingError as err:
        assert "damaged-" + name in str(err) or "safe_mode" in str(err), str(err)
        return
    assert not must_fail, "a truncated file loaded"
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


NAMES = st.sampled_from(["p.keras", "p.weights.h5", "k.keras"])


@FUZZ
@given(name=NAMES, fraction=st.floats(0.0, 0.999))
def test_truncated_files_are_refused(name, fraction):
    original = _originals()[name][0]
    _check(name, original[: int(len(original) * fraction)], must_fail=True)


@FUZZ
@given(name=NAMES, position=st.floats(0.0, 0.9999), bit=st.integers(0, 7))
def test_bit_flipped_files_are_refused_or_harmless(name, position, bit):
    original = bytearray(_originals()[name][0])
    index = int(len(original) * position)
    original[index] ^= 1 << bit
    _check(name, bytes(original), must_fail=False)


@FUZZ
@given(name=NAMES, start=st.floats(0.0, 0.99), junk=st.binary(min_size=1, max_size=64))
def test_overwritten_spans_are_refused_or_harmless(name, start, junk):
    original = bytearray(_originals()[name][0])
    index = int(len(original) * start)
    original[index:index + len(junk)] = junk
    _check(name, bytes(original[:len(_originals()[name][0])]), must_fail=False)


def test_every_bit_of_the_digest_attribute_is_refused_or_harmless():
    # The digest was a variable-length string: its value lives on HDF5's global heap,
    # and flipping a bit of its address in the attribute crashed the interpreter inside
    # the HDF5 library. Run in a child process so that a crash fails this test.
    data = _originals()["p.weights.h5"][0]
    start = data.find(b"pellucid_sha256")
    assert start > 0
    script = (
        "import sys\n"
        f"sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "import test_saving_fuzz as t\n"
        "data = t._originals()['p.weights.h5'][0]\n"
        f"for index in range({start}, {min(start + 120, len(data))}):\n"
        "    for bit in range(8):\n"
        "        damaged = bytearray(data)\n"
        "        damaged[index] ^= 1 << bit\n"
        "        t._check('p.weights.h5', bytes(damaged), must_fail=False)\n"
        "print('checked')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip().endswith("checked")


def test_an_unknown_compression_method_is_a_format_error():
    # zipfile raises NotImplementedError for it, which the loader let through.
    data = bytearray(_originals()["p.keras"][0])
    # The central directory entry of config.json: its name starts 46 bytes in.
    entry = next(i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)
                 and data.startswith(b"config.json", i + 46))
    data[entry + 10:entry + 12] = (99).to_bytes(2, "little")
    with pytest.raises(saving.SavingError, match="damaged-p.keras"):
        _load("p.keras", bytes(data))
