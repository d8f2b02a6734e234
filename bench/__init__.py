"""Side-by-side training and inference benchmarks: pellucid, Keras 3 (JAX) and PyTorch.

Run ``python -m bench --help``. Each framework runs in its own subprocess
(:mod:`bench.worker`) so that backends and thread pools never share a process.
"""
