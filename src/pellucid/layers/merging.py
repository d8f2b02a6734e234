"""Layers of the merging family."""

__all__: list[str] = []
