"""Layers of the reshaping family."""

__all__: list[str] = []
