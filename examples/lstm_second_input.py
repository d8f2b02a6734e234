"""How do I feed a second sequence (time since last event) to an LSTM?

Answer: concatenate it to the first sequence's features at each step; the LSTM's gates
(the forget gate included) then read it at every step. Measured: output step t depends on
both inputs at steps 0..t.
"""

import numpy as np
from _common import picture_folder

import pellucid as keras
from pellucid.explain import explain

L = keras.layers
T, V, E = 6, 20, 4
out = picture_folder()

events = keras.Input((T,), dtype="int32")
minutes = keras.Input((T, 1))
x = L.Concatenate()([L.Embedding(V, E)(events), minutes])
h = L.LSTM(8, return_sequences=True)(x)
model = keras.Model([events, minutes], h)
e = explain(model)
print(e)
causal = np.tril(np.ones((T, T), bool))
assert np.array_equal(e.dependency(0, 0).any(axis=1), causal)
assert np.array_equal(e.dependency(1, 0).any(axis=(1, 3)), causal)
assert e.param_count == V * E + 4 * ((E + 1) * 8 + 8 * 8 + 8)
e.save(out / "lstm_two_inputs.png", kind="flow")
print(f"pictures in {out}")
