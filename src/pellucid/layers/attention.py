"""Layers of the attention family."""

__all__: list[str] = []
