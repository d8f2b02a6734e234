"""compile / fit / evaluate: jitted steps, no per-layer Python work.

The trainer sees the model only through ``model.pure_forward`` and its variable lists.
It keeps the training state as arrays (trainable values, non-trainable values, optimizer
state, metric states, a step counter) and compiles ``train_step(state, batch) -> state``
with ``jax.jit``, donating the old state's buffers. Array data is placed on the device
once; steps receive only the indices of their batches, a block of several batches per
dispatch (``steps_per_execution``, or automatically when no callback needs per-batch
hooks; see :mod:`pellucid.training.execution`). Batch logs stay on the device unless a
callback reads them, so Python queues the next block while the device runs this one.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pellucid import backend, optimizers
from pellucid import callbacks as callbacks_module
from pellucid.backend import runtime
from pellucid.backend.device import compiler_options, convolution_compiler_options, on_accelerator
from pellucid.ops import softmax_crossentropy
from pellucid.training import data as data_lib
from pellucid.training import execution, split_step
from pellucid.training.compile_utils import CompiledLossesAndMetrics
from pellucid.training.shape_checks import check_inputs, check_targets
from pellucid.training.sources import ArraySource, IterableSource
from pellucid.training.update_program import GradientsThenUpdate


class Trainer:
    """Holds what ``compile`` configured and runs ``fit``/``evaluate`` for one model."""

    def __init__(self, model: Any, optimizer: Any = "rmsprop", loss: Any = None,
                 loss_weights: Any = None, metrics: Any = None, weighted_metrics: Any = None,
                 steps_per_execution: int | str = 1, **kwargs: Any):
        for old in ("sample_weight_mode", "target_tensors", "distribute"):
            kwargs.pop(old, None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}.")
        runtime.prepare()
        self.model = model
        self.steps_per_execution = _check_steps_per_execution(steps_per_execution)
        self.optimizer = optimizers.get(optimizer)
        self.compiled = CompiledLossesAndMetrics(loss, loss_weights, metrics, weighted_metrics)
        self.compile_args = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                             "metrics": metrics, "weighted_metrics": weighted_metrics,
                             "steps_per_execution": steps_per_execution}
        self._train_fn = None
        self._keeping_weights_fn = None
        self._test_fn = None
        self._base_key = None
        self._counter = None
        self._metric_states = None
        self._convolves = False
        self._forward_loops = False
        self._split = None
        self._use_split = False
        self._prepared_for: tuple | None = None
        self._blocks_prepared: set[tuple] = set()
        self._split_decisions: dict[tuple, bool] = {}

    # --- state --------------------------------------------------------------------------
    def _variables(self) -> tuple[list, list]:
        model = self.model
        return model.trainable_weights, model.non_trainable_state()

    def _read_state(self) -> tuple[list, list]:
        """The weights' arrays for a step that donates them: copies, so that the variables
        keep valid arrays. On the CPU, NumPy copies, which the step's dispatch puts on the
        device: ``jax.device_put`` spends 40-60 us of Python per array there (6 ms for 100
        arrays, a deep model's ``fit(epochs=1)`` in a loop paid it at every call),
        ``np.array`` a few. On accelerators that would be two transfers through the host,
        so one ``device_put`` call copies them there."""
        trainable, non_trainable = self._values()
        copies = _copies if on_accelerator() else _host_copies
        return copies(trainable), copies(non_trainable)

    def _values(self) -> tuple[list, list]:
        """The weights' current arrays, trainable and non-trainable, not copied."""
        t_vars, nt_vars = self._variables()
        return [v.value for v in t_vars], [v.value for v in nt_vars]

    def _write_state(self, trainable: list, non_trainable: list) -> None:
        t_vars, nt_vars = self._variables()
        for v, val in zip(t_vars, trainable, strict=True):
            v._value = val
        for v, val in zip(nt_vars, non_trainable, strict=True):
            v._value = val

    def _prepare(self, x_batch: list, y_batch: list | None,
                 y_shapes: list[tuple] | None = None) -> None:
        """Build the model and resolve losses/metrics from one batch's shapes.

        Once per set of shapes: the model's trace below costs as much as a small model's
        whole training step, which ``train_on_batch`` in a loop would pay at every call.
        """
        model = self.model
        x_struct = _model_input(model, x_batch)
        shapes = (execution.signature(x_struct),
                  None if y_batch is None else execution.signature(y_batch),
                  None if y_shapes is None else tuple(map(tuple, y_shapes)))
        if shapes == self._prepared_for and model.built:
            return
        if not model.built or not model.weights and _needs_build(model):
            _build_model(model, x_struct)
        check_inputs(model, x_batch)
        # Output shapes from a batch-sized trace; a model declaring a fixed batch size
        # (stateful RNNs) is traced at that size.
        declared = [t.shape[0] for t in (getattr(model, "inputs", None) or [])]
        probe = declared[0] if declared and declared[0] is not None else min(
            int(x_batch[0].shape[0]), 32)
        # One trace gives the output shapes and the operations the step will contain.
        jaxpr, out = jax.make_jaxpr(
            lambda x: model.pure_forward([v.value for v in model.trainable_weights],
                                         [v.value for v in model.non_trainable_state()],
                                         x, False, jax.random.PRNGKey(0))[0],
            return_shape=True,
        )(jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct((probe,) + a.shape[1:],
                                                                a.dtype), x_struct))
        used = execution.primitives(jaxpr)
        self._convolves = "conv_general_dilated" in used
        self._forward_loops = bool(used & {"scan", "while"})
        model._forward_convolves = self._convolves  # predict's programs reuse it
        out_structs = jax.tree_util.tree_leaves(out)
        outputs = data_lib.output_names(model)
        if y_batch is not None:
            if len(y_batch) != len(out_structs):
                raise ValueError(
                    f"The model has {len(out_structs)} output(s) {outputs} but "
                    f"{len(y_batch)} target array(s) were given."
                )
            self.compiled.build(outputs, out_structs, y_batch)
            check_targets(model, outputs, out_structs,
                          y_shapes or [tuple(y.shape) for y in y_batch], self.compiled)
        elif not self.compiled.built:
            self.compiled.build(outputs, out_structs, None)
        if self.optimizer.state is None:
            self.optimizer.state = self.optimizer.init([v.value for v in model.trainable_weights])
        if self._base_key is None:
            self._base_key = backend.global_seed_key()
            self._counter = backend.host_zeros((), np.uint32)
        self._prepared_for = shapes

    # --- the compiled steps -------------------------------------------------------------
    def _forward_losses(self, trainable: list, non_trainable: list, batch: tuple,
                        training: bool, key: Any) -> tuple[Any, tuple]:
        x, y, sw = batch
        model = self.model
        with softmax_crossentropy.remembering_logits():
            outputs, masks, new_nt, added = model.pure_forward(
                trainable, non_trainable, _model_input(model, x), training, key)
            flat_out = jax.tree_util.tree_leaves(outputs)
            flat_masks = _flat_masks(masks, len(flat_out))
            total, per_output = self.compiled.losses(y, flat_out, sw, flat_masks)
        reg = _regularization(self._variables()[0], trainable)
        for term in added:
            reg = reg + jnp.sum(term)
        return total + reg, (flat_out, flat_masks, new_nt, per_output, total + reg)

    def _gradients(self, state: tuple, batch: tuple, base_key: Any) -> tuple[list, tuple]:
        """``(grads, aux)``: the training loss's gradient in the trainable weights and
        ``_forward_losses``'s aux, with the step's key drawn from the run's ``base_key``
        and the step counter."""
        trainable, non_trainable = state[0], state[1]
        key = jax.random.fold_in(base_key, state[4])
        (_, aux), grads = jax.value_and_grad(
            lambda t: self._forward_losses(t, non_trainable, batch, True, key),
            has_aux=True)(trainable)
        return grads, aux

    def _finish_step(self, state: tuple, grads: list, batch: tuple, aux: tuple
                     ) -> tuple[tuple, dict]:
        """The rest of a training step once its gradients are known: the optimizer's
        update, the constraints, the metrics and the step counter. ``aux`` is
        ``(outputs, masks, new non-trainable state, per-output losses, total loss)``."""
        flat_out, flat_masks, new_nt, per_output, total = aux
        trainable, _, opt_state, metric_states, counter = state
        new_t, new_opt = self.optimizer.update(grads, opt_state, trainable)
        constraints = [v.constraint for v in self._variables()[0]]
        new_t = [c(v) if c is not None else v for c, v in zip(constraints, new_t, strict=True)]
        metric_states = self.compiled.update_metrics(metric_states, batch, flat_out, flat_masks,
                                                     total, per_output)
        logs = self.compiled.compute_metrics(metric_states)
        return (new_t, new_nt, new_opt, metric_states, counter + 1), logs

    def _step(self, state: tuple, batch: tuple, base_key: Any) -> tuple[tuple, dict]:
        """One training step, pure: ``(state, logs)`` after the batch ``(x, y, sw)``.

        The run's key is an argument, not a constant of the program: a constant would
        differ in every process and defeat the persistent compilation cache.
        """
        grads, aux = self._gradients(state, batch, base_key)
        return self._finish_step(state, grads, batch, aux)

    def _make_train_fn(self) -> Any:
        compiled = self.compiled

        def init_logs(state: tuple) -> dict:
            return compiled.compute_metrics(state[3])

        options = self._compiler_options()
        if self._convolves and convolution_compiler_options():  # empty on accelerators
            # Convolutions on the CPU: one step per dispatch, the update apart (see
            # pellucid.training.update_program).
            return (GradientsThenUpdate(self, options, lambda batch: batch),
                    GradientsThenUpdate(self, options, _one_step_batch))
        block = jax.jit(execution.loop_steps(self._step, init_logs), donate_argnums=(0,),
                        compiler_options=options)
        return (jax.jit(self._step, donate_argnums=(0,), compiler_options=options),
                execution.Executables(block))

    def _step_keeping_weights(self) -> Any:
        """``train_on_batch``'s step: ``(weights, rest, batch, key) -> (state, logs)``.

        ``weights`` (trainable, non-trainable) are not donated, so the variables' arrays
        stay valid without the copies a donated step needs, which cost more than a small
        model's whole step (0.45 ms for 4 arrays, 6.3 ms for 100 on a 2-core Zen 1; the step
        of a 50-layer MLP took 7-9 ms with them). The optimizer's state, the metrics and
        the step counter (``rest``) are donated and updated in place, as in ``fit``.
        """
        fn = self._keeping_weights_fn
        if fn is None:
            def step(weights: tuple, rest: tuple, batch: tuple, base_key: Any
                     ) -> tuple[tuple, dict]:
                return self._step((*weights, *rest), batch, base_key)

            fn = self._keeping_weights_fn = jax.jit(
                step, donate_argnums=(1,), compiler_options=self._compiler_options())
        return fn

    def _make_test_fn(self) -> Any:
        compiled = self.compiled

        def step(state: tuple, batch: tuple) -> tuple[Any, dict]:
            trainable, non_trainable, metric_states = state
            _, aux = self._forward_losses(trainable, non_trainable, batch, False,
                                          jax.random.PRNGKey(0))
            flat_out, flat_masks, _, per_output, total = aux
            metric_states = compiled.update_metrics(metric_states, batch, flat_out, flat_masks,
                                                    total, per_output)
            return metric_states, compiled.compute_metrics(metric_states)

        def block_step(metric_states: Any, batch: tuple, trainable: list,
                       non_trainable: list) -> tuple[Any, dict]:
            return step((trainable, non_trainable, metric_states), batch)

        options = self._compiler_options()
        # Array data: up to AUTO_BLOCK_STEPS batches per dispatch, the weights constants of
        # the loop (see _evaluate_blocks).
        return (jax.jit(step, compiler_options=options),
                jax.jit(execution.loop_steps(block_step, compiled.compute_metrics),
                        compiler_options=options))

    def _compiler_options(self) -> dict:
        return compiler_options(self._convolves)

    # --- public API ---------------------------------------------------------------------
    @property
    def metrics_names(self) -> list[str]:
        return self.compiled.metric_names()

    def fit(self, x: Any, y: Any, batch_size: int | None, epochs: int, verbose: Any,
            callbacks: Any, validation_split: float, validation_data: Any, shuffle: bool,
            class_weight: Any, sample_weight: Any, initial_epoch: int,
            steps_per_epoch: int | None, validation_steps: int | None,
            validation_batch_size: int | None, validation_freq: int, **kwargs: Any) -> Any:
        if "nb_epoch" in kwargs:
            warnings.warn("fit(nb_epoch=...) is deprecated: use epochs=...", DeprecationWarning,
                          stacklevel=3)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        verbose = 1 if verbose == "auto" else verbose
        source, val_source = self._sources(x, y, sample_weight, class_weight, batch_size,
                                           steps_per_epoch, validation_split, validation_data)
        batch_size = batch_size or 32
        steps = source.steps_per_epoch(batch_size, steps_per_epoch)
        model = self.model
        cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                            add_progbar=verbose != 0, model=model,
                                            verbose=verbose, epochs=epochs, steps=steps)
        model.stop_training = False
        first_x, first_y = source.peek()
        self._prepare(first_x, first_y, source.target_shapes())
        if self._train_fn is None:
            self._train_fn = self._make_train_fn()
        self._use_split = isinstance(source, ArraySource) and self._splittable(
            _model_input(model, first_x), batch_size)
        if self._use_split and self._split is None:
            self._split = split_step.SplitSteps(self, self._compiler_options())
        rows = self._block_rows(cbs)
        if isinstance(source, ArraySource):
            self._prepare_blocks(source, batch_size, steps, rows)
        cbs.on_train_begin()
        initial_epoch = self._take_resume_point(initial_epoch)
        logs: dict[str, Any] = {}
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            trainable, non_trainable = self._read_state()
            metric_states = self.compiled.init_metric_states()
            state = (trainable, non_trainable, self.optimizer.state, metric_states, self._counter)
            if isinstance(source, ArraySource):
                state, step_logs = self._run_blocks(source, state, cbs, batch_size, shuffle,
                                                    steps, rows, epochs - epoch)
            else:
                state, step_logs = self._run_batches(source, state, cbs, batch_size, steps)
            trainable, non_trainable, opt_state, metric_states, self._counter = state
            self.optimizer.state = opt_state
            self._write_state(trainable, non_trainable)
            logs = _plain(step_logs)
            if val_source is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_source(val_source, validation_batch_size or batch_size,
                                                 validation_steps)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
        cbs.on_train_end(logs)
        history = cbs._history if hasattr(cbs, "_history") else None
        model.history = history
        return history

    def _splittable(self, x_struct: Any, batch_size: int) -> bool:
        """:func:`split_step.splittable`, once per input shapes and batch size: it traces
        the model, which ``fit`` called in a loop would otherwise pay at every call."""
        key = (execution.signature(x_struct), batch_size, os.environ.get("PELLUCID_SPLIT_STEPS"),
               execution.usable_cores())
        if key not in self._split_decisions:
            self._split_decisions[key] = split_step.splittable(self, x_struct, batch_size)
        return self._split_decisions[key]

    def _block_rows(self, cbs: Any) -> int:
        """Steps per dispatch: as compiled, or automatic when no callback needs each batch."""
        if self.steps_per_execution != 1:
            return execution.AUTO_BLOCK_STEPS if self.steps_per_execution == "auto" \
                else self.steps_per_execution
        hooks = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
                 "on_batch_end")
        return 1 if execution.reads_each_batch(cbs, hooks) else execution.AUTO_BLOCK_STEPS

    def _device_rows(self, rows: int) -> int:
        """Steps one dispatch runs on the device: 1 for convolutional models on XLA's CPU
        backend (see :mod:`pellucid.training.execution`), else the block's ``rows``."""
        return 1 if self._convolves and not on_accelerator() else rows

    def _prepare_blocks(self, source: ArraySource, batch_size: int, steps: int,
                        rows: int) -> None:
        """Starts compiling the block executables an epoch will need, side by side.

        Skipped when a ``fit`` before this one prepared the same shapes: the state copies
        this takes cost more than a small model's epoch, which ``fit`` called once per
        epoch in a loop would pay each time.
        """
        data = source.data
        shapes = (batch_size, steps, rows, self._use_split,
                  execution.signature((data.x, data.y, data.sample_weight)))
        if shapes in self._blocks_prepared:
            return
        self._blocks_prepared.add(shapes)
        state = (*self._read_state(), self.optimizer.state,
                 self.compiled.init_metric_states(), self._counter)
        arrays = source._device_arrays()
        if self._use_split:
            for _, size in execution.block_shapes(source.data.num_samples, batch_size, steps, 1):
                self._split.prepare(state, arrays, size, self._base_key)
            return
        device_rows = self._device_rows(rows)
        for shape in execution.block_shapes(source.data.num_samples, batch_size, steps,
                                            device_rows):
            self._train_fn[1].prepare((state, arrays, np.zeros(shape, np.int32),
                                       np.int32(0), self._base_key))

    def _run_blocks(self, source: ArraySource, state: tuple, cbs: Any, batch_size: int,
                    shuffle: bool, steps: int, rows: int, epochs_left: int) -> tuple[tuple, Any]:
        """One epoch over array data, ``rows`` steps per dispatch."""
        # At most two dispatches a step (two halves), for this epoch and those after it.
        arrays = source.arrays_for(2 * steps * epochs_left)
        step_logs: Any = {}
        indices = self._skip_resumed(source.indices(batch_size, shuffle, steps))
        device_rows = self._device_rows(rows)
        for block in execution.blocks(indices, rows):
            cbs.on_train_batch_begin(block.first)
            if self._use_split:
                for index in block.indices[:block.count]:
                    state, step_logs = self._call(self._split.step, state, arrays, index,
                                                  self._base_key)
            else:
                for part, count in execution.dispatches(block, device_rows):
                    state, step_logs = self._call(self._train_fn[1], state, arrays, part,
                                                  np.int32(count), self._base_key)
            self.optimizer.state = state[2]
            self._live_state = state
            cbs.on_train_batch_end(block.last, step_logs)
            if self.model.stop_training:
                break
        return state, step_logs

    def _run_batches(self, source: Any, state: tuple, cbs: Any, batch_size: int,
                     steps: int | None) -> tuple[tuple, Any]:
        """One epoch over batches from an iterable, one dispatch each."""
        step_logs: Any = {}
        batches = self._skip_resumed(source.batches(batch_size, False, steps))
        for step_index, batch in enumerate(batches):
            cbs.on_train_batch_begin(step_index)
            state, step_logs = self._call(self._train_fn[0], state, batch[1], self._base_key)
            self.optimizer.state = state[2]
            self._live_state = state
            cbs.on_train_batch_end(step_index, step_logs)
            if self.model.stop_training:
                break
        return state, step_logs

    # --- resuming (BackupAndRestore) ---------------------------------------------------
    def _take_resume_point(self, initial_epoch: int) -> int:
        """The epoch to start at: a callback's ``model._initial_epoch`` wins (as in Keras);
        ``model._initial_step`` steps of it are skipped (they ran before the restore)."""
        model = self.model
        epoch = getattr(model, "_initial_epoch", None)
        self._skip_steps = getattr(model, "_initial_step", None) or 0
        model._initial_epoch = model._initial_step = None
        return initial_epoch if epoch is None else epoch

    def _skip_resumed(self, items: Any) -> Any:
        skip, self._skip_steps = getattr(self, "_skip_steps", 0), 0
        return itertools.islice(items, skip, None)

    def sync_state(self) -> None:
        """Copy the running epoch's state into the variables and step counter.

        Within an epoch the state lives in the step's carry; a callback that saves
        mid-epoch calls this from ``on_train_batch_end``. Copies, because the next step
        donates the carry's buffers.
        """
        live = getattr(self, "_live_state", None)
        if live is None:
            return
        self._write_state(_copies(live[0]), _copies(live[1]))
        self._counter = _copy(live[4])

    def _call(self, fn: Any, *args: Any) -> tuple[tuple, Any]:
        try:
            return fn(*args)
        except (TypeError, ValueError) as err:
            raise ValueError(f"Training step failed for model {self.model.name!r}: {err}") \
                from err

    def _sources(self, x: Any, y: Any, sample_weight: Any, class_weight: Any,
                 batch_size: int | None, steps: int | None, validation_split: float,
                 validation_data: Any) -> tuple[Any, Any]:
        if data_lib.is_iterable_source(x):
            if validation_split:
                raise ValueError("validation_split is only supported for array inputs; pass "
                                 "validation_data instead.")
            return IterableSource(self.model, data_lib.IterableData(x, steps)), \
                self._validation_source(validation_data, batch_size)
        arrays = self._array_data(x, y, sample_weight, class_weight)
        val_source = self._validation_source(validation_data, batch_size)
        if validation_split and val_source is None:
            arrays, val = arrays.split(validation_split)
            val_source = ArraySource(val)
        return ArraySource(arrays), val_source

    def _array_data(self, x: Any, y: Any, sample_weight: Any, class_weight: Any
                    ) -> data_lib.ArrayData:
        model = self.model
        outputs = data_lib.output_names(model)
        xs = data_lib.flatten_by_names(x, data_lib.input_names(model), "input")
        if xs is None:
            raise ValueError("fit/evaluate need input data `x`.")
        ys = data_lib.flatten_by_names(y, outputs, "output") if y is not None else None
        sws = None
        if sample_weight is not None:
            sws = data_lib.flatten_by_names(sample_weight, outputs, "sample_weight")
        if class_weight is not None:
            if ys is None:
                raise ValueError("class_weight needs targets `y`.")
            cw = data_lib.class_weight_to_sample_weight(ys[0], class_weight)
            sws = [cw * (s if s is not None else 1.0) for s in (sws or [None] * len(ys))]
        arrays = data_lib.ArrayData(xs, ys, sws)
        data_lib.check_sample_counts(arrays)
        return arrays

    def _validation_source(self, validation_data: Any, batch_size: int | None) -> Any:
        if validation_data is None:
            return None
        if data_lib.is_iterable_source(validation_data):
            return IterableSource(self.model, data_lib.IterableData(validation_data, None))
        vx, vy, vsw = data_lib.unpack_batch(tuple(validation_data))
        return ArraySource(self._array_data(vx, vy, vsw, None))

    def _evaluate_source(self, source: Any, batch_size: int, steps: int | None,
                         cbs: Any = None) -> dict:
        if self._test_fn is None:
            self._test_fn = self._make_test_fn()
        t_vars, nt_vars = self._variables()
        trainable = [v.value for v in t_vars]
        non_trainable = [v.value for v in nt_vars]
        metric_states = self.compiled.init_metric_states()
        logs: dict[str, Any] = {}
        n_steps = source.steps_per_epoch(batch_size, steps)
        plain_fn, block_fn = self._test_fn
        if isinstance(source, ArraySource):
            return self._evaluate_blocks(source, batch_size, n_steps, cbs, block_fn,
                                         (metric_states, trainable, non_trainable))
        for step_index, batch in enumerate(source.batches(batch_size, False, n_steps)):
            if cbs is not None:
                cbs.on_test_batch_begin(step_index)
            metric_states, logs = plain_fn((trainable, non_trainable, metric_states), batch[1])
            if cbs is not None:
                cbs.on_test_batch_end(step_index, logs)
        return _plain(logs)

    def _evaluate_blocks(self, source: ArraySource, batch_size: int, steps: int, cbs: Any,
                         block_fn: Any, state: tuple) -> dict:
        """Evaluation over array data, up to ``AUTO_BLOCK_STEPS`` batches per dispatch: a
        dispatch costs more than a small model's batch (an MLP over 2,048 samples in
        batches of 32: 8.3 ms batch by batch, 2.0 ms in blocks). Every block has that many
        rows, so one program serves them all; the last, shorter batch has a program of its
        own. One batch per dispatch where a callback reads each batch, and for recurrent
        models on the CPU, whose batches cost far more than a dispatch and ran 2-5% slower
        as loops inside the block's loop (``LSTM(32)`` over 30 steps, 2,048 samples)."""
        rows = execution.AUTO_BLOCK_STEPS
        hooks = ("on_test_batch_begin", "on_test_batch_end")
        if (self._forward_loops and not on_accelerator()) or (
                cbs is not None and execution.reads_each_batch(cbs, hooks)):
            rows = 1
        metric_states, trainable, non_trainable = state
        arrays = source.arrays_for(math.ceil(steps / rows) + 1)
        logs: dict[str, Any] = {}
        for block in execution.blocks(source.indices(batch_size, False, steps), rows):
            if cbs is not None:
                cbs.on_test_batch_begin(block.first)
            metric_states, logs = block_fn(metric_states, arrays, block.indices,
                                           np.int32(block.count), trainable, non_trainable)
            if cbs is not None:
                cbs.on_test_batch_end(block.last, logs)
        return _plain(logs)

    def evaluate(self, x: Any, y: Any, batch_size: int | None, verbose: Any, sample_weight: Any,
                 steps: int | None, callbacks: Any, return_dict: bool, **kwargs: Any) -> Any:
        batch_size = batch_size or 32
        if data_lib.is_iterable_source(x):
            source: Any = IterableSource(self.model, data_lib.IterableData(x, steps))
        else:
            source = ArraySource(self._array_data(x, y, sample_weight, None))
        first_x, first_y = source.peek()
        self._prepare(first_x, first_y)
        verbose = 1 if verbose == "auto" else verbose
        n_steps = source.steps_per_epoch(batch_size, steps)
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                            model=self.model, verbose=verbose, epochs=1,
                                            steps=n_steps)
        cbs.on_test_begin()
        logs = self._evaluate_source(source, batch_size, steps, cbs)
        cbs.on_test_end(logs)
        return self._format_logs(logs, return_dict)

    def _format_logs(self, logs: dict, return_dict: bool) -> Any:
        if return_dict:
            return logs
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs]
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x: Any, y: Any, sample_weight: Any, class_weight: Any,
                       return_dict: bool) -> Any:
        arrays = self._array_data(x, y, sample_weight, class_weight)
        self._prepare(arrays.x, arrays.y)
        if self._train_fn is None:
            self._train_fn = self._make_train_fn()
        rest = (self.optimizer.state, self.compiled.init_metric_states(), self._counter)
        source, rows = ArraySource(arrays), arrays.num_samples
        if self._splittable(_model_input(self.model, arrays.x), rows):
            # As fit would run a batch of this size: two halves on two threads.
            if self._split is None:
                self._split = split_step.SplitSteps(self, self._compiler_options())
            state, logs = self._call(self._split.step, (*self._read_state(), *rest),
                                     source.arrays_for(2), np.arange(rows, dtype=np.int32),
                                     self._base_key)
        elif isinstance(self._train_fn[0], GradientsThenUpdate):
            state, logs = self._call(self._train_fn[0], (*self._read_state(), *rest),
                                     source.whole_batch()[1], self._base_key)
        else:
            state, logs = self._call(self._step_keeping_weights(), self._values(), rest,
                                     source.whole_batch()[1], self._base_key)
        trainable, non_trainable, self.optimizer.state, _, self._counter = state
        self._write_state(trainable, non_trainable)
        return self._format_logs(_plain(logs), return_dict)

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any, return_dict: bool) -> Any:
        arrays = self._array_data(x, y, sample_weight, None)
        self._prepare(arrays.x, arrays.y)
        logs = self._evaluate_source(ArraySource(arrays), arrays.num_samples, None)
        return self._format_logs(logs, return_dict)

    def get_compile_config(self) -> dict:
        return dict(self.compile_args)


def _check_steps_per_execution(value: int | str) -> int | str:
    if value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"steps_per_execution must be a positive int or 'auto', got "
                         f"{value!r}.")
    return value


def _one_step_batch(arrays: tuple, indices: Any, count: Any) -> tuple:
    """The batch of a one-step dispatch (``indices`` ``int32[1, batch]``, see
    ``Trainer._device_rows``)."""
    if indices.shape[0] != 1:
        raise ValueError(f"A two-program training step runs one batch per dispatch, got "
                         f"{indices.shape[0]} batches of indices.")
    return execution.take_rows(arrays, indices[0])


def _copy(value: Any) -> jax.Array:
    """A copy in a buffer of its own; a transfer, where ``jnp.array(copy=True)`` would
    compile a program per shape."""
    return jax.device_put(value, may_alias=False)


def _host_copies(values: list) -> list:
    """NumPy copies of ``values`` (see ``Trainer._read_state``)."""
    return [np.array(value) for value in values]


def _copies(values: list) -> list:
    """:func:`_copy` of each of ``values``, in one call."""
    return list(jax.device_put(values, may_alias=False)) if values else []


def _plain(logs: dict) -> dict:
    return {k: float(v) for k, v in logs.items()}


def _model_input(model: Any, xs: list) -> Any:
    """The list of input arrays in the structure the model's call expects."""
    structure = getattr(model, "_input_structure", None)
    if isinstance(structure, dict):
        return dict(zip(data_lib.input_names(model), xs, strict=True))
    if isinstance(structure, (list, tuple)) or len(xs) > 1:
        return list(xs)
    return xs[0]


def _needs_build(model: Any) -> bool:
    return not getattr(model, "_symbolic_outputs", True)


def _build_model(model: Any, x_struct: Any) -> None:
    """Build an unbuilt model (Sequential without input shape, subclassed) from data."""
    first = jax.tree_util.tree_leaves(x_struct)[0]
    if hasattr(model, "_stack"):
        model.build((None,) + tuple(first.shape[1:]))
        return
    sample = jax.tree_util.tree_map(lambda a: jnp.zeros((1,) + tuple(a.shape[1:]), a.dtype),
                                    x_struct)
    jax.eval_shape(lambda s: model(s), sample)
    model.built = True


def _flat_masks(masks: Any, n: int) -> list:
    if masks is None:
        return [None] * n
    flat = jax.tree_util.tree_leaves(masks, is_leaf=lambda m: m is None)
    return flat if len(flat) == n else [None] * n


def _regularization(variables: list, values: list) -> Any:
    total = jnp.zeros((), jnp.float32)
    for var, val in zip(variables, values, strict=True):
        if var.regularizer is not None:
            total = total + var.regularizer(val)
    return total
