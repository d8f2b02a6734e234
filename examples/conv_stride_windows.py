"""Which windows does Conv2D(strides=2, padding='same') read?

Answer, measured with impulses through the real layer: for an input of length n, 'same'
pads (out - 1)·stride + k - n in total, the smaller half before. For n=7, k=3: 1 before,
1 after, so the windows are [-1:2], [1:4], [3:6], [5:8]: the interior ones start at odd
indices ([1:1+k]). For n=8: 0 before, 1 after: [0:3], [2:5], ...
"""

from _common import picture_folder

import pellucid as keras
from pellucid.explain import explain

L = keras.layers
out = picture_folder()

odd = explain(L.Conv2D(1, 3, strides=2, padding="same"), input_shape=(7, 7, 1))
print(odd)
rows, cols = odd.windows
assert (rows.padding_before, rows.padding_after) == (1, 1)
assert [rows.window(j) for j in range(4)] == [(-1, 2), (1, 4), (3, 6), (5, 8)]

even = explain(L.Conv2D(1, 3, strides=2, padding="same"), input_shape=(8, 8, 1))
rows, _ = even.windows
assert (rows.padding_before, rows.padding_after) == (0, 1)
assert [rows.window(j) for j in range(4)] == [(0, 3), (2, 5), (4, 7), (6, 9)]

valid = explain(L.Conv2D(1, 3, strides=2, padding="valid"), input_shape=(7, 7, 1))
assert [valid.windows[0].window(j) for j in range(3)] == [(0, 3), (2, 5), (4, 7)]

odd.save(out / "conv_same_stride2.png", kind="dependency")
print(f"pictures in {out}")
