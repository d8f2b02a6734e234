"""What is `units` in LSTM(units=N)?

Answer, measured: one LSTM cell whose state h_t (and c_t) is a vector of N numbers, run
once per step. Parameters 4·(d·N + N·N + N). N separate LSTM(1) layers have N·4·(d + 1 + 1)
parameters: they lack the N×N recurrent kernel through which the units of one LSTM(N) read
each other.
"""

import numpy as np
from _common import picture_folder

import pellucid as keras
from pellucid.explain import compare, explain

L = keras.layers
T, D, N = 6, 3, 4
out = picture_folder()

one = explain(L.LSTM(N, return_sequences=True), input_shape=(T, D))
print(one)
assert one.param_count == 4 * (D * N + N * N + N) == 128
assert one.axis_patterns() == {"time": "causal"}

x = keras.Input((T, D))
parallel = keras.Model(x, L.Concatenate()([L.LSTM(1, return_sequences=True)(x)
                                             for _ in range(N)]))
c = compare(L.LSTM(N, return_sequences=True), parallel, input_shape=(T, D))
print(c)
assert c.b.param_count == N * 4 * (D * 1 + 1 * 1 + 1) == 80
assert c.same_dependency is True and c.same_function is None

# Which units does each recurrent weight reach? In LSTM(N), every unit's output at the last
# step depends on every entry of the recurrent kernel; in the parallel model, each LSTM(1)'s
# weights reach only its own unit.
reach = next(r for n, r in one.reach.items() if n.endswith("recurrent_kernel"))[-1]
assert reach.all()
par = c.b.reach
own = [name for name in par if "recurrent_kernel" in name]
reached = [np.flatnonzero(par[name][-1].reshape(N, -1).any(axis=1)).tolist() for name in own]
print("units each LSTM(1)'s recurrent kernel reaches:", reached)
assert sorted(reached) == [[k] for k in range(N)]

one.save(out / "lstm_dependency.png", kind="dependency")
print(f"pictures in {out}")
