"""The names of the programs JAX compiles while a block runs."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import jax


class _CompileLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Compiling "):
            self.names.append(message.split()[1])


@contextmanager
def compiles() -> Iterator[list[str]]:
    """``with compiles() as names:``: ``names`` lists each program compiled in the block."""
    handler = _CompileLog()
    logger = logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles(True):
            yield handler.names
    finally:
        logger.removeHandler(handler)
