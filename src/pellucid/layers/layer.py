"""The Layer base class: config + build() + call().

A layer is called three ways, all through ``__call__``:

- on symbolic ``KerasTensor``s (``Input``): it builds, finds its output shapes by tracing
  ``call`` with ``jax.eval_shape`` and records a graph node;
- on arrays, eagerly;
- inside a traced function (the jitted training step), where its variables read the
  values of the active ``StateScope``.

Masks travel as explicit values: :meth:`call_with_masks` takes the input masks and returns
the output masks next to the outputs, and models pass them along.
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import core as _jax_core  # trace_state_clean: no public equivalent

from pellucid import backend
from pellucid.backend import Variable, assign_all
from pellucid.layers import eager_program, losses_scope, symbolic
from pellucid.layers.input_spec import InputSpec, check_input_spec

_eager_depth = threading.local()
_LAYER_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "input_length"}


class Layer:
    """Base class of every layer (and of Model).

    Subclasses set their config in ``__init__``, create weights in ``build(input_shape)``
    with :meth:`add_weight`, and compute in ``call(inputs, ...)``.
    """

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ):
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword argument(s) "
                f"{sorted(unknown)}."
            )
        object.__setattr__(self, "_layers", [])
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._losses: list[Any] = []
        self._trainable = trainable
        self.name = name or backend.unique_name(backend.to_snake_case(type(self).__name__))
        # Fixed when the layer is first built or called (see ``path_scope``).
        self._parent_path: str | None = None
        self.dtype_policy = _dtype_name(dtype)
        self.autocast = autocast
        self.built = False
        self.input_spec: InputSpec | list[InputSpec] | None = None
        self._build_shapes: Any = None
        self._inbound_nodes: list[Any] = []
        self._input_shape_arg = _batch_shape_from_kwargs(type(self).__name__, kwargs)
        self._input_dtype_arg: str | None = None
        from pellucid import regularizers  # noqa: PLC0415  (regularizers may import layers' deps)

        self.activity_regularizer = regularizers.get(activity_regularizer)
        if not hasattr(self, "supports_masking"):
            self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._call_params = inspect.signature(self.call).parameters

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # As in Keras, a layer is built once its own build() has run, also when the user
        # calls build(shape) directly (then set_weights, then calls it).
        super().__init_subclass__(**kwargs)
        own_build = cls.__dict__.get("build")
        if own_build is not None and not getattr(own_build, "_marks_built", False):

            @functools.wraps(own_build)
            def build(self: Layer, *args: Any, **kw: Any) -> Any:
                with self.path_scope():
                    result = own_build(self, *args, **kw)
                if self._build_shapes is None and args:
                    self._build_shapes = args[0]
                self.built = True
                return result

            build._marks_built = True  # type: ignore[attr-defined]
            cls.build = build

    # --- attribute tracking --------------------------------------------------------------
    # Attributes that record a run's progress, set at every ``fit``; nothing is derived
    # from them (see ``backend.structure_version``).
    _run_progress_attributes: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Layer) and name != "_outbound_owner":
            self._track_layer(value)
        elif isinstance(value, (list, tuple)) and value and not name.startswith("_"):
            for item in value:
                if isinstance(item, Layer):
                    self._track_layer(item)
        elif isinstance(value, Variable) and not name.startswith("_"):
            self._track_variable(value)
        object.__setattr__(self, name, value)
        # Any other attribute may bear on the structure (``trainable``, ``_layers``, an
        # activation that decides whether the layer runs as a compiled program).
        if name not in self._run_progress_attributes:
            backend.structure_changed()

    def _track_layer(self, layer: Layer) -> None:
        layers = self.__dict__.get("_layers")
        if layers is None:
            raise RuntimeError(
                f"{type(self).__name__}: call super().__init__() before assigning sub-layers."
            )
        if not any(existing is layer for existing in layers):
            layers.append(layer)
            backend.structure_changed()

    def _track_variable(self, variable: Variable) -> None:
        pool = self._trainable_variables if variable.trainable else self._non_trainable_variables
        if not any(v is variable for v in pool):
            pool.append(variable)
            backend.structure_changed()

    # --- weight paths -----------------------------------------------------------------
    @property
    def path(self) -> str:
        """``parent/.../name``: the prefix of this layer's weight paths (Keras's ``path``)."""
        return backend.join_path(self._parent_path or "", self.name)

    def path_scope(self) -> Any:
        """Scope for building or calling this layer: sub-layers built inside it live under
        :attr:`path`. The first use fixes the parent path, as Keras's name scopes do."""
        if self._parent_path is None:
            self._parent_path = backend.current_path()
        return backend.path_scope(self.path)

    # --- weights ----------------------------------------------------------------------
    def add_weight(
        self,
        shape: Sequence[int] | None = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Variable:
        """Create a variable owned by this layer (Keras's ``add_weight``)."""
        from pellucid import constraints, initializers, regularizers  # noqa: PLC0415

        shape = tuple(int(d) for d in (shape or ()))
        dtype = dtype or "float32"
        if initializer is None:
            is_float = jnp.issubdtype(jnp.dtype(dtype), jnp.floating)
            initializer = "glorot_uniform" if is_float else "zeros"
        init = initializers.get(initializer)
        value = _initial_value(init, shape, dtype)
        # Unnamed weights get Keras's session-wide names (variable, variable_1, ...), so
        # every weight of a model keeps its own path.
        name = name or backend.unique_name("variable")
        variable = Variable(
            value,
            trainable=trainable,
            name=name,
            path=backend.join_path(self.path, name),
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint),
        )
        self._track_variable(variable)
        return variable

    def add_state_variable(self, shape: Sequence[int], name: str, dtype: Any = "float32",
                           initializer: Any = "zeros") -> Variable:
        """A variable that is state, not a weight (e.g. a stateful RNN's carried state).

        It is not in ``weights``/``get_weights()`` nor saved (as in Keras), but the
        training step threads it like a non-trainable value, so updates persist.
        """
        from pellucid import initializers  # noqa: PLC0415

        value = _initial_value(initializers.get(initializer), tuple(shape), dtype)
        variable = Variable(value, trainable=False, name=name,
                            path=backend.join_path(self.path, name))
        self.__dict__.setdefault("_state_variables", []).append(variable)
        backend.structure_changed()
        return variable

    def _derived(self, name: str, collect: Any) -> list | None:
        """``collect()``'s list (or None), kept until :func:`backend.structure_version`
        changes; a copy, so that callers may change what they get."""
        version = backend.structure_version()
        kept = self.__dict__.get("_derived_lists")
        if kept is None or kept[0] != version:
            kept = self.__dict__["_derived_lists"] = (version, {})
        if name not in kept[1]:
            kept[1][name] = collect()
        found = kept[1][name]
        return None if found is None else list(found)

    @property
    def state_variables(self) -> list[Variable]:
        """State variables of this layer and its sub-layers (not weights)."""
        return self._derived("state_variables", lambda: _unique(
            [self.__dict__.get("_state_variables", [])]
            + [layer.state_variables for layer in self._layers]))

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self) -> list[Variable]:
        """Own trainable, own non-trainable, then each sub-layer's weights (Keras's order)."""
        return self._derived("weights", lambda: _unique(
            [self._trainable_variables, self._non_trainable_variables]
            + [layer.weights for layer in self._layers]))

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return self._derived("trainable_weights", lambda: _unique(
            [[w for w in self._trainable_variables if w.trainable]]
            + [layer.trainable_weights for layer in self._layers]))

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        def collect() -> list[Variable]:
            trainable_ids = {id(w) for w in self.trainable_weights}
            return [w for w in self.weights if id(w) not in trainable_ids]

        return self._derived("non_trainable_weights", collect)

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Assign arrays in the order of :attr:`weights`, checking count and shapes."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects {len(own)} weight "
                f"arrays {[w.shape for w in own]}, but set_weights received {len(weights)}."
            )
        for variable, value in zip(own, weights, strict=True):
            if tuple(np.shape(value)) != variable.shape:
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}): weight {variable.path!r} "
                    f"has shape {variable.shape}, but set_weights received an array of shape "
                    f"{tuple(np.shape(value))}."
                )
        assign_all(own, weights)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"Layer {self.name!r} is not built yet, so its parameter count is unknown. "
                "Call it on data or build it with an input shape first."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # --- rows of a batch ---------------------------------------------------------------
    # Whether this class's own computation keeps the rows of a batch apart (output row i
    # reads input row i only, in training too); see `rows_independent`.
    _rows_independent = False
    # The same in inference only (BatchNormalization: the batch's statistics in training,
    # the moving ones in inference).
    _rows_independent_in_inference = False

    def rows_independent(self, training: bool = True) -> bool:
        """Whether output row ``i`` depends on input row ``i`` only, for this layer and
        every layer inside it: in training and inference, or with ``training=False`` in
        inference only. pellucid's own layers state it per class; a layer defined
        elsewhere (a subclass overriding ``call``, a ``Lambda``) may reduce over the batch
        and counts as not independent."""
        own = type(self).__module__.startswith("pellucid.") and (
            self._rows_independent or (not training and self._rows_independent_in_inference))
        return own and all(child.rows_independent(training)
                           for child in self.__dict__.get("_layers", None) or [])

    # --- losses -----------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term (activity regularizers, user penalties) to this call."""
        if not losses_scope.record(loss):
            self._losses.append(loss)

    @property
    def losses(self) -> list[Any]:
        """Eager losses from the last call plus weight regularization terms."""
        out = list(self._losses)
        for layer in self._layers:
            out.extend(layer._losses)
        for w in self.weights:
            if w.regularizer is not None:
                out.append(w.regularizer(w.value))
        return out

    # --- the three steps a subclass writes --------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis included, maybe None)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Layer {type(self).__name__} does not define call().")

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask; pass-through when ``supports_masking``."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Found by tracing ``call`` (never a second hand-written formula)."""
        structs = jax.tree_util.tree_map(
            lambda s: symbolic.KerasTensor(s, "float32"),
            input_shape,
            is_leaf=symbolic.is_shape_tuple,
        )
        outputs = self._trace_outputs((structs,), {}, None)[0]
        return jax.tree_util.tree_map(lambda kt: kt.shape, outputs, is_leaf=symbolic.is_symbolic)

    # --- calling ----------------------------------------------------------------------
    # Whether an eager call may run as one compiled program (layers/eager_program.py).
    # Models decide for their whole graph instead (models/eager_call.py).
    eager_program_allowed = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if symbolic.any_symbolic((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        # As in Keras, `losses` holds the add_loss terms of the latest outermost call only.
        depth = getattr(_eager_depth, "value", 0)
        if depth == 0:
            self._clear_call_losses()
        _eager_depth.value = depth + 1
        try:
            outputs = eager_program.run(self, args, kwargs)
            if outputs is eager_program.NOT_APPLICABLE:
                outputs, _ = self.call_with_masks(args, kwargs, None)
        finally:
            _eager_depth.value = depth
        return outputs

    def _clear_call_losses(self) -> None:
        self._losses.clear()
        for layer in self._layers:
            layer._clear_call_losses()

    def call_with_masks(self, args: tuple, kwargs: dict, input_mask: Any) -> tuple[Any, Any]:
        """Run the layer on arrays; return ``(outputs, output_mask)``.

        ``input_mask`` is the mask (or structure of masks) of the first argument. Models call
        this so that masks are passed along explicitly.
        """
        args = tuple(_to_arrays(a) for a in args)
        kwargs = {k: _to_arrays(v) for k, v in kwargs.items()}
        inputs = args[0] if args else kwargs.get("inputs")
        with self.path_scope():
            self._maybe_build(inputs)
        check_input_spec(self, inputs)
        kwargs = self._fill_context_args(kwargs, input_mask)
        previous_mask = kwargs.get("mask", input_mask)
        if previous_mask is not None and "mask" not in self._call_params:
            previous_mask = input_mask
        try:
            # Sub-layers first built inside call (subclassed models) live under this path.
            with self.path_scope():
                outputs = self.call(*args, **kwargs)
        except (TypeError, ValueError) as err:
            raise _with_layer_context(self, err, inputs) from err
        self._record_activity_regularization(outputs)
        if self.supports_masking:
            out_mask = self.compute_mask(inputs, previous_mask)
        else:
            if any(m is not None for m in jax.tree_util.tree_leaves(previous_mask)):
                warnings.warn(
                    f"Layer {self.name!r} ({type(self).__name__}) received a mask but does not "
                    "support masking; the mask is dropped and later layers will not see it.",
                    stacklevel=3,
                )
            out_mask = None
        return outputs, out_mask

    def _fill_context_args(self, kwargs: dict, input_mask: Any) -> dict:
        params = self._call_params
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        if not takes_any:
            # Models pass training/mask to every layer; a call() without them gets neither.
            kwargs = {k: v for k, v in kwargs.items()
                      if k not in ("training", "mask") or k in params}
        if "training" in params and kwargs.get("training") is None:
            flag = backend.training_flag()
            if flag is not None:
                kwargs = {**kwargs, "training": flag}
        if "mask" in params and kwargs.get("mask") is None and input_mask is not None:
            kwargs = {**kwargs, "mask": input_mask}
        return kwargs

    def _record_activity_regularization(self, outputs: Any) -> None:
        if self.activity_regularizer is None:
            return
        for out in jax.tree_util.tree_leaves(outputs):
            penalty = self.activity_regularizer(out)
            if out.ndim > 0:
                penalty = penalty / out.shape[0]
            self.add_loss(penalty)

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shapes = symbolic.shape_structure(inputs)
        self._build_shapes = shapes
        if _build_is_overridden(self):
            self.build(shapes)
        self.built = True

    def build_from_config(self, config: dict) -> None:
        """Keras's ``build_config`` round trip: ``{"input_shape": ...}``."""
        shape = config.get("input_shape")
        if shape is not None and not self.built:
            self.build(symbolic.as_shape_structure(shape))
            self._build_shapes = symbolic.as_shape_structure(shape)
            self.built = True

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        return {"input_shape": symbolic.shape_to_json(self._build_shapes)}

    # --- symbolic calls ---------------------------------------------------------------
    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        inputs = args[0] if args else kwargs.get("inputs")
        if not self.built:
            with self.path_scope():
                self._maybe_build(inputs)
        check_input_spec(self, inputs)
        input_mask = symbolic.first_arg_mask(inputs)
        outputs, out_mask = self._trace_outputs(args, kwargs, input_mask)
        symbolic.Node(self, args, kwargs, outputs, out_mask)
        return outputs

    def _trace_outputs(self, args: tuple, kwargs: dict, input_mask: Any) -> tuple[Any, Any]:
        """Output KerasTensors (and mask specs) found by tracing ``call_with_masks``."""

        def run(arrays: list, mask: Any) -> tuple[Any, Any]:
            a, k = symbolic.substitute(args, kwargs, arrays)
            with backend.training_mode(backend.training_flag()):
                return self.call_with_masks(a, k, mask)

        try:
            return symbolic.trace_shapes(run, args, kwargs, input_mask,
                                         rows_independent=self.rows_independent())
        except (TypeError, ValueError) as err:
            inputs = args[0] if args else kwargs.get("inputs")
            raise _with_layer_context(self, err, inputs) from err

    # --- config -----------------------------------------------------------------------
    def get_config(self) -> dict:
        config: dict[str, Any] = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": self.dtype_policy},
                "registered_name": None,
            },
        }
        if self.activity_regularizer is not None:
            from pellucid import regularizers  # noqa: PLC0415

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(**config)

    # --- misc -------------------------------------------------------------------------
    @property
    def output(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on an Input.")
        return self._inbound_nodes[0].outputs

    @property
    def input(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on an Input.")
        return self._inbound_nodes[0].call_args[0]

    @property
    def output_shape(self) -> Any:
        return jax.tree_util.tree_map(
            lambda kt: kt.shape, self.output, is_leaf=symbolic.is_symbolic
        )

    @property
    def input_shape(self) -> Any:
        return jax.tree_util.tree_map(
            lambda kt: kt.shape, self.input, is_leaf=symbolic.is_symbolic
        )

    def explain(self, input_shape: Any = None) -> Any:
        from pellucid.explain import explain  # noqa: PLC0415

        return explain(self, input_shape=input_shape)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _unique(groups: list) -> list:
    """The items of ``groups`` in order, each object once (the first time it appears)."""
    out, seen = [], set()
    for group in groups:
        for item in group:
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
    return out


def _initial_value(init: Any, shape: tuple, dtype: Any) -> jax.Array:
    """``init(shape, dtype)`` as a concrete array of ``dtype``.

    Build may run inside a trace (a subclassed model built lazily under jit), where
    initial values must still be concrete. Only then is JAX's compile-time evaluation
    switched on: it also makes lowering run jnp code eagerly (the lowering of one QR
    compiled a dozen small programs).
    """
    if _tracing():
        with jax.ensure_compile_time_eval():
            return jnp.asarray(init(shape, dtype=dtype), dtype=dtype)
    value = init(shape, dtype=dtype)
    if isinstance(value, jax.Array) and value.dtype == jnp.dtype(dtype):
        return value
    return jnp.asarray(value, dtype=dtype)


def _tracing() -> bool:
    clean = getattr(_jax_core, "trace_state_clean", None)
    return True if clean is None else not clean()


def _build_is_overridden(layer: Layer) -> bool:
    return type(layer).build is not Layer.build


def _dtype_name(dtype: Any) -> str:
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):
        return dtype.get("config", {}).get("name", "float32")
    return str(jnp.dtype(dtype)) if not isinstance(dtype, str) else dtype


def _batch_shape_from_kwargs(cls_name: str, kwargs: dict) -> tuple | None:
    """The batch shape that old-style ``input_shape=``/``input_dim=`` keywords declare."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape
    if kwargs.get("input_dim") is not None:
        warnings.warn(
            f"{cls_name}(input_dim=...) is deprecated: start the model with "
            f"keras.Input(shape=({kwargs['input_dim']},)) instead.",
            DeprecationWarning,
            stacklevel=4,
        )
        if kwargs.get("input_length") is not None:
            return (kwargs.get("batch_size"), kwargs["input_length"], kwargs["input_dim"])
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _to_arrays(value: Any) -> Any:
    """NumPy arrays and Python numbers become JAX arrays (float64 becomes float32)."""

    def convert(x: Any) -> Any:
        if isinstance(x, np.ndarray) or isinstance(x, (float, np.floating)):
            arr = np.asarray(x)
            if arr.dtype == np.float64:
                arr = arr.astype(np.float32)
            # jnp.asarray compiles a copy program once per shape (20 ms on a slow CPU) and
            # then takes half of device_put's time per call (120 against 240 us): a model
            # called in a loop sees the same shape again and again.
            return jnp.asarray(arr)
        return x

    if isinstance(value, (list, tuple, dict)):
        return jax.tree_util.tree_map(convert, value)
    return convert(value)


def _with_layer_context(layer: Layer, err: Exception, inputs: Any) -> Exception:
    """Wrap a low-level error with the layer's name and the shapes it was given.

    An error already wrapped by this same layer during a symbolic trace is re-worded with
    the symbolic shapes (``None`` batch) instead of the stand-in sizes used for tracing.
    """
    owner = getattr(err, "_pellucid_layer", None)
    if owner is not None and owner is not layer:
        return err
    detail = getattr(err, "_pellucid_detail", None) or str(err)
    shapes = symbolic.shape_structure(inputs) if inputs is not None else None
    message = (
        f"Layer {layer.name!r} ({type(layer).__name__}) could not process inputs of shape "
        f"{shapes}: {detail}"
    )
    new = type(err)(message) if type(err) in (TypeError, ValueError) else ValueError(message)
    new._pellucid_layer = layer  # type: ignore[attr-defined]
    new._pellucid_detail = detail  # type: ignore[attr-defined]
    return new
