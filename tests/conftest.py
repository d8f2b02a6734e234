import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh automatic layer names, in pellucid and in Keras."""
    import pellucid

    pellucid.clear_session()
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    yield
