"""predict's blocks: on accelerators a block's batches run as one wide batch, unless the
model carries state from batch to batch (forced on here so the CPU checks it too); on the
CPU a model whose rows stay apart runs its forward pass on several batches' rows a call
(one call per core, each on one thread, for a model without convolutions), and in the
device loop every batch is read as a slice of consecutive rows."""

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
        model, [v.value for v in model.trainable_weights],
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
    monkeypatch.setattr(model, "rows_independent", lambda training=True: rows_apart)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)  # the device loop
    x = RNG.normal(size=(samples, 6, 3)).astype("float32")
    monkeypatch.setattr(execution, "usable_cores", lambda: 1)
    one_thread = model.predict(x, batch_size=4, verbose=0)
    used = []
    original = execution.on_threads
    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    monkeypatch.setattr(execution, "on_threads",
                        lambda run, items, done, threads=2: used.append(len(items)) or original(
                            run, items, done, threads))
    two_threads = model.predict(x, batch_size=4, verbose=0)
    assert used == blocks
    np.testing.assert_array_equal(two_threads, one_thread)


def _on_two_cores(model, x):
    return inference._blocks_on_two_cores(model, [v.value for v in model.trainable_weights],
                                          [v.value for v in model.non_trainable_state()], x)


def test_stateful_predictions_stay_on_one_thread_and_convolutions_take_two(monkeypatch):
    from pellucid.training import execution

    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    conv = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(2, 3),
                             keras.layers.Flatten()])
    stateful = keras.Sequential([keras.Input((3, 2), batch_size=4),
                                 keras.layers.LSTM(3, stateful=True)])
    for model, x, two in ((conv, RNG.normal(size=(8, 6, 6, 1)), True),
                          (stateful, RNG.normal(size=(8, 3, 2)), False)):
        x = x.astype("float32")
        model.predict(x, batch_size=4, verbose=0)
        assert _on_two_cores(model, x[:4]) == two


def _convolutions(lib, *extra):
    return lib.Sequential([lib.Input((9, 9, 2)), lib.layers.Conv2D(4, 3, activation="relu"),
                           *extra, lib.layers.MaxPooling2D(),
                           lib.layers.Conv2D(3, 2, padding="same"),
                           lib.layers.ZeroPadding2D(1), lib.layers.GlobalAveragePooling2D(),
                           lib.layers.Dense(2)])


def _record_stacking(monkeypatch) -> list:
    found = []
    original = inference._stacks_batches
    monkeypatch.setattr(inference, "_stacks_batches",
                        lambda *a: found.append(original(*a)) or found[-1])
    return found


def _record_calls(monkeypatch, threads: list | None = None) -> list:
    """For each predict on several threads, what its calls hold: ``("rows", n)`` for a
    call of the forward pass on ``n`` rows, ``("loop", k)`` for a block of ``k`` batches in
    the device loop; how many threads ran them goes to ``threads``."""
    from pellucid.training import execution

    def held(item):
        return ("rows", item[1]) if isinstance(item, tuple) else ("loop", item.count)

    found = []
    original = execution.on_threads

    def recorded(run, items, done, threads_used=2):
        found.append([held(item) for item in items])
        if threads is not None:
            threads.append(threads_used)
        return original(run, items, done, threads_used)

    monkeypatch.setattr(execution, "on_threads", recorded)
    return found


@pytest.mark.parametrize("samples", [96, 85])  # whole blocks; a partial last batch
@pytest.mark.parametrize("normalized", [False, True])  # rows apart in inference only
def test_convolution_blocks_run_as_one_batch_and_predict_as_keras(monkeypatch, samples,
                                                                  normalized):
    from pellucid.training import execution
    from tests.parity import keras_module

    theirs_lib = keras_module()
    monkeypatch.setattr(execution, "usable_cores", lambda: 3)
    x = RNG.normal(size=(samples, 9, 9, 2)).astype("float32")
    ours, theirs = (_convolutions(lib, *([lib.layers.BatchNormalization()] if normalized
                                          else []))
                    for lib in (keras, theirs_lib))
    # Moving variances positive, everything else anywhere.
    ours.set_weights([np.abs(RNG.normal(size=w.shape)).astype("float32") + 0.5
                      if "variance" in w.path else RNG.normal(size=w.shape).astype("float32")
                      for w in ours.weights])
    theirs.set_weights(ours.get_weights())
    stacked = _record_stacking(monkeypatch)
    threads: list = []
    calls = _record_calls(monkeypatch, threads)
    predicted = ours.predict(x, batch_size=4, verbose=0)
    assert stacked and all(stacked)
    # Eight batches a call (16 would leave the second of the two calls none: 24 and 22
    # batches), then one batch a call for the rest (the short last batch padded to a full
    # one), two calls at a time on YNNPACK's threads, not one per core.
    assert calls == [{96: [("rows", 32)] * 3,
                      85: [("rows", 32)] * 2 + [("rows", 4)] * 6}[samples]]
    assert threads == [2] and getattr(ours, "_predict_one_thread_fn", None) is None
    assert predicted.shape == (samples, 2)
    # The weights above make outputs up to about 12, sums of terms as large: float32
    # rounds those to 1e-6 and more, and the convolution kernels sum 64 rows in another
    # order than 4, so small outputs differ by a few of those units. Absolute
    # differences are bounded relative to the outputs' scale.
    expected = theirs.predict(x, batch_size=4, verbose=0)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6 * scale)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)
    ours._predict_block_fn = None
    np.testing.assert_allclose(ours.predict(x, batch_size=4, verbose=0), predicted,
                               rtol=1e-6, atol=1e-6 * scale)


def test_batches_stack_only_where_rows_stay_apart_and_state_is_untouched(monkeypatch):
    x = RNG.normal(size=(24, 9, 9, 2)).astype("float32")
    mixing = _convolutions(keras, keras.layers.Lambda(
        lambda t: t - keras.ops.mean(t, axis=0, keepdims=True)))
    stateful = keras.Sequential([keras.Input((4, 3), batch_size=4),
                                 keras.layers.GRU(2, stateful=True)])
    for model, data in ((mixing, x), (stateful, RNG.normal(size=(24, 4, 3)))):
        stacked = _record_stacking(monkeypatch)
        model.predict(data.astype("float32"), batch_size=4, verbose=0)
        assert stacked and not any(stacked)
    # The batch-mixing layer sees one batch at a time, as in Keras.
    np.testing.assert_allclose(
        mixing.predict(x, batch_size=4, verbose=0),
        np.concatenate([mixing.predict_on_batch(x[i:i + 4]) for i in range(0, 24, 4)]),
        rtol=1e-6, atol=1e-6)
    for model, data in ((_convolutions(keras), x),
                        (keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)]),
                         RNG.normal(size=(24, 5)).astype("float32")),
                        (keras.Sequential([keras.Input((4, 3)), keras.layers.GRU(2)]),
                         RNG.normal(size=(24, 4, 3)).astype("float32"))):
        model.predict(data, batch_size=4, verbose=0)
        args = (model, [v.value for v in model.trainable_weights], [], data[:4])
        assert inference._stacks_batches(*args)
        with monkeypatch.context() as m:
            m.setattr(inference, "on_accelerator", lambda: True)  # batches side by side
            assert not inference._stacks_batches(*args)


def _dense(lib):
    return lib.Sequential([lib.Input((12,)), lib.layers.Dense(16, activation="relu"),
                           lib.layers.Dropout(0.5), lib.layers.Dense(3, activation="softmax")])


# Calls of several batches first, then one batch a call for those left over (the short
# last one padded with zero rows). A call takes at most ``most`` batches, and at most a
# third of them, for each of three cores to get one (six batches of 200, ten of 32).
@pytest.mark.parametrize("samples,batch_size,most,sizes", [
    (8192, 128, 16, [2048] * 4), (1030, 50, 4, [200] * 5 + [50]),
    (1030, 200, 4, [400, 400, 200, 200]), (300, 32, 16, [64] * 4 + [32] * 2)])
def test_dense_blocks_run_as_one_batch_and_predict_as_keras(monkeypatch, samples,
                                                            batch_size, most, sizes):
    from pellucid.training import execution
    from tests.parity import keras_module

    monkeypatch.setattr(inference, "STACKED_BATCHES", most)
    ours, theirs = _dense(keras), _dense(keras_module())
    theirs.set_weights(ours.get_weights())
    x = RNG.normal(size=(samples, 12))  # float64: predicted as float32, as in Keras
    stacked = _record_stacking(monkeypatch)
    monkeypatch.setattr(execution, "usable_cores", lambda: 3)
    threads: list = []
    calls = _record_calls(monkeypatch, threads)
    predicted = ours.predict(x, batch_size=batch_size, verbose=0)
    assert stacked and all(stacked) and calls == [[("rows", rows) for rows in sizes]]
    # One call per core, each compiled for one core.
    assert threads == [3] and ours._predict_one_thread_fn is not None
    assert predicted.shape == (samples, 3) and predicted.dtype == np.float32
    np.testing.assert_allclose(predicted, theirs.predict(x, batch_size=batch_size, verbose=0),
                               rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)
    np.testing.assert_allclose(ours.predict(x, batch_size=batch_size, verbose=0), predicted,
                               rtol=1e-6, atol=1e-6)


def test_stacked_blocks_keep_their_values_within_the_byte_budget(monkeypatch):
    model = _dense(keras)
    x = RNG.normal(size=(64, 12)).astype("float32")
    model.predict(x, batch_size=4, verbose=0)
    row_bytes = model._predict_facts.row_bytes
    assert row_bytes > 12 * 4  # at least the input row and its products
    assert inference._stacked_batches(model._predict_facts, 4) == 16
    # Two calls at once (or one) get half the budget each.
    monkeypatch.setattr(inference, "STACKED_BYTES", int(row_bytes * 4 * 5 * 2))
    assert inference._stacked_batches(model._predict_facts, 4) == 4  # five fit: a power of two
    assert inference._stacked_batches(model._predict_facts, 4, at_once=2) == 4
    assert inference._stacked_batches(model._predict_facts, 4, at_once=5) == 2
    assert inference._stacked_batches(model._predict_facts, 4, at_once=16) == 1
    monkeypatch.setattr(inference, "STACKED_BYTES", int(row_bytes))
    assert inference._stacked_batches(model._predict_facts, 4) == 1
    # predict shares the budget among the calls it runs at once: one per core here.
    from pellucid.training import execution

    monkeypatch.setattr(inference, "STACKED_BYTES", int(row_bytes * 4 * 16 * 4) + 1)
    monkeypatch.setattr(execution, "usable_cores", lambda: 8)
    calls = _record_calls(monkeypatch)
    model.predict(RNG.normal(size=(512, 12)), batch_size=4, verbose=0)
    assert calls == [[("rows", 32)] * 16]


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


def test_stacked_calls_on_two_threads_are_traced_in_the_calling_thread(monkeypatch):
    import threading

    from pellucid.training import execution

    tracing_threads = set()
    call = keras.layers.Dense.call

    def recorded(self, *args, **kwargs):
        tracing_threads.add(threading.current_thread().name)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(keras.layers.Dense, "call", recorded)
    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    model = _dense(keras)
    stacked = _record_stacking(monkeypatch)
    x = RNG.normal(size=(150, 12)).astype("float32")  # two calls of 64 rows, then batches
    model.predict(x, batch_size=4, verbose=0)
    model.predict(x[:70], batch_size=4, verbose=0)
    assert stacked and all(stacked)
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

    stacked = _record_stacking(monkeypatch)
    one = model.predict(x, batch_size=10, verbose=0, callbacks=[Batches()])
    first_rows = model.predict(x, batch_size=4, steps=1, verbose=0)
    assert blocks == stacked == [] and seen == [("begin", 0), ("end", 0)]
    np.testing.assert_array_equal(one, model.predict_on_batch(x))
    np.testing.assert_array_equal(first_rows, model.predict_on_batch(x[:4]))
    several = model.predict(x, batch_size=4, verbose=0)  # three batches: stacked calls
    assert stacked == [True] and blocks == []
    np.testing.assert_allclose(several, one, rtol=1e-6, atol=1e-6)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), one, rtol=1e-6,
                               atol=1e-6)  # in the device loop
    assert blocks


def _two_inputs_two_outputs(lib):
    tokens = lib.Input((5,), dtype="int32", name="tokens")
    values = lib.Input((3,), name="values")
    pooled = lib.layers.GlobalAveragePooling1D()(lib.layers.Embedding(9, 4)(tokens))
    joined = lib.layers.Concatenate()([pooled, values])
    return lib.Model([tokens, values], [lib.layers.Dense(2, name="a")(joined),
                                        lib.layers.Dense(1, name="b")(values)])


def test_stacked_blocks_of_several_inputs_and_outputs_predict_as_keras(monkeypatch):
    from tests.parity import keras_module

    ours, theirs = _two_inputs_two_outputs(keras), _two_inputs_two_outputs(keras_module())
    theirs.set_weights(ours.get_weights())
    x = [RNG.integers(0, 9, (150, 5)).astype("int32"), RNG.normal(size=(150, 3))]
    stacked = _record_stacking(monkeypatch)
    predicted = ours.predict(x, batch_size=4, verbose=0)  # 37 whole batches and 2 rows
    assert stacked and all(stacked)
    for a, b in zip(predicted, theirs.predict(x, batch_size=4, verbose=0), strict=True):
        assert a.shape == b.shape and a.shape[0] == 150
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    first = ours.predict(x, batch_size=4, steps=20, verbose=0)  # 80 rows: blocks of 16 and 4
    for a, b in zip(first, ours.predict_on_batch([x[0][:80], x[1][:80]]), strict=True):
        assert a.shape[0] == 80
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("large", [False, True])
def test_a_short_last_batch_reads_past_the_data_only_where_the_copy_is_small(monkeypatch,
                                                                             large):
    """Batches that do not stack (forced here) run in the device loop, from a copy of the
    inputs. A short last batch runs as a full one where rows stay apart, reading rows past
    the data's end, which the copy adds; above PADDED_DATA_BYTES it adds none, and the
    short batch runs as a batch of its own."""
    from pellucid.training import data as data_lib
    from pellucid.training import execution

    monkeypatch.setattr(execution, "usable_cores", lambda: 2)
    if large:
        monkeypatch.setattr(data_lib, "PADDED_DATA_BYTES", -1)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.GRU(2)])
    # 1,030 rows in batches of 200: a full last batch reads up to row 1,200, past the
    # 1,152 rows that inputs of nearby sizes are padded to (padded_rows).
    x = RNG.normal(size=(1030, 4, 3)).astype("float32")
    calls = _record_calls(monkeypatch)
    predicted = model.predict(x, batch_size=200, verbose=0)
    assert calls == [[("loop", 4), ("loop", 1), ("loop", 1)] if large
                     else [("loop", 4), ("loop", 2)]]
    np.testing.assert_allclose(predicted, model.predict_on_batch(x), rtol=1e-6, atol=1e-6)


def _masked_tokens_recurrent(lib):
    tokens = lib.Input((7,), dtype="int32")
    x = lib.layers.Embedding(20, 6, mask_zero=True)(tokens)
    x = lib.layers.LSTM(5, return_sequences=True)(x)
    return lib.Model(tokens, lib.layers.Dense(2, activation="softmax")(lib.layers.GRU(4)(x)))


def _bidirectional_sequences(lib):
    return lib.Sequential([lib.Input((9, 3)),
                           lib.layers.Bidirectional(lib.layers.GRU(4, return_sequences=True)),
                           lib.layers.TimeDistributed(lib.layers.Dense(2)),
                           lib.layers.SimpleRNN(3, go_backwards=True, return_sequences=True)])


def _tokens(rows):
    ids = RNG.integers(1, 20, (rows, 7))
    ids[np.arange(7)[None, :] >= RNG.integers(1, 8, rows)[:, None]] = 0  # padded at the end
    return ids.astype("int32")


@pytest.mark.parametrize("make,data", [(_masked_tokens_recurrent, _tokens),
                                       (_bidirectional_sequences,
                                        lambda rows: RNG.normal(size=(rows, 9, 3)))])
@pytest.mark.parametrize("cores", [2, 3])
def test_recurrent_models_stack_one_call_per_core_and_predict_as_keras(monkeypatch, make,
                                                                       data, cores):
    """A recurrent model's calls take four batches each, one call per core, each compiled
    for one core; the batches left over run one a call."""
    from pellucid.training import execution
    from tests.parity import keras_module

    ours, theirs = make(keras), make(keras_module())
    theirs.set_weights(ours.get_weights())
    x = data(70)  # four calls of 16 rows, then a batch of 4 and a short one of 2
    monkeypatch.setattr(execution, "usable_cores", lambda: cores)
    stacked = _record_stacking(monkeypatch)
    threads: list = []
    calls = _record_calls(monkeypatch, threads)
    predicted = ours.predict(x, batch_size=4, verbose=0)
    assert stacked == [True]
    assert calls == [[("rows", 16)] * 4 + [("rows", 4)] * 2] and threads == [cores]
    assert ours._predict_one_thread_fn is not None
    assert getattr(ours, "_predict_fn", None) is None  # not the predict_on_batch program
    expected = theirs.predict(x, batch_size=4, verbose=0)
    assert predicted.shape == expected.shape and predicted.shape[0] == 70
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(inference, "_stacks_batches", lambda *a: False)
    np.testing.assert_allclose(ours.predict(x, batch_size=4, verbose=0), predicted,
                               rtol=1e-6, atol=1e-6)  # the device loop


def test_more_cores_than_batches_keep_the_default_program_two_calls_at_a_time(monkeypatch):
    """Calls compiled for one core each would leave cores idle: with 8 cores and five
    batches, the default program (its products on XLA's threads) runs two calls at a
    time, two batches a call so that both get one."""
    from pellucid.training import execution

    model = _dense(keras)
    x = RNG.normal(size=(20, 12)).astype("float32")
    monkeypatch.setattr(execution, "usable_cores", lambda: 8)
    threads: list = []
    calls = _record_calls(monkeypatch, threads)
    predicted = model.predict(x, batch_size=4, verbose=0)
    assert calls == [[("rows", 8), ("rows", 8), ("rows", 4)]] and threads == [2]
    assert model._predict_fn is not None
    assert getattr(model, "_predict_one_thread_fn", None) is None
    np.testing.assert_allclose(predicted, model.predict_on_batch(x), rtol=1e-6, atol=1e-6)
    monkeypatch.setattr(execution, "usable_cores", lambda: 4)  # five batches: one per core
    calls.clear(), threads.clear()
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), predicted,
                               rtol=1e-6, atol=1e-6)
    assert calls == [[("rows", 4)] * 5] and threads == [4]
    assert model._predict_one_thread_fn is not None
