"""Image preprocessing layers: ``Rescaling``, ``Resizing``, ``CenterCrop``. No weights."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid.layers.convolution.arguments import data_format_name
from pellucid.layers.layer import Layer

__all__ = ["CenterCrop", "Rescaling", "Resizing"]

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
        images = _images(self, inputs)
        integer = jnp.issubdtype(images.dtype, jnp.integer)
        resized = resize_images(images.astype(jnp.float32), self.height, self.width,
                                self.data_format, self.interpolation, self.antialias,
                                self.crop_to_aspect_ratio, self.pad_to_aspect_ratio,
                                self.fill_value)
        if not integer:
            return resized
        info = np.iinfo(images.dtype)
        return jnp.clip(jnp.round(resized), info.min, info.max).astype(images.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(Layer):
    """The central ``(height, width)`` window of each image: ``(batch, H, W, C) ->
    (batch, height, width, C)`` (or one image; channels first with ``data_format``).

    A crop is a slice, no arithmetic: ``y[i, j] = x[top + i, left + j]`` with
    ``top = (H - height) // 2``, ``left = (W - width) // 2``. An image smaller than the
    window on either side is instead cropped to the window's aspect ratio and resized
    bilinearly, as Keras does. Output float32.
    """

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.height, self.width = height, width
        self.data_format = data_format_name(data_format, f"CenterCrop {self.name!r}")

    def call(self, inputs: Any) -> Any:
        images = _images(self, inputs).astype(jnp.float32)
        rows, cols = _spatial_axes(images, self.data_format)
        height, width = images.shape[rows], images.shape[cols]
        if height < self.height or width < self.width:
            return resize_images(images, self.height, self.width, self.data_format,
                                 "bilinear", False, True, False, 0.0)
        images = jax.lax.slice_in_dim(images, (height - self.height) // 2,
                                      (height - self.height) // 2 + self.height, axis=rows)
        return jax.lax.slice_in_dim(images, (width - self.width) // 2,
                                    (width - self.width) // 2 + self.width, axis=cols)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "data_format": self.data_format}


def _images(layer: Layer, inputs: Any) -> jax.Array:
    if isinstance(inputs, dict):
        raise NotImplementedError(
            f"{type(layer).__name__} {layer.name!r}: dict inputs (images with bounding "
            "boxes or segmentation masks) are not implemented in pellucid; pass the images "
            "alone.")
    images = jnp.asarray(inputs)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r} takes one image (rank 3) or a batch "
            f"(rank 4), in {layer.data_format}; it received shape {tuple(images.shape)}.")
    return images


def _spatial_axes(images: jax.Array, data_format: str) -> tuple[int, int]:
    """The (row, column) axes as non-negative indices."""
    first = images.ndim - 3 if data_format == "channels_last" else images.ndim - 2
    return first, first + 1


def resize_images(images: jax.Array, height: int, width: int, data_format: str,
                  interpolation: str, antialias: bool, crop_to_aspect_ratio: bool,
                  pad_to_aspect_ratio: bool, fill_value: float) -> jax.Array:
    """Float images resized to ``(height, width)`` as :class:`Resizing` describes."""
    rows, cols = _spatial_axes(images, data_format)
    in_h, in_w = images.shape[rows], images.shape[cols]
    if crop_to_aspect_ratio:
        # The largest centred window with the target's aspect ratio.
        crop_h = max(min(in_h, int(in_w * height / width)), 1)
        crop_w = max(min(in_w, int(in_h * width / height)), 1)
        top, left = (in_h - crop_h) // 2, (in_w - crop_w) // 2
        images = jax.lax.slice_in_dim(images, top, top + crop_h, axis=rows)
        images = jax.lax.slice_in_dim(images, left, left + crop_w, axis=cols)
    elif pad_to_aspect_ratio:
        # The short side padded evenly (both ends) to the target's aspect ratio.
        pad_h = (max(in_h, int(in_w * height / width)) - in_h) // 2
        pad_w = (max(in_w, int(in_h * width / height)) - in_w) // 2
        widths = [(0, 0)] * images.ndim
        if pad_h > 0:
            widths[rows] = (pad_h, pad_h)
        elif pad_w > 0:
            widths[cols] = (pad_w, pad_w)
        images = jnp.pad(images, widths, constant_values=fill_value)
    shape = list(images.shape)
    shape[rows], shape[cols] = height, width
    return jax.image.resize(images, shape, method=interpolation, antialias=antialias)
