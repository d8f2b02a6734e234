"""Layers of the masking family."""

__all__: list[str] = []
