#!/usr/bin/env bash
# The test suite: parity tests against Keras 3 (JAX backend), on CPU, two workers.
set -euo pipefail
cd "$(dirname "$0")/.."
export KERAS_BACKEND=jax JAX_PLATFORMS=cpu
# Keras's programs and JAX's eager operations compile at LLVM level 1, as pellucid's own
# programs do on the CPU: the same values (tests/test_cpu_kernels.py), in less time. Random
# draws took 0.6-1.0 s to compile at XLA's default level 3 and 0.15-0.2 s at level 1.
export XLA_FLAGS="--xla_backend_optimization_level=1${XLA_FLAGS:+ $XLA_FLAGS}"
python -m pytest -n 2 --dist loadfile -p no:cacheprovider "$@"
