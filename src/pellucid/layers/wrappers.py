"""Layers of the wrappers family."""

__all__: list[str] = []
