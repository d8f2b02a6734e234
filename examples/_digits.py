"""A small digits data set drawn in code: seven-segment digits on a 28×28 canvas.

Each image draws the segments of one digit (0-9) as anti-aliased strokes, with a random
size, position (about ±3 pixels), slant, stroke thickness and endpoint jitter, then adds
Gaussian noise. Pixel values lie in [0, 1]; images have shape (28, 28, 1) like MNIST.

    x, y = digits(1000, seed=0)   # x: (1000, 28, 28, 1) float32, y: (1000,) int32
"""

from __future__ import annotations

import numpy as np

SIZE = 28
# Segment ends in a unit box: x to the right, y downwards; (0, 0) top left, (1, 2) bottom right.
SEGMENTS = {
    "a": ((0, 0), (1, 0)), "b": ((1, 0), (1, 1)), "c": ((1, 1), (1, 2)),
    "d": ((0, 2), (1, 2)), "e": ((0, 1), (0, 2)), "f": ((0, 0), (0, 1)),
    "g": ((0, 1), (1, 1)),
}
LIT = ["abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg",
       "abcdfg"]

_rows, _cols = np.mgrid[0:SIZE, 0:SIZE].astype("float32") + 0.5


def draw(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One ``(28, 28)`` image of ``digit`` with random geometry (no noise)."""
    width, height = rng.uniform(7, 12), rng.uniform(7, 10)  # height of each half
    left = SIZE / 2 - width / 2 + rng.uniform(-3, 3)
    top = SIZE / 2 - height + rng.uniform(-3, 3)
    slant = rng.uniform(-0.25, 0.25)
    half_thickness = rng.uniform(0.8, 1.8)
    image = np.zeros((SIZE, SIZE), "float32")
    for name in LIT[digit]:
        (x0, y0), (x1, y1) = SEGMENTS[name]
        ends = np.array([[left + x0 * width, top + y0 * height],
                         [left + x1 * width, top + y1 * height]]) + rng.uniform(-1, 1, (2, 2))
        # Slant: points lower on the digit move left (italic when slant > 0).
        ends[:, 0] += slant * (top + height - ends[:, 1])
        image = np.maximum(image, _stroke(ends[0], ends[1], half_thickness))
    return image


def _stroke(p: np.ndarray, q: np.ndarray, half_thickness: float) -> np.ndarray:
    """Anti-aliased line from p to q: 1 within ``half_thickness`` of it, fading over 1 px."""
    direction = q - p
    t = ((_cols - p[0]) * direction[0] + (_rows - p[1]) * direction[1]) / (direction @ direction)
    t = np.clip(t, 0.0, 1.0)
    distance = np.hypot(_cols - (p[0] + t * direction[0]), _rows - (p[1] + t * direction[1]))
    return np.clip(half_thickness + 0.5 - distance, 0.0, 1.0)


def digits(n: int, seed: int = 0, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images ``(n, 28, 28, 1)`` float32 and labels ``(n,)`` int32, classes balanced."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10).astype("int32")
    images = np.stack([draw(int(d), rng) for d in labels])
    images = np.clip(images + rng.normal(0.0, noise, images.shape), 0.0, 1.0)
    return images[..., None].astype("float32"), labels
