"""Layers of the regularization family."""

__all__: list[str] = []
