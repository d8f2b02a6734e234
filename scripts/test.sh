#!/usr/bin/env bash
# The test suite: parity tests against Keras 3 (JAX backend), on CPU, two workers.
set -euo pipefail
cd "$(dirname "$0")/.."
export KERAS_BACKEND=jax JAX_PLATFORMS=cpu
python -m pytest -n 2 --dist loadfile -p no:cacheprovider "$@"
