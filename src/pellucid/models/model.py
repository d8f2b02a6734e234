"""Model: a Layer that trains, summarizes, saves and explains itself.

``Model(inputs, outputs)`` makes a functional model; subclassing ``Model`` with your own
``__init__`` and ``call`` works as in Keras. Training is delegated to
:class:`pellucid.training.Trainer`, which sees the model only through the pure function
:meth:`Model.pure_forward` and the variable lists.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from pellucid import backend
from pellucid.backend import RandomScope, StateScope
from pellucid.layers.layer import Layer
from pellucid.layers.losses_scope import collect_losses


@contextlib.contextmanager
def training_given(training: Any) -> Iterator[None]:
    """The layers of a model called with ``training=True`` or ``False`` run in that mode
    (an explicit argument wins over the caller's mode, as in Keras); with None they keep
    the caller's."""
    if training is None:
        yield
        return
    with backend.training_mode(bool(training)):
        yield


class Model(Layer):
    """Groups layers into an object with training and inference features."""

    _run_progress_attributes = frozenset({"history", "stop_training", "_initial_epoch",
                                          "_initial_step"})

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (len(args) >= 2 or "outputs" in kwargs or "inputs" in kwargs):
            from pellucid.models.functional import Functional  # noqa: PLC0415

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any):
        if type(self) is not Model and args:
            # A subclass of Model called with positional args it does not forward.
            raise TypeError(f"{type(self).__name__}: unexpected positional arguments {args}.")
        super().__init__(**kwargs)
        self.stop_training = False
        self.optimizer = None
        self.compiled = False
        self._trainer = None
        self.history = None

    # --- structure --------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        from pellucid.registry import suggest  # noqa: PLC0415

        names = [la.name for la in self.layers]
        raise ValueError(f"No layer named {name!r} in model {self.name!r}.{suggest(name, names)}"
                         f" Layers: {names}.")

    eager_program_allowed = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from pellucid.models import eager_call  # noqa: PLC0415

        outputs = eager_call.run(self, args, kwargs)
        if outputs is eager_call.NOT_APPLICABLE:
            return super().__call__(*args, **kwargs)
        return outputs

    # --- the pure function the trainer compiles ----------------------------------------
    def pure_forward(self, trainable: list, non_trainable: list, inputs: Any, training: bool,
                     key: Any) -> tuple[Any, Any, list, list]:
        """``(outputs, output_masks, new_non_trainable, added_losses)`` from explicit state.

        Variables read ``trainable``/``non_trainable`` (in the order of
        ``trainable_weights`` / ``non_trainable_weights``); assignments (e.g. moving
        statistics) come back as ``new_non_trainable``; randomness derives from ``key``.
        """
        t_vars, nt_vars = self.trainable_weights, self.non_trainable_state()
        mapping = dict(zip(t_vars, trainable, strict=True))
        mapping.update(zip(nt_vars, non_trainable, strict=True))
        with StateScope(mapping) as scope, RandomScope(key), \
                backend.training_mode(training), collect_losses() as losses:
            outputs, masks = self.call_with_masks((inputs,), {"training": training}, None)
            updates = scope.new_values()
        new_nt = [updates.get(v, val) for v, val in zip(nt_vars, non_trainable, strict=True)]
        return outputs, masks, new_nt, losses

    def non_trainable_state(self) -> list:
        """Non-trainable weights followed by state variables: what ``pure_forward`` threads."""
        return self.non_trainable_weights + self.state_variables

    # --- training API (delegated) -------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int | str = 1, jit_compile: Any = "auto",
                auto_scale_loss: bool = True, **kwargs: Any) -> None:
        """Configure training (Keras's ``compile``)."""
        from pellucid.training import Trainer  # noqa: PLC0415

        self._trainer = Trainer(self, optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                                metrics=metrics, weighted_metrics=weighted_metrics,
                                steps_per_execution=steps_per_execution, **kwargs)
        self.optimizer = self._trainer.optimizer
        self.compiled = True

    def _require_trainer(self, what: str) -> Any:
        if self._trainer is None:
            raise RuntimeError(
                f"You must call model.compile(optimizer, loss) before model.{what}(). "
                "For example: model.compile(optimizer='adam', loss='mse')."
            )
        return self._trainer

    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: Any = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1, **kwargs: Any) -> Any:
        """Train for ``epochs`` epochs; returns the History callback."""
        return self._require_trainer("fit").fit(
            x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data,
            shuffle=shuffle, class_weight=class_weight, sample_weight=sample_weight,
            initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps, validation_batch_size=validation_batch_size,
            validation_freq=validation_freq, **kwargs)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, return_dict: bool = False, **kwargs: Any) -> Any:
        return self._require_trainer("evaluate").evaluate(
            x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight,
            steps=steps, callbacks=callbacks, return_dict=return_dict, **kwargs)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None) -> Any:
        from pellucid.training import predict  # noqa: PLC0415

        return predict(self, x, batch_size=batch_size, verbose=verbose, steps=steps,
                       callbacks=callbacks)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Any = None, return_dict: bool = False) -> Any:
        return self._require_trainer("train_on_batch").train_on_batch(
            x, y, sample_weight=sample_weight, class_weight=class_weight,
            return_dict=return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        return self._require_trainer("test_on_batch").test_on_batch(
            x, y, sample_weight=sample_weight, return_dict=return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        from pellucid.training import predict_on_batch  # noqa: PLC0415

        return predict_on_batch(self, x)

    @property
    def metrics(self) -> list[Any]:
        """The loss tracker and compiled metric objects (once compiled and built)."""
        compiled = getattr(self._trainer, "compiled", None)
        if compiled is None or not compiled.built:
            return []
        found = [compiled.loss_tracker, *compiled.output_loss_trackers]
        for entries in compiled.metrics:
            found.extend(metric for _, metric, _ in entries)
        return found

    @property
    def metrics_names(self) -> list[str]:
        return self._trainer.metrics_names if self._trainer else []

    # --- state --------------------------------------------------------------------------
    def reset_states(self) -> None:
        """Zero the state of every stateful layer (e.g. ``RNN(stateful=True)``)."""
        for layer in _walk(self):
            if layer is not self and hasattr(layer, "reset_state"):
                layer.reset_state()

    reset_state = reset_states

    # --- summary, saving, explaining ----------------------------------------------------
    def summary(self, line_length: int | None = None, positions: Any = None,
                print_fn: Any = None, expand_nested: bool = False, show_trainable: bool = False,
                layer_range: Any = None) -> None:
        from pellucid.models.summary import print_summary  # noqa: PLC0415

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def save(self, filepath: Any, overwrite: bool = True, zipped: bool = True,
             **kwargs: Any) -> None:
        from pellucid.saving import save_model  # noqa: PLC0415

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        from pellucid.saving import save_weights  # noqa: PLC0415

        save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, **kwargs: Any) -> None:
        from pellucid.saving import load_weights  # noqa: PLC0415

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        from pellucid.saving import serialize_keras_object  # noqa: PLC0415

        return json.dumps(serialize_keras_object(self), **kwargs)

    def get_compile_config(self) -> dict | None:
        return self._trainer.get_compile_config() if self._trainer else None


def _walk(layer: Layer) -> list[Layer]:
    out = [layer]
    for child in layer._layers:
        out.extend(_walk(child))
    return out
