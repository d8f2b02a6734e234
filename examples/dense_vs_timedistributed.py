"""Is Dense on (batch, 50, 10) the same as TimeDistributed(Dense)? And Flatten -> Dense?

Answer, measured: Dense and TimeDistributed(Dense) compute the same function with the same
55 weights (one (10, 5) kernel applied at every step; steps do not mix). Flatten -> Dense ->
Reshape has 12×20 + 20 = 260 weights on a (4, 3) input and every output step reads every
input step.
"""

import numpy as np
from _common import picture_folder

import pellucid as keras
from pellucid.explain import compare, explain

L = keras.layers
out = picture_folder()

dense = explain(L.Dense(5), input_shape=(50, 10))
print(dense)
assert dense.output_shape == (None, 50, 5) and dense.param_count == 55
assert dense.axis_patterns() == {"time": "independent"}

same = compare(L.Dense(5), L.TimeDistributed(L.Dense(5)), input_shape=(50, 10))
print(same)
assert same.same_function is True and same.b.param_count == 55

flat = keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(20), L.Reshape((4, 5))])
different = compare(L.Dense(5), flat, input_shape=(4, 3))
print(different)
assert different.same_function is False
assert (different.a.param_count, different.b.param_count) == (3 * 5 + 5, 12 * 20 + 20)
assert different.b.dependency().all()
assert np.array_equal(different.a.dependency().any(axis=(1, 3)), np.eye(4, dtype=bool))

explain(L.Dense(5), input_shape=(4, 3)).save(out / "dense_connections.png")
explain(flat).save(out / "flatten_dense_connections.png", kind="connections")
different.save(out / "dense_vs_flatten_dense.png")
print(f"pictures in {out}")
