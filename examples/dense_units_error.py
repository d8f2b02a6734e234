"""Why does changing the last Dense(1) to Dense(10) fail with binary targets?

Answer: the last layer's units set the output shape; targets of shape (n, 1) need
(None, 1). Hidden Dense layers can have any number of units: only the parameter count
changes (d·u + u).
"""

import numpy as np

import pellucid as keras
from pellucid.explain import explain

L = keras.layers
for units in (1, 10):
    e = explain(L.Dense(units), input_shape=(1029,))
    print(f"Dense({units}) on 1029 features: output {e.output_shape}, {e.param_count} params")
    assert e.output_shape == (None, units) and e.param_count == 1029 * units + units

model = keras.Sequential([keras.Input((29,)), L.Dense(64, activation="tanh"),
                          L.Dense(10, activation="sigmoid")])
model.compile("sgd", "binary_crossentropy")
x, y = np.zeros((8, 29), "float32"), np.zeros((8, 1), "float32")
try:
    model.fit(x, y, epochs=1, verbose=0)
    raise SystemExit("expected a shape error")
except ValueError as err:
    print("error, as expected:", str(err).splitlines()[0])
