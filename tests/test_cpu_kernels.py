"""On the CPU, programs with convolutions are compiled for YNNPACK's kernels and others
for XLA's own, at LLVM's optimisation level 1; either way training and prediction give
the same numbers."""

import numpy as np
import pytest

import pellucid
from pellucid import layers
from pellucid.backend import device
from tests.parity import keras_module

RNG = np.random.default_rng(5)
X = RNG.normal(size=(48, 9, 9, 2)).astype("float32")
Y = RNG.integers(0, 3, size=(48,))


def _conv_model() -> pellucid.Model:
    pellucid.utils.set_random_seed(3)
    model = pellucid.Sequential([pellucid.Input((9, 9, 2)),
                                 layers.Conv2D(4, 3, activation="relu"),
                                 layers.Conv2D(6, 3, strides=2, activation="tanh"),
                                 layers.Flatten(),
                                 layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _train_and_predict(monkeypatch, ynnpack: str) -> tuple:
    monkeypatch.setenv("PELLUCID_CPU_YNNPACK", ynnpack)
    model = _conv_model()
    history = model.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    return model, history, model.predict(X, batch_size=16, verbose=0)


@pytest.mark.skipif(device.on_accelerator(), reason="a CPU compiler option")
def test_convolution_programs_are_compiled_for_ynnpack(monkeypatch):
    assert device.convolution_compiler_options() == device.YNNPACK_FUSIONS
    model, _, _ = _train_and_predict(monkeypatch, "1")
    assert model._trainer._compiler_options() == device.YNNPACK_FUSIONS
    assert model._forward_convolves is True

    dense = pellucid.Sequential([pellucid.Input((4,)), layers.Dense(2)])
    dense.compile("sgd", "mse")
    dense.fit(np.ones((8, 4), "float32"), np.ones((8, 2), "float32"), verbose=0)
    dense.predict(np.ones((8, 4), "float32"), verbose=0)
    assert dense._trainer._compiler_options() == device.compiler_options()
    assert "xla_cpu_experimental_ynn_fusion_type" not in device.compiler_options()
    assert dense._forward_convolves is False

    monkeypatch.setenv("PELLUCID_CPU_YNNPACK", "0")
    assert device.convolution_compiler_options() == {}


def test_ynnpack_kernels_train_and_predict_as_xla_kernels(monkeypatch):
    _, with_ynnpack, predicted = _train_and_predict(monkeypatch, "1")
    _, with_xla, expected = _train_and_predict(monkeypatch, "0")
    for name in ("loss", "accuracy"):
        np.testing.assert_allclose(with_ynnpack[name], with_xla[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)


def test_ynnpack_predictions_equal_keras(monkeypatch):
    model, _, predicted = _train_and_predict(monkeypatch, "1")
    keras = keras_module()
    theirs = keras.Sequential([keras.Input((9, 9, 2)),
                               keras.layers.Conv2D(4, 3, activation="relu"),
                               keras.layers.Conv2D(6, 3, strides=2, activation="tanh"),
                               keras.layers.Flatten(),
                               keras.layers.Dense(3, activation="softmax")])
    theirs.set_weights(model.get_weights())
    np.testing.assert_allclose(predicted, theirs.predict(X, batch_size=16, verbose=0),
                               rtol=1e-5, atol=1e-6)


TOKENS = np.random.default_rng(8).integers(0, 12, (40, 7))


def _train_recurrent(monkeypatch, level: str) -> tuple:
    monkeypatch.setenv("PELLUCID_CPU_OPT_LEVEL", level)
    pellucid.utils.set_random_seed(4)
    model = pellucid.Sequential([pellucid.Input((7,), dtype="int32"),
                                 layers.Embedding(12, 5, mask_zero=True),
                                 layers.LSTM(6, return_sequences=True),
                                 layers.GRU(4), layers.Dropout(0.2),
                                 layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(TOKENS, TOKENS[:, 0] % 3, batch_size=16, epochs=3, shuffle=False,
                        verbose=0).history
    return history, model.get_weights(), model.predict(TOKENS, batch_size=16, verbose=0)


@pytest.mark.skipif(device.on_accelerator(), reason="a CPU compiler option")
def test_other_programs_compile_at_llvm_level_one_with_the_same_bits(monkeypatch):
    monkeypatch.delenv("PELLUCID_CPU_OPT_LEVEL", raising=False)
    assert device.compiler_options() == {"xla_backend_optimization_level": "1"}
    assert device.compiler_options(convolves=True) == device.convolution_compiler_options()
    monkeypatch.setenv("PELLUCID_CPU_OPT_LEVEL", "3")
    assert device.compiler_options() == {"xla_backend_optimization_level": "3"}

    history, weights, predicted = _train_recurrent(monkeypatch, "1")
    history_3, weights_3, predicted_3 = _train_recurrent(monkeypatch, "3")
    # Without fast-math, LLVM's level changes which instructions run, not the values.
    assert history == history_3
    for ours, xlas in zip(weights, weights_3, strict=True):
        np.testing.assert_array_equal(ours, xlas)
    np.testing.assert_array_equal(predicted, predicted_3)
