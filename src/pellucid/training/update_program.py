"""Training steps whose optimizer update is a program of its own (convolutions on the CPU).

A convolutional model's training step on XLA's CPU backend is compiled with YNNPACK's
fusions (:func:`pellucid.backend.device.convolution_compiler_options`), which run its
convolutions 2-3x faster than XLA's own kernels. In the same program the optimizer's
update becomes YNNPACK elementwise fusions too, and those cost memory traffic:

- XLA copies each weight that such a fusion updates before the update (in B3's
  compiled step: the kernels of the second Conv2D and of both Dense layers, whose
  updates were YNNPACK fusions, not the biases, whose updates were XLA's own loops; the
  9216x512 kernel is 18.9 MB read and written per step);
- Adam's update of that kernel alone, in a program of its own, took 6.7-7.1 ms as
  YNNPACK fusions and 5.7-5.8 ms as XLA's loops (both make three passes: momentum,
  velocity, weight).

Here the step is two programs: ``gradients`` (the forward pass and the gradient,
compiled with the convolution options) and ``update`` (the optimizer's update, the
constraints and the metrics, compiled without YNNPACK's fusions, in place in the
donated buffers). The operations are those of the one-program step, so the values are
the same to float32 rounding (tested). B3, ``bench.worker`` runs alternating (samples/s,
two threads, one program / two): 1,567-1,604, 1,656-1,753 and 1,737-1,752 against
1,714-1,826, 1,824-1,920 and 1,885-1,913; in ``python -m bench`` B3 went from 1.09x to
1.16x PyTorch's training rate. A second dispatch per step costs tens of
microseconds, nothing next to a convolution step; accelerators and programs without
the convolution options keep the one-program step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from pellucid.backend.device import compiler_options
from pellucid.training import execution


class GradientsThenUpdate:
    """``step(state, *batch_args, base_key) -> (state, logs)`` run as two programs.

    ``batch_of(*batch_args)`` gives the step's ``(x, y, sample_weight)`` batch inside
    either program: the batch itself, or rows of the arrays placed on the device.
    ``prepare(args)`` compiles both programs ahead for the signature of ``args`` (the
    arguments of a call), as :class:`~pellucid.training.execution.Executables` does.
    """

    def __init__(self, trainer: Any, options: dict, batch_of: Callable[..., tuple]):
        def gradients(state: tuple, batch_args: tuple, base_key: Any) -> tuple:
            return trainer._gradients(state, batch_of(*batch_args), base_key)

        def update(state: tuple, grads: list, aux: tuple, batch_args: tuple
                   ) -> tuple[tuple, dict]:
            return trainer._finish_step(state, grads, batch_of(*batch_args), aux)

        self._gradients = execution.Executables(
            jax.jit(gradients, compiler_options=options))
        self._update = execution.Executables(
            jax.jit(update, donate_argnums=(0,), compiler_options=compiler_options()))

    def prepare(self, args: tuple) -> None:
        state, batch_args, base_key = args[0], args[1:-1], args[-1]
        lowered = self._gradients.prepare((state, batch_args, base_key))
        if lowered is not None:
            grads, aux = lowered.out_info
            self._update.prepare((state, grads, aux, batch_args))

    def __call__(self, state: tuple, *args: Any) -> tuple[tuple, dict]:
        batch_args, base_key = args[:-1], args[-1]
        grads, aux = self._gradients(state, batch_args, base_key)
        return self._update(state, grads, aux, batch_args)
