"""``evaluate`` over array data runs several batches per dispatch: Keras 3's results, and
per-batch callbacks still see every batch."""

import numpy as np
import pytest
from parity import copy_model_weights, keras_module

import pellucid
from pellucid.training import execution

keras = keras_module()
rng = np.random.default_rng(12)
X = rng.normal(size=(100, 6)).astype("float32")
Y = rng.integers(0, 3, size=(100,)).astype("int32")
WEIGHTS = rng.random(100).astype("float32")


def _model(lib):
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"),
                            lib.layers.BatchNormalization(),
                            lib.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    return model


class SeesBatches(pellucid.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_test_batch_end(self, batch, logs=None):
        self.seen.append((batch, dict(logs)))


@pytest.mark.parametrize("batch_size", [8, 100, 7])  # a short last batch; one batch; 15
def test_blocks_of_batches_give_keras_results(batch_size):
    ours, theirs = _model(pellucid), _model(keras)
    copy_model_weights(ours, theirs)
    theirs.fit(X, Y, epochs=1, verbose=0)  # moving statistics away from their start
    ours.set_weights(theirs.get_weights())
    cases = [{}, {"sample_weight": WEIGHTS}]
    if 5 * batch_size < len(X):
        cases.append({"steps": 5})  # fewer batches than the data holds
    for kwargs in cases:
        mine = ours.evaluate(X, Y, batch_size=batch_size, verbose=0, return_dict=True,
                             **kwargs)
        expected = theirs.evaluate(X, Y, batch_size=batch_size, verbose=0,
                                   return_dict=True, **kwargs)
        assert mine.keys() == expected.keys()
        for name, value in expected.items():
            np.testing.assert_allclose(mine[name], value, rtol=1e-5, err_msg=str(kwargs))


def test_one_dispatch_per_block_and_per_batch_for_a_callback_that_reads_batches():
    model = _model(pellucid)
    blocked = model.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    plain_fn, block_fn = model._trainer._test_fn
    calls = []

    def counted(*args):
        calls.append(args[2].shape)  # the block's index array: (rows, batch)
        return block_fn(*args)

    model._trainer._test_fn = (plain_fn, counted)
    again = model.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    # 12 batches of 8 in one block, the last 4 rows in one of their own
    assert calls == [(execution.AUTO_BLOCK_STEPS, 8), (execution.AUTO_BLOCK_STEPS, 4)]
    assert again == blocked

    calls.clear()
    seer = SeesBatches()
    per_batch = model.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True,
                               callbacks=[seer])
    assert [b for b, _ in seer.seen] == list(range(13))
    assert calls == [(1, 8)] * 12 + [(1, 4)]
    first = model.evaluate(X[:8], Y[:8], verbose=0, return_dict=True)
    for name, value in first.items():
        np.testing.assert_allclose(float(seer.seen[0][1][name]), value, rtol=1e-6)
    for name, value in blocked.items():
        np.testing.assert_allclose(per_batch[name], value, rtol=1e-6)
