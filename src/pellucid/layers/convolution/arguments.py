"""Checking the size arguments shared by convolution and pooling layers."""

from __future__ import annotations

from typing import Any


def int_tuple(value: Any, rank: int, name: str, owner: str, allow_zero: bool = False) -> tuple:
    """``value`` as a tuple of ``rank`` ints (an int is repeated), each > 0 (or >= 0)."""
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or not all(isinstance(v, int) for v in values):
        raise ValueError(
            f"{owner}: `{name}` must be an int or a tuple of {rank} ints, got {value!r}."
        )
    smallest = 0 if allow_zero else 1
    if any(v < smallest for v in values):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: every entry of `{name}` must be {bound}, got {value!r}.")
    return values


def padding_mode(value: str, owner: str, allow_causal: bool = False) -> str:
    mode = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if mode not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of {allowed}, got {value!r}.")
    return mode


def data_format_name(value: str | None, owner: str) -> str:
    fmt = "channels_last" if value is None else str(value).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{owner}: `data_format` must be 'channels_last' or 'channels_first', got {value!r}."
        )
    return fmt


def store_window(layer: Any, kernel_size: Any, strides: Any, padding: str,
                 data_format: str | None, dilation_rate: Any, allow_causal: bool = False) -> None:
    """Check and set ``kernel_size``, ``strides``, ``dilation_rate``, ``padding`` and
    ``data_format`` on a convolution layer of ``layer.rank`` spatial axes."""
    owner, rank = type(layer).__name__, layer.rank
    layer.kernel_size = int_tuple(kernel_size, rank, "kernel_size", owner)
    layer.strides = int_tuple(strides, rank, "strides", owner)
    layer.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate", owner)
    layer.padding = padding_mode(padding, owner, allow_causal=allow_causal)
    layer.data_format = data_format_name(data_format, owner)
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"{owner}: strides > 1 cannot be combined with dilation_rate > 1 "
            f"(strides={layer.strides}, dilation_rate={layer.dilation_rate})."
        )


def check_rank(layer: Any, input_shape: tuple, rank: int) -> None:
    if len(input_shape) != rank + 2:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects inputs of rank {rank + 2} "
            f"(batch, {rank} spatial axes, channels), but got shape {tuple(input_shape)}."
        )


def input_channels(layer: Any, input_shape: tuple, rank: int) -> int:
    """The channel count of ``input_shape``, checking rank and that it is known."""
    name = f"Layer {layer.name!r} ({type(layer).__name__})"
    check_rank(layer, input_shape, rank)
    axis = -1 if layer.data_format == "channels_last" else 1
    channels = input_shape[axis]
    if channels is None:
        raise ValueError(
            f"{name} needs the channels axis ({axis}, data_format={layer.data_format!r}) to be "
            f"known; got input shape {tuple(input_shape)}."
        )
    return int(channels)


def check_output_sizes(layer: Any, input_shape: tuple, sizes: list[int]) -> None:
    """Refuse a configuration whose output would have an empty spatial axis."""
    if any(s is not None and s <= 0 for s in sizes):
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) gives an empty output for input "
            f"shape {tuple(input_shape)}: kernel/pool size "
            f"{getattr(layer, 'kernel_size', getattr(layer, 'pool_size', None))}, strides "
            f"{layer.strides}, padding {layer.padding!r} and data_format "
            f"{layer.data_format!r} leave output sizes {sizes}. Use padding='same' or a "
            "smaller window, or check the data_format."
        )
