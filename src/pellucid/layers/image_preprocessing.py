"""Image preprocessing layers: ``Rescaling`` and ``Resizing``. No weights."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.layers.convolution.arguments import data_format_name
from pellucid.layers.layer import Layer

__all__ = ["Rescaling", "Resizing"]

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


class Rescaling(Layer):
    """``y = x * scale + offset``, computed in float32 (so uint8 pixels become floats).

    ``Rescaling(1 / 255)`` maps ``[0, 255]`` to ``[0, 1]``; ``Rescaling(1 / 127.5, -1)``
    to ``[-1, 1]``. ``scale`` and ``offset`` may be per-channel lists (broadcast over the
    last axis). Any shape in, the same shape out.
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Any) -> Any:
        dtype = jnp.float32
        return (jnp.asarray(inputs).astype(dtype) * jnp.asarray(self.scale, dtype)
                + jnp.asarray(self.offset, dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Resizing(Layer):
    """Resize images to ``(height, width)``: ``(batch, H, W, C) -> (batch, height, width, C)``
    (or one image ``(H, W, C)``; channels first with ``data_format="channels_first"``).

    Each output pixel is an ``interpolation``-weighted mix of the input pixels around the
    point it maps to (``jax.image.resize``, half-pixel centres; ``antialias`` widens the
    kernel when shrinking). ``crop_to_aspect_ratio`` first cuts the largest centred window
    of the target's aspect ratio; ``pad_to_aspect_ratio`` instead pads the short side
    evenly with ``fill_value``. Integer images come back rounded to their own dtype; other
    inputs as float32.
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = f"Resizing {self.name!r}"
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{owner}: `interpolation` must be one of {INTERPOLATIONS}, "
                             f"got {interpolation!r}.")
        if fill_mode != "constant":
            raise ValueError(f"{owner}: only fill_mode='constant' is supported, as in Keras; "
                             f"got {fill_mode!r}.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{owner}: only one of crop_to_aspect_ratio and "
                             "pad_to_aspect_ratio can be True.")
        self.height, self.width = height, width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode, self.fill_value = fill_mode, fill_value
        self.antialias = bool(antialias)
        self.data_format = data_format_name(data_format, owner)

    def call(self, inputs: Any) -> Any:
        if isinstance(inputs, dict):
            raise NotImplementedError(
                f"Resizing {self.name!r}: dict inputs (images with bounding boxes or "
                "segmentation masks) are not implemented in pellucid; pass the images alone.")
        images = jnp.asarray(inputs)
        if images.ndim not in (3, 4):
            raise ValueError(
                f"Resizing {self.name!r} takes one image (rank 3) or a batch (rank 4), in "
                f"{self.data_format}; it received shape {tuple(images.shape)}.")
        rows, cols = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        integer = jnp.issubdtype(images.dtype, jnp.integer)
        floats = images.astype(jnp.float32)
        if self.crop_to_aspect_ratio:
            floats = self._crop(floats, rows, cols)
        elif self.pad_to_aspect_ratio:
            floats = self._pad(floats, rows, cols)
        shape = list(floats.shape)
        shape[rows], shape[cols] = self.height, self.width
        resized = jax.image.resize(floats, shape, method=self.interpolation,
                                   antialias=self.antialias)
        if not integer:
            return resized
        info = np.iinfo(images.dtype)
        return jnp.clip(jnp.round(resized), info.min, info.max).astype(images.dtype)

    def _crop(self, images: jax.Array, rows: int, cols: int) -> jax.Array:
        """The largest centred window with the target's aspect ratio."""
        height, width = images.shape[rows], images.shape[cols]
        crop_h = max(min(height, int(width * self.height / self.width)), 1)
        crop_w = max(min(width, int(height * self.width / self.height)), 1)
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        images = jax.lax.slice_in_dim(images, top, top + crop_h, axis=images.ndim + rows)
        return jax.lax.slice_in_dim(images, left, left + crop_w, axis=images.ndim + cols)

    def _pad(self, images: jax.Array, rows: int, cols: int) -> jax.Array:
        """The short side padded evenly (both ends) to the target's aspect ratio."""
        height, width = images.shape[rows], images.shape[cols]
        pad_h = (max(height, int(width * self.height / self.width)) - height) // 2
        pad_w = (max(width, int(height * self.width / self.height)) - width) // 2
        widths = [(0, 0)] * images.ndim
        if pad_h > 0:
            widths[images.ndim + rows] = (pad_h, pad_h)
        elif pad_w > 0:
            widths[images.ndim + cols] = (pad_w, pad_w)
        return jnp.pad(images, widths, constant_values=self.fill_value)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
