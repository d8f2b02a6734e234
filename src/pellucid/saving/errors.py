"""Errors raised while saving and loading.

All are ``ValueError`` subclasses, so code written for Keras (which raises ``ValueError``)
keeps working, while callers who care can tell a damaged file from a refused config.
"""

from __future__ import annotations

from typing import Any


class SavingError(ValueError):
    """Base class of every saving/loading error pellucid raises on purpose."""


class FileFormatError(SavingError):
    """A file is truncated, corrupted, or not a Keras/pellucid file at all."""

    def __init__(self, path: Any, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"Cannot load {self.path!r}: {problem}")


class UnsafeDeserializationError(SavingError):
    """The config asks to run code (a Python lambda) and ``safe_mode`` is on."""


class UnknownObjectError(SavingError):
    """A config names a class or function that is neither built in nor registered."""


class WeightsMismatchError(SavingError):
    """The weights in a file do not fit the model (count or shapes differ)."""
