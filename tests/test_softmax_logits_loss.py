"""The crossentropy of a softmax output computed from its logits: the same values and
gradients as Keras's formula on the probabilities, clipped entries included, and taken
by training only where the prediction is a softmax's own output."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid
from pellucid import losses
from pellucid.ops import softmax_crossentropy
from tests.parity import check_training, keras_module
from tests.test_split_steps import _sequence_model

keras = keras_module()


def _logits_with_clipped_rows(rng, rows=12, classes=5):
    z = rng.normal(size=(rows, classes)).astype("float32")
    z[0] = [40.0, 0.0, 0.0, 0.0, 0.0]   # p[0] > 1 - 1e-7: the upper clip
    z[1] = [-40.0, 0.0, 0.0, 0.0, 0.0]  # p[0] < 1e-7: the lower clip
    z[2] = [-17.0, 0.0, 0.5, 0.0, 0.0]  # p[0] a little under 1e-7
    return jnp.asarray(z)


def _probability_formula(target, logits):
    return losses.categorical_crossentropy(target, jax.nn.softmax(logits))


@pytest.mark.parametrize("soft", [False, True])
def test_values_and_gradients_match_the_probability_formula(soft):
    rng = np.random.default_rng(0)
    z = _logits_with_clipped_rows(rng)
    labels = np.array([0, 0, 0] + list(rng.integers(0, 5, 9)))
    t = np.eye(5, dtype="float32")[labels]
    if soft:
        t = 0.8 * t + 0.04
    t = jnp.asarray(t)
    ours = softmax_crossentropy.crossentropy_of_softmax(t, z)
    theirs = _probability_formula(t, z)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)

    def total(fn, t, z):
        return jnp.sum(fn(t, z) * jnp.arange(1.0, 13.0))

    for arg in (0, 1):   # the target's gradient, then the logits'
        g_ours = jax.grad(lambda *a: total(softmax_crossentropy.crossentropy_of_softmax, *a),
                          argnums=arg)(t, z)
        g_theirs = jax.grad(lambda *a: total(_probability_formula, *a), argnums=arg)(t, z)
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-5, atol=1e-6)
    # Rows whose true class is clipped get no gradient, as the clip's derivative says.
    g = jax.grad(lambda z: total(softmax_crossentropy.crossentropy_of_softmax, t, z))(z)
    if not soft:
        assert not np.any(np.asarray(g[:2]))
        assert np.any(np.asarray(g[3:]))
    # Forward mode: the same tangent.
    direction = jnp.asarray(rng.normal(size=z.shape).astype("float32"))
    _, tan_ours = jax.jvp(lambda z: softmax_crossentropy.crossentropy_of_softmax(t, z),
                          (z,), (direction,))
    _, tan_theirs = jax.jvp(lambda z: _probability_formula(t, z), (z,), (direction,))
    np.testing.assert_allclose(tan_ours, tan_theirs, rtol=1e-5, atol=1e-6)


def _count_calls(monkeypatch):
    calls = []
    original = softmax_crossentropy.crossentropy_of_softmax

    def counted(target, logits):
        calls.append(logits.shape)
        return original(target, logits)

    monkeypatch.setattr(softmax_crossentropy, "crossentropy_of_softmax", counted)
    return calls


class _DoubledCrossentropy(pellucid.losses.CategoricalCrossentropy):
    def call(self, y_true, y_pred):
        return 2.0 * super().call(y_true, y_pred)


@pytest.mark.parametrize("loss, labels, taken", [
    ("categorical_crossentropy", "one_hot", True),
    ("sparse_categorical_crossentropy", "sparse", True),
    (pellucid.losses.CategoricalCrossentropy(label_smoothing=0.1), "one_hot", True),
    (pellucid.losses.SparseCategoricalCrossentropy(ignore_class=2), "sparse", False),
    (pellucid.losses.CategoricalCrossentropy(from_logits=True), "one_hot", False),
    (lambda t, p: pellucid.losses.categorical_crossentropy(t, p), "one_hot", False),
    (_DoubledCrossentropy(), "one_hot", False),
])
def test_training_takes_the_logits_only_for_builtin_crossentropies(monkeypatch, loss, labels,
                                                                   taken):
    calls = _count_calls(monkeypatch)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype("float32")
    classes = rng.integers(0, 4, 16)
    y = np.eye(4, dtype="float32")[classes] if labels == "one_hot" else classes
    model = pellucid.Sequential([pellucid.Input((3,)),
                                 pellucid.layers.Dense(4, activation="softmax")])
    model.compile("sgd", loss)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert bool(calls) is taken


def test_time_distributed_softmax_passes_its_logits_on(monkeypatch):
    calls = _count_calls(monkeypatch)
    model = pellucid.Sequential([pellucid.Input((4, 3)), pellucid.layers.TimeDistributed(
        pellucid.layers.Dense(5, activation="softmax"))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(np.ones((8, 4, 3), "float32"), np.zeros((8, 4), "int32"), batch_size=8,
              verbose=0)
    assert calls == [(8, 4, 5)]


def test_a_prediction_changed_after_its_softmax_takes_the_probabilities(monkeypatch):
    calls = _count_calls(monkeypatch)
    model = pellucid.Sequential([pellucid.Input((3,)),
                                 pellucid.layers.Dense(4, activation="softmax"),
                                 pellucid.layers.Lambda(lambda p: p * 1.0)])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(np.ones((8, 3), "float32"), np.eye(4, dtype="float32")[[0, 1] * 4],
              batch_size=8, verbose=0)
    assert not calls
    # Outside training nothing is remembered.
    p = pellucid.ops.softmax(jnp.ones((2, 3)))
    assert softmax_crossentropy.logits_of(p) is None


def _saturating_dense(lib, classes):
    # Large kernels: many rows reach the clip (p < 1e-7 or p > 1 - 1e-7).
    return lib.layers.Dense(classes, activation="softmax",
                            kernel_initializer=lib.initializers.RandomNormal(stddev=8.0,
                                                                             seed=3))


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_saturated_softmax_training_matches_keras(loss):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 6)).astype("float32")
    classes = rng.integers(0, 5, 64)
    y = np.eye(5, dtype="float32")[classes] if loss.startswith("categorical") else classes

    def build(lib):
        model = lib.Sequential([lib.Input((6,)), _saturating_dense(lib, 5)])
        model.compile(lib.optimizers.SGD(0.1), loss)
        return model

    ours, theirs = build(pellucid), build(keras)
    ours.set_weights(theirs.get_weights())
    p = theirs.predict(x, verbose=0)
    clipped = np.sum((p[np.arange(64), classes] < 1e-7) | (p[np.arange(64), classes] > 1 - 1e-7))
    assert clipped >= 8   # the clip matters in this batch
    check_training(ours, theirs, x, y, weight_rtol=1e-5, weight_atol=1e-5, batch_size=32,
                   epochs=3)


def test_sequence_softmax_training_in_split_steps_matches_keras(monkeypatch):
    # B1's shape of model at a batch that runs as two half programs on CPUs.
    calls = _count_calls(monkeypatch)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(128, 6, 3)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, size=(128, 6))]
    build = _sequence_model
    check_training(build(pellucid), build(keras), x, y, weight_rtol=1e-5, weight_atol=1e-6,
                   batch_size=64, epochs=3)
    assert calls
