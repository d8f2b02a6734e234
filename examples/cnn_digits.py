"""A small CNN that reads digits: does the MNIST-style recipe train in pellucid?

    Conv2D(32, 3, relu)            (28, 28, 1) -> (26, 26, 32)      320 params
    Conv2D(64, 3, strides=2, relu)             -> (12, 12, 64)   18,496
    Flatten                                    -> (9216,)
    Dense(512, relu)                           -> (512,)      4,719,104
    Dropout(0.5)
    Dense(10, softmax)                         -> (10,)           5,130

trained with adam on sparse categorical crossentropy. The data are seven-segment digits
drawn in code (``_digits.py``: random size, position, slant, stroke width, noise), 3,000
to train on and 1,000 held out. Answer: after 3 epochs the held-out accuracy is at least
0.95 (typically above 0.99); the script asserts 0.95 and takes well under a minute on two
CPU cores.
"""

import time

from _digits import digits

import pellucid as keras

THRESHOLD = 0.95


def build_cnn(lib=keras, dropout: float = 0.5):
    """The CNN above, in ``lib`` (pellucid, or Keras itself for comparison)."""
    layers = lib.layers
    model = lib.Sequential([
        lib.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(512, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main() -> None:
    keras.utils.set_random_seed(0)
    x_train, y_train = digits(3000, seed=0)
    x_test, y_test = digits(1000, seed=1)
    model = build_cnn()
    assert model.count_params() == 320 + 18_496 + 4_719_104 + 5_130
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"held-out accuracy {accuracy:.4f} after 3 epochs ({seconds:.1f} s of training)")
    assert accuracy >= THRESHOLD, f"accuracy {accuracy:.4f} < {THRESHOLD}"


if __name__ == "__main__":
    main()
