"""Symbolic output shapes: one trace where only the batch is unknown, the same shapes as Keras."""

import pytest
from parity import keras_module

import pellucid
from pellucid.layers import symbolic

keras = keras_module()


@pytest.fixture
def traces(monkeypatch):
    """The stand-in sizes of every trace made while building symbolic outputs."""
    sizes = []
    trace = symbolic._trace

    def counted(run, leaves, input_mask, size):
        sizes.append(size)
        return trace(run, leaves, input_mask, size)

    monkeypatch.setattr(symbolic, "_trace", counted)
    return sizes


def _shapes(tensors):
    return [tuple(t.shape) for t in (tensors if isinstance(tensors, list) else [tensors])]


@pytest.mark.parametrize(("shape", "batch_size", "count"), [
    ((4,), None, 1),       # only the batch unknown, and Dense keeps rows apart
    ((None, 4), None, 2),  # an unknown length needs the second trace
    ((4,), 8, 1),          # nothing unknown
])
def test_dense_traces_once_unless_another_size_is_unknown(traces, shape, batch_size, count):
    outs = []
    for K in (pellucid, keras):
        x = K.Input(shape, batch_size=batch_size)
        outs.append(_shapes(K.layers.Dense(3)(x)))
    assert outs[0] == outs[1]
    assert len(traces) == count


LAMBDAS = {
    "first_row": lambda K: lambda x: x[:1],  # keeps one row: not the batch any more
    "batch_sum": lambda K: lambda x: K.ops.sum(x, axis=0),  # reduces over the batch
    "scaled": lambda K: lambda x: x * 2.0,
}


@pytest.mark.parametrize("name", LAMBDAS)
def test_lambda_is_traced_twice_and_gets_keras_shapes(traces, name):
    """A Lambda may mix rows, so its shapes come from two traces, as in Keras."""
    shapes = [_shapes(K.layers.Lambda(LAMBDAS[name](K))(K.Input((4,))))
              for K in (pellucid, keras)]
    assert shapes[0] == shapes[1]
    assert len(traces) == 2


def test_masks_states_and_sequences_match_keras(traces):
    shapes = []
    for K in (pellucid, keras):
        tokens = K.Input((7,), dtype="int32")
        seq = K.layers.Embedding(20, 5, mask_zero=True)(tokens)
        out, h, c = K.layers.LSTM(6, return_sequences=True, return_state=True)(seq)
        per_step = K.layers.TimeDistributed(K.layers.Dense(2))(out)
        joined = K.layers.Concatenate()([h, c])
        shapes.append(_shapes([seq, out, h, c, per_step, joined])
                      + [tuple(seq._keras_mask.shape) if K is keras else seq.mask.shape])
    assert shapes[0] == shapes[1]
    assert traces == [13] * 4  # one per layer called: only the batch was unknown


def test_batch_first_declines_outputs_without_the_batch_axis():
    import jax

    scalar = jax.ShapeDtypeStruct((), "float32")
    rows = jax.ShapeDtypeStruct((13, 3), "float32")
    assert symbolic._batch_first((scalar, None), 13) is None
    assert symbolic._batch_first((jax.ShapeDtypeStruct((1, 3), "float32"), None), 13) is None
    outputs, mask = symbolic._batch_first((rows, None), 13)
    assert outputs.shape == (None, 3) and mask is None
