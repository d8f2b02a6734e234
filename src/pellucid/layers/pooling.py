"""Layers of the pooling family."""

__all__: list[str] = []
