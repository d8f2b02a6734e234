"""Sequential: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from typing import Any

from pellucid import backend
from pellucid.layers.input_layer import InputLayer
from pellucid.layers.layer import Layer
from pellucid.layers.symbolic import KerasTensor, shape_structure
from pellucid.models.model import Model, training_given


class Sequential(Model):
    """``Sequential([layer, ...])``: ``output = layer_n(... layer_1(inputs))``.

    The input shape comes from an ``Input``/``InputLayer`` first entry, from the first
    layer's ``input_shape=``/``input_dim=``/``batch_input_shape=`` keyword (older code), or
    from the first data it sees. Once known, each added layer is traced right away, so a
    layer that cannot take its input fails at ``add`` time with the shapes in the message.
    """

    _rows_independent = True  # see Layer.rows_independent

    def __init__(self, layers: list[Any] | None = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._stack: list[Layer] = []
        self._symbolic_outputs: list[KerasTensor] = []
        for layer in layers or []:
            self.add(layer)

    # --- building the stack -------------------------------------------------------------
    def add(self, layer: Any, rebuild: bool = True) -> None:
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    f"Sequential {self.name!r}: an Input can only be the first entry."
                )
            self._input_layer = layer
            self._track_layer(layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add() takes a layer instance; got {layer!r}. "
                "Did you forget to call the class, e.g. Dense(10) rather than Dense?"
            )
        if self._input_layer is None and not self._stack and layer._input_shape_arg:
            self._input_layer = InputLayer(batch_shape=layer._input_shape_arg)
            self._track_layer(self._input_layer)
        self._stack.append(layer)
        self._track_layer(layer)
        if self._input_layer is not None and rebuild:
            self._extend_graph(layer)

    def pop(self) -> Layer:
        if not self._stack:
            raise TypeError(f"Sequential {self.name!r} has no layers to pop.")
        layer = self._stack.pop()
        self._layers = [la for la in self._layers if la is not layer]
        if self._symbolic_outputs:
            self._symbolic_outputs = self._symbolic_outputs[: len(self._stack)]
        return layer

    def _extend_graph(self, layer: Layer) -> None:
        previous = (self._symbolic_outputs[-1] if self._symbolic_outputs
                    else self._input_layer.output_tensor)
        # As in Keras, layers of a Sequential are built under its path.
        with self.path_scope():
            self._symbolic_outputs.append(layer(previous))
        self.built = True
        self._build_shapes = self._input_layer.batch_shape

    def build(self, input_shape: Any = None) -> None:
        """Fix the input shape (batch axis included) and trace every layer on it."""
        if self._input_layer is None:
            if input_shape is None:
                raise ValueError(
                    f"Sequential {self.name!r} has no input shape. Add keras.Input(shape=...) "
                    "first, pass input_shape= to the first layer, or call model.build(shape)."
                )
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
            self._layers.insert(0, self._input_layer)
            backend.structure_changed()
        self._symbolic_outputs = []
        for layer in self._stack:
            self._extend_graph(layer)
        self.built = True

    # --- structure ----------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    @property
    def inputs(self) -> list[KerasTensor]:
        return [self._input_layer.output_tensor] if self._input_layer else []

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._symbolic_outputs[-1:] if self._symbolic_outputs else []

    @property
    def input_shape(self) -> Any:
        if self._input_layer is None:
            raise AttributeError(f"Sequential {self.name!r} has no input shape yet.")
        return self._input_layer.batch_shape

    @property
    def output_shape(self) -> Any:
        if not self._symbolic_outputs:
            raise AttributeError(f"Sequential {self.name!r} is not built yet.")
        return self._symbolic_outputs[-1].shape

    @property
    def input_names(self) -> list[str]:
        return [self._input_layer.name] if self._input_layer else []

    @property
    def output_names(self) -> list[str]:
        return [self._stack[-1].name] if self._stack else []

    def layer_output_shapes(self) -> list[Any]:
        return [kt.shape for kt in self._symbolic_outputs]

    # --- running ------------------------------------------------------------------------
    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        return self.call_with_masks((inputs,), {"mask": mask, "training": training}, None)[0]

    def call_with_masks(self, args: tuple, kwargs: dict, input_mask: Any) -> tuple[Any, Any]:
        x = args[0] if args else kwargs.get("inputs")
        mask = kwargs.get("mask", input_mask)
        if not self._symbolic_outputs and self._stack:
            self.build((None,) + tuple(shape_structure(x))[1:])
        if self._input_layer is not None and hasattr(x, "astype"):
            wanted = self._input_layer.input_dtype
            if str(x.dtype) != wanted:
                x = x.astype(wanted)
        with training_given(kwargs.get("training")):
            for layer in self._stack:
                x, mask = layer.call_with_masks((x,), {}, mask)
        return x, mask

    def get_config(self) -> dict:
        from pellucid.saving.serialization import serialize_keras_object  # noqa: PLC0415

        layers = [serialize_keras_object(la) for la in
                  ([self._input_layer] if self._input_layer else []) + self._stack]
        config = {**Layer.get_config(self), "layers": layers}
        config.pop("activity_regularizer", None)
        if self._input_layer is not None:
            config["build_input_shape"] = list(self._input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        from pellucid.saving.serialization import deserialize_keras_object  # noqa: PLC0415

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
