"""Dense(2, softmax) vs Dense(1, sigmoid) for two classes.

Answer: softmax([z0, z1])[1] = sigmoid(z1 - z0), so Dense(1, sigmoid) with kernel
k1 - k0 and bias b1 - b0 gives the same probability with half the parameters
(d + 1 instead of 2·(d + 1)). Dense(2, sigmoid) is a different model (two independent
probabilities: multi-label).
"""

import numpy as np

import pellucid as keras
from pellucid.explain import compare

L = keras.layers
d = 6
c = compare(L.Dense(2, activation="softmax"), L.Dense(1, activation="sigmoid"),
            input_shape=(d,))
print(c)
assert (c.a.param_count, c.b.param_count) == (2 * (d + 1), d + 1)
assert c.same_function is False  # different output shapes: (None, 2) vs (None, 1)

softmax, sigmoid = L.Dense(2, activation="softmax"), L.Dense(1, activation="sigmoid")
x = np.random.default_rng(0).normal(size=(16, d)).astype("float32")
p2 = np.asarray(softmax(x))
k, b = softmax.get_weights()
sigmoid(x)
sigmoid.set_weights([k[:, 1:] - k[:, :1], b[1:] - b[:1]])
p1 = np.asarray(sigmoid(x))
print("max |softmax[:, 1] - sigmoid| =", float(np.abs(p2[:, 1:] - p1).max()))
assert np.allclose(p2[:, 1:], p1, atol=1e-6)
assert np.allclose(p2.sum(axis=1), 1.0, atol=1e-6)
