"""Where JAX runs, for the few choices that differ between XLA's CPU backend and
accelerators (each measured; see bench/README.md):

- recurrent layers project every step's input in one matmul before the scan only on
  accelerators (on the CPU the extra memory traffic costs more than it saves);
- convolution models run one training step per dispatch only on the CPU (XLA's CPU
  compiler keeps gradient convolutions in a slow layout inside loops);
- predict runs a block's batches side by side only on accelerators, and several
  batches as one call only on the CPU (each call on one thread, for a model without
  convolutions: :func:`one_thread_compiler_options`);
- recurrent scans run 8 steps per loop iteration only on accelerators;
- programs with convolutions use YNNPACK's kernels on the CPU;
- strided convolutions take their input gradient phase by phase only on the CPU
  (``pellucid.ops.conv_phases``);
- convolution models run the optimizer's update as a program of its own only on the CPU
  (``pellucid.training.update_program``);
- Dense kernels take their gradient from a transposed copy of the inputs only on the CPU
  (``pellucid.ops.dense_matmul``);
- programs without convolutions are compiled with LLVM's level-1 optimisation only on
  the CPU (:func:`compiler_options`);
- JAX's CPU client runs each program on its calling thread
  (:mod:`pellucid.backend.dispatch`).
"""

from __future__ import annotations

import functools
import os

import jax
import jax.numpy as jnp
import numpy as np

# XLA's CPU compiler hands dot and convolution fusions, and elementwise and reduction
# fusions, to YNNPACK's kernels with this option.
YNNPACK_FUSIONS = {"xla_cpu_experimental_ynn_fusion_type":
                   "LIBRARY_FUSION_TYPE_DOT,LIBRARY_FUSION_TYPE_ELTWISE,"
                   "LIBRARY_FUSION_TYPE_REDUCE"}


def on_accelerator() -> bool:
    """Whether JAX's default backend is a GPU or TPU rather than XLA's CPU backend."""
    return jax.default_backend() != "cpu"


# LLVM's optimisation level for pellucid's programs on XLA's CPU backend (XLA's default
# is 3). See compiler_options.
CPU_OPTIMIZATION_LEVEL = "1"


def host_zeros(shape: tuple[int, ...] | int, dtype: object) -> jax.Array:
    """Zeros made on the host and transferred: ``jnp.zeros`` runs an XLA program, one
    compile (or persistent-cache read) per shape and dtype before the first step."""
    return jax.device_put(np.zeros(shape, dtype))


def convolution_compiler_options() -> dict[str, str]:
    """XLA compiler options for a program that contains convolutions.

    On the CPU, YNNPACK's kernels: XLA's own convolution ran B3's second Conv2D (batch
    128, 26x26x32 -> 12x12x64) in 11.7 ms forward and 33 ms for its gradient with two
    threads, YNNPACK in 4.3 and 12 ms (one core: 11.8 -> 8.0 and 33.7 -> 21.1 ms), values
    equal to float32 rounding (5e-7 relative). B3 trained at 1,300 samples/s with XLA's
    kernels, 1,630 with YNNPACK's dots and 1,710-1,790 with its elementwise and reduction
    fusions too, and predicted at 5.3k against 9.5-10k samples/s. Programs without
    convolutions keep XLA's default (YNNPACK for dots only): all three fusion types
    left plain matmuls unchanged and slowed the MLP and recurrent models by 5-20%, and no
    YNNPACK at all slowed them by 1-5%. Empty on accelerators, on an XLA without the
    option, and with ``PELLUCID_CPU_YNNPACK=0``.
    """
    if on_accelerator() or os.environ.get("PELLUCID_CPU_YNNPACK") == "0":
        return {}
    return dict(YNNPACK_FUSIONS) if _xla_takes(tuple(YNNPACK_FUSIONS.items())) else {}


def compiler_options(convolves: bool = False) -> dict[str, str]:
    """XLA compiler options for one of pellucid's programs (training, prediction, eager
    layer calls, the optimizer's update, explanations).

    On the CPU, LLVM optimises the generated kernels at level 1 instead of XLA's default
    3: a masked LSTM model's training programs compiled 13-19% faster on a 2-core Zen 1
    (its split halves in 6.8-7.1 s against 7.9-8.0 s, its block programs in 6.2-6.4 s
    against 7.8 s), and the recurrent and dense models trained and predicted at the same
    speed (matmuls are library kernels; elementwise fusions, random bits and reductions
    ran alike at both levels). Level 0 compiled in 15.6 s but ran elementwise fusions
    3-5x slower. Programs with convolutions keep XLA's level and take
    :func:`convolution_compiler_options`: at level 1 B3's gradient program trained 2-3%
    slower. ``PELLUCID_CPU_OPT_LEVEL`` sets
    another level (``3``: XLA's default). Empty on accelerators.
    """
    if on_accelerator():
        return {}
    if convolves:
        return convolution_compiler_options()
    options = {"xla_backend_optimization_level":
               os.environ.get("PELLUCID_CPU_OPT_LEVEL", CPU_OPTIMIZATION_LEVEL)}
    return options if _xla_takes(tuple(options.items())) else {}


# XLA's own (Eigen) dots on the calling thread instead of YNNPACK's and Eigen's
# thread pools.
ONE_THREAD = {"xla_cpu_experimental_ynn_fusion_type": "", "xla_cpu_multi_thread_eigen": False}


def one_thread_compiler_options() -> dict:
    """:func:`compiler_options` for a program without convolutions that should run on one
    core, its products XLA's own single-threaded ones, so that one such program per core
    runs at once (``predict``'s calls of several batches on the CPU).

    On a 2-core Intel Xeon with AVX-512, recurrent models predicted 4 batches a call, two
    calls at a time (ms for 8,192 rows, 4,096 for B4; the device loop with XLA's default
    dots / such calls with the default dots / with these): LSTM(32) at batch 200 78 / 60 /
    47-54, GRU(128) at 64 263-273 / 266 / 191-192, B4 (LSTM(256) at 64) 1,089-1,145 /
    1,191 / 863-884. On one core (``taskset``) these calls were as fast as the loop or
    faster: B4 2,052 / 1,587 ms, GRU(128) 422 / 344. B0's (Dense 512 and 10, 16 batches
    of 128 a call) took 22.3-22.6 ms against 23.6-24.1 with the default options (one
    core: 38.4 against 44.0). Without the options that XLA lacks.
    """
    options = compiler_options()
    for extra in (ONE_THREAD, {"xla_cpu_multi_thread_eigen": False}):
        if _xla_takes(tuple({**options, **extra}.items())):
            return {**options, **extra}
    return options


@functools.cache
def _xla_takes(options: tuple) -> bool:
    """Whether this XLA compiles with ``options`` (older ones reject unknown options)."""
    try:
        jax.jit(lambda x: x + 1).lower(jax.ShapeDtypeStruct((2,), jnp.float32)).compile(
            compiler_options=dict(options))
    except Exception:  # an unknown option or value: XLA raises its runtime error
        return False
    return True
