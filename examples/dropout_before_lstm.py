"""Dropout before an LSTM vs inside it (dropout=) vs SpatialDropout1D / noise_shape.

Answer, measured in training mode: Dropout drops each (step, feature) entry on its own;
SpatialDropout1D and noise_shape=(None, 1, features) drop a feature for all steps at once;
LSTM(dropout=) also drops whole features for the whole sequence (one mask per sequence).
"""

import numpy as np
from _common import picture_folder

import pellucid as keras
from pellucid.explain import compare, explain

L = keras.layers
T, F = 5, 3
out = picture_folder()

cases = {
    "Dropout(0.3)": L.Dropout(0.3),
    "Dropout(0.3, noise_shape=(None, 1, F))": L.Dropout(0.3, noise_shape=(None, 1, F)),
    "SpatialDropout1D(0.3)": L.SpatialDropout1D(0.3),
    "LSTM(8, dropout=0.3)": L.LSTM(8, dropout=0.3),
}
draws = {}
for name, layer in cases.items():
    e = explain(layer, input_shape=(T, F))
    groups = e.mask_groups()
    draws[name] = len(np.unique(groups[groups >= 0]))
    print(f"{name:42s} {e.mask_sharing()}")
assert draws == {"Dropout(0.3)": 2 * T * F, "Dropout(0.3, noise_shape=(None, 1, F))": 2 * F,
                 "SpatialDropout1D(0.3)": 2 * F, "LSTM(8, dropout=0.3)": 2 * F}

before = keras.Sequential([keras.Input((T, F)), L.Dropout(0.3), L.LSTM(8)])
inside = keras.Sequential([keras.Input((T, F)), L.LSTM(8, dropout=0.3)])
c = compare(before, inside, input_shape=None)
print(c)
assert c.same_function is True  # at inference both are the plain LSTM
explain(before).save(out / "dropout_then_lstm.png", kind="dependency")
print(f"pictures in {out}")
