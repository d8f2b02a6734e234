"""Layers of the embedding family."""

__all__: list[str] = []
