import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh automatic layer names, in pellucid and in Keras.

    Without collecting garbage: a full collection of the test process's heap takes 0.1 s or
    more, which over the suite's tests came to minutes.
    """
    import pellucid

    pellucid.clear_session(free_memory=False)
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session(free_memory=False)
    yield


@pytest.fixture
def lstm_calls(monkeypatch):
    """How many times an LSTM layer's ``call`` has run (once per trace or eager call)."""
    import pellucid

    count = [0]
    call = pellucid.layers.LSTM.call

    def counted(self, *args, **kwargs):
        count[0] += 1
        return call(self, *args, **kwargs)

    monkeypatch.setattr(pellucid.layers.LSTM, "call", counted)
    return count
