"""Datasets of nearby sizes share the programs of ``fit``, ``evaluate`` and ``predict``,
and every result is the one the exact size gives."""

import numpy as np
import pytest
from compile_log import compiles

import pellucid
from pellucid.training import data as data_lib
from pellucid.training import sources


def test_sizes_round_up_to_four_binary_digits_by_at_most_an_eighth():
    for n in range(1, 20000):
        rows = data_lib.padded_rows(n)
        if n < 16:
            assert rows == n
            continue
        shift = rows.bit_length() - 4
        assert n <= rows < n * 9 / 8 and (rows >> shift) << shift == rows, n
        assert data_lib.padded_rows(rows) == rows
    assert [data_lib.padded_rows(n) for n in (961, 1000, 1024, 1025)] == [1024] * 3 + [1152]


def _model():
    model = pellucid.Sequential([pellucid.Input((6,)), pellucid.layers.Dense(16, "relu"),
                                 pellucid.layers.Dense(3, "softmax")])
    model.compile(pellucid.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _run(sizes):
    """For each size: fit (with validation data), evaluate and predict, and the names of
    the programs each size compiled."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1100, 6)).astype("float32")
    y = rng.integers(0, 3, size=(1100,)).astype("int32")
    weights = rng.uniform(0.5, 2.0, size=(1100,)).astype("float32")
    pellucid.utils.set_random_seed(5)
    model = _model()
    results, compiled = [], []
    for n in sizes:
        with compiles() as names:
            history = model.fit(x[:n], y[:n], sample_weight=weights[:n], batch_size=8,
                                epochs=2, validation_data=(x[-n // 2:], y[-n // 2:]),
                                verbose=0).history
            evaluated = model.evaluate(x[:n], y[:n], batch_size=8, verbose=0)
            predicted = model.predict(x[:n], batch_size=8, verbose=0)
        results.append((history, evaluated, predicted))
        compiled.append(names)
    return results, [w.copy() for w in model.get_weights()], compiled


@pytest.mark.parametrize("host_bytes", [0, 1 << 30], ids=["on the device", "from the host"])
def test_nearby_sizes_compile_nothing_new_and_match_exact_sizes(monkeypatch, host_bytes):
    monkeypatch.setattr(sources, "HOST_DATA_BYTES", host_bytes)
    sizes = (1000, 1008)  # both 1,024 rows padded; batches of 8, no partial batch
    results, weights, compiled = _run(sizes)
    assert compiled[0] and compiled[1] == []

    monkeypatch.setattr(data_lib, "PADDED_DATA_BYTES", -1)  # every dataset its exact size
    exact_results, exact_weights, exact_compiled = _run(sizes)
    assert exact_compiled[1]  # what the padding saves
    for (history, evaluated, predicted), (exact_history, exact_evaluated, exact_predicted) \
            in zip(results, exact_results, strict=True):
        assert history == exact_history
        assert evaluated == exact_evaluated
        np.testing.assert_array_equal(predicted, exact_predicted)
    for w, exact in zip(weights, exact_weights, strict=True):
        np.testing.assert_array_equal(w, exact)


def test_a_short_last_batch_of_a_new_length_compiles_nothing_where_rows_stay_apart():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1010, 6)).astype("float32")
    model = _model()
    first = model.predict(x[:1000], batch_size=32, verbose=0)  # 31 batches of 32, one of 8
    with compiles() as names:
        second = model.predict(x[:1010], batch_size=32, verbose=0)  # the last has 18 rows
    assert names == []
    assert first.shape == (1000, 3) and second.shape == (1010, 3)
    by_batch = np.concatenate([model.predict_on_batch(x[i:i + 32]) for i in range(0, 1010, 32)])
    np.testing.assert_allclose(second, by_batch, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(first, by_batch[:1000], rtol=1e-6, atol=1e-7)


def test_a_model_that_mixes_rows_runs_its_short_last_batch_alone():
    # A Lambda may reduce over the batch: its last batch must hold only its own rows.
    model = pellucid.Sequential([pellucid.Input((6,)), pellucid.layers.Dense(4),
                                 pellucid.layers.Lambda(lambda t: t - t.mean(axis=0))])
    x = np.random.default_rng(1).normal(size=(100, 6)).astype("float32")
    out = model.predict(x, batch_size=32, verbose=0)  # 3 batches of 32, one of 4
    np.testing.assert_allclose(out[96:], model.predict_on_batch(x[96:]), rtol=1e-6,
                               atol=1e-6)
    assert abs(out[96:].sum(axis=0)).max() < 1e-5  # centred over its own 4 rows
