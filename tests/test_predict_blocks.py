"""predict's blocks: on accelerators a block's batches run as one wide batch, unless the
model carries state from batch to batch. Forced on here so the CPU checks it too."""

import numpy as np
import pytest

import pellucid as keras
from pellucid.training import inference

RNG = np.random.default_rng(3)


def _predict_both_ways(monkeypatch, make_model, x, batch_size):
    model = make_model()
    looped = model.predict(x, batch_size=batch_size, verbose=0)
    monkeypatch.setattr(inference, "on_accelerator", lambda: True)
    model._predict_block_fn = None  # compiled for the CPU's choice above
    wide = model.predict(x, batch_size=batch_size, verbose=0)
    return looped, wide, _independent(model, x[:batch_size])


def _independent(model, x):
    return inference._batches_are_independent(
        inference._inference_forward(model), [v.value for v in model.trainable_weights],
        [v.value for v in model.non_trainable_state()], x)


@pytest.mark.parametrize("samples", [64, 61])  # whole blocks, and a partial last batch
def test_wide_batches_give_the_same_predictions(monkeypatch, samples):
    def make():
        return keras.Sequential([
            keras.Input((7, 3)), keras.layers.GRU(5, return_sequences=True),
            keras.layers.BatchNormalization(), keras.layers.Dropout(0.5),
            keras.layers.Dense(2, activation="softmax")])

    x = RNG.normal(size=(samples, 7, 3)).astype("float32")
    looped, wide, independent = _predict_both_ways(monkeypatch, make, x, batch_size=4)
    assert independent
    assert wide.shape == looped.shape == (samples, 7, 2)
    np.testing.assert_allclose(wide, looped, atol=1e-6)


def test_each_batch_stays_a_batch_of_its_own(monkeypatch):
    """A layer reducing over the batch axis sees one batch at a time, as in the loop."""

    def make():
        return keras.Sequential([
            keras.Input((3,)),
            keras.layers.Lambda(lambda x: x - keras.ops.mean(x, axis=0, keepdims=True)),
            keras.layers.Dense(2)])

    x = RNG.normal(size=(40, 3)).astype("float32")
    looped, wide, independent = _predict_both_ways(monkeypatch, make, x, batch_size=8)
    assert independent
    np.testing.assert_allclose(wide, looped, atol=1e-6)


def test_stateful_models_keep_the_loop(monkeypatch):
    def make():
        return keras.Sequential([keras.Input((3, 2), batch_size=4),
                                 keras.layers.LSTM(3, stateful=True)])

    x = RNG.normal(size=(16, 3, 2)).astype("float32")
    model = make()
    batchwise = np.concatenate([model.predict_on_batch(x[i:i + 4]) for i in range(0, 16, 4)])
    model.reset_states()
    monkeypatch.setattr(inference, "on_accelerator", lambda: True)
    assert not _independent(model, x[:4])
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), batchwise,
                               atol=1e-6)


def _functional_two_outputs():
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(12, 4, mask_zero=True)(tokens)
    state = keras.layers.Bidirectional(keras.layers.LSTM(3))(x)
    return keras.Model(tokens, [keras.layers.Dense(1)(state), keras.layers.Dense(2)(state)])


def _attention():
    inputs = keras.Input((5, 4))
    x = keras.layers.MultiHeadAttention(2, 3)(inputs, inputs)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(x))


@pytest.mark.parametrize("make,x", [
    (_functional_two_outputs,
     np.where(RNG.random((37, 6)) < 0.3, 0, RNG.integers(1, 12, (37, 6))).astype("int32")),
    (_attention, RNG.normal(size=(37, 5, 4)).astype("float32")),
    (lambda: keras.Sequential([keras.Input((8, 8, 2)), keras.layers.Conv2D(3, 3),
                               keras.layers.BatchNormalization(),
                               keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                               keras.layers.Dense(2)]),
     RNG.normal(size=(37, 8, 8, 2)).astype("float32")),
    (lambda: keras.Sequential([keras.Input((4, 3)),
                               keras.layers.TimeDistributed(keras.layers.Dense(2)),
                               keras.layers.SimpleRNN(2, go_backwards=True)]),
     RNG.normal(size=(37, 4, 3)).astype("float32")),
])
def test_side_by_side_batches_across_layer_families(monkeypatch, make, x):
    looped, wide, independent = _predict_both_ways(monkeypatch, make, x, batch_size=5)
    assert independent
    for a, b in zip(wide if isinstance(wide, list) else [wide],
                    looped if isinstance(looped, list) else [looped], strict=True):
        assert a.shape == b.shape and a.shape[0] == 37
        np.testing.assert_allclose(a, b, atol=1e-5)


# 33 batches in blocks of 4 (16 // 4), the last of one batch; two batches of different
# sizes (for a model taken as mixing rows, whose short last batch runs alone), or of one
# size (the short one run as a full batch); one batch, which runs alone.
@pytest.mark.parametrize("samples,blocks,rows_apart",
                         [(130, [9], True), (7, [2], False), (7, [1], True), (3, [], True)])
def test_blocks_on_two_threads_give_the_same_predictions(monkeypatch, samples, blocks,
                                                          rows_apart):
    from pellucid.training import execution

    model = keras.Sequential([keras.Input((6, 3)), keras.layers.LSTM(4, return_sequences=True),
                              keras.layers.Dense(2)])
    monkeypatch.setattr(model, "rows_independent", lambda: rows_apart)
    x = RNG.normal(size=(samples, 6, 3)).astype("float32")
    monkeypatch.setattr(execution, "usable_cores", lambda: 1)
    one_thread = model.predict(x, batch_size=4, verbose=0)
    used = []
    original = execution.on_two_threads
    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    monkeypatch.setattr(execution, "on_two_threads",
                        lambda run, items, done: used.append(len(items)) or original(
                            run, items, done))
    two_threads = model.predict(x, batch_size=4, verbose=0)
    assert used == blocks
    np.testing.assert_array_equal(two_threads, one_thread)


def test_convolution_and_stateful_predictions_stay_on_one_thread():
    conv = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3),
                             keras.layers.Flatten()])
    stateful = keras.Sequential([keras.Input((3, 2), batch_size=4),
                                 keras.layers.LSTM(3, stateful=True)])
    for model, x in ((conv, RNG.normal(size=(8, 6, 6, 1))), (stateful, RNG.normal(size=(8, 3, 2)))):
        x = x.astype("float32")
        model.predict(x, batch_size=4, verbose=0)
        assert not inference._blocks_on_two_cores(
            model, [v.value for v in model.trainable_weights],
            [v.value for v in model.non_trainable_state()], x[:4])


def test_blocks_on_two_threads_are_traced_in_the_calling_thread(monkeypatch):
    import threading

    from pellucid.training import execution

    tracing_threads = set()

    def record(t):
        tracing_threads.add(threading.current_thread().name)
        return t * 2.0

    model = keras.Sequential([keras.Input((4, 3)), keras.layers.Lambda(record),
                              keras.layers.GRU(2)])
    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    x = RNG.normal(size=(83, 4, 3)).astype("float32")  # whole blocks and a partial batch
    model.predict(x, batch_size=4, verbose=0)
    model.predict(x[:50], batch_size=4, verbose=0)  # another partial batch
    assert tracing_threads == {threading.main_thread().name}


def test_one_batch_runs_the_predict_on_batch_program(monkeypatch):
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.LSTM(4), keras.layers.Dense(2)])
    x = RNG.normal(size=(10, 6, 3)).astype("float32")
    blocks = []
    block_fn = inference._block_fn
    monkeypatch.setattr(inference, "_block_fn", lambda *a: blocks.append(1) or block_fn(*a))
    seen = []

    class Batches(keras.callbacks.Callback):
        def on_predict_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("end", batch))

    one = model.predict(x, batch_size=10, verbose=0, callbacks=[Batches()])
    first_rows = model.predict(x, batch_size=4, steps=1, verbose=0)
    assert blocks == [] and seen == [("begin", 0), ("end", 0)]
    np.testing.assert_array_equal(one, model.predict_on_batch(x))
    np.testing.assert_array_equal(first_rows, model.predict_on_batch(x[:4]))
    blocked = model.predict(x, batch_size=4, verbose=0)  # three batches: the blocks
    assert blocks
    np.testing.assert_allclose(blocked, one, rtol=1e-6, atol=1e-6)
