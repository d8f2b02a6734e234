"""The code from the users' questions, run as written with ``keras`` replaced by ``pellucid``.

Each test keeps the question's code (Keras 2 / tf.keras 2 spellings included) and asserts
what the accepted answers say it does.
"""

import warnings

import numpy as np
import pytest

import pellucid as keras

warnings.filterwarnings("ignore", category=DeprecationWarning)


def _summary(model):
    lines = []
    model.summary(print_fn=lambda text, **kwargs: lines.append(text))
    return "".join(lines)


def test_dense_on_3d_equals_time_distributed_dense():
    from pellucid.layers import Dense, TimeDistributed  # "from tensorflow.keras.layers import *"
    from pellucid.models import Sequential

    model = Sequential()
    model.add(Dense(5, input_shape=(50, 10)))
    model1 = Sequential()
    model1.add(TimeDistributed(Dense(5), input_shape=(50, 10)))
    assert "(None, 50, 5)" in _summary(model) and "(None, 50, 5)" in _summary(model1)
    assert model.count_params() == model1.count_params() == 55
    model1.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(3, 50, 10)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), model1.predict(x, verbose=0),
                               atol=1e-6)


def test_gru_string_to_string_models_from_the_question():
    from pellucid.layers import Activation, Dense, TimeDistributed
    from pellucid.layers.recurrent import GRU
    from pellucid.models import Sequential

    InputSize, MaxLen, HiddenSize = 15, 64, 16  # noqa: N806  (the question's names)
    inputs = keras.layers.Input(shape=(MaxLen, InputSize))
    x = keras.layers.recurrent.GRU(HiddenSize, return_sequences=True)(inputs)
    x = keras.layers.TimeDistributed(keras.layers.Dense(InputSize))(x)
    predictions = keras.layers.Activation("softmax")(x)
    model = keras.models.Model(inputs, predictions)
    assert [la.count_params() for la in model.layers] == [0, 1584, 255, 0]
    # Keras 2's GRU (reset_after=False) had the 1536 parameters the question shows.
    assert GRU(HiddenSize, reset_after=False)(np.zeros((1, MaxLen, InputSize))).shape == (
        1, HiddenSize)
    old = keras.Sequential([keras.Input((MaxLen, InputSize)),
                            GRU(HiddenSize, return_sequences=True, reset_after=False)])
    assert old.count_params() == 1536

    OutputSize, n_samples = 8, 256  # noqa: N806
    model1 = Sequential()
    model1.add(GRU(HiddenSize, return_sequences=True, input_shape=(MaxLen, InputSize)))
    model1.add(TimeDistributed(Dense(OutputSize)))
    model1.add(Activation("softmax"))
    model1.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    model2 = Sequential()
    model2.add(GRU(HiddenSize, return_sequences=True, input_shape=(MaxLen, InputSize)))
    model2.add(Dense(OutputSize))
    model2.add(Activation("softmax"))
    model2.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    model3 = Sequential()
    model3.add(GRU(HiddenSize, return_sequences=False, input_shape=(MaxLen, InputSize)))
    model3.add(Dense(OutputSize))
    model3.add(Activation("softmax"))
    model3.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    X = np.random.random([n_samples, MaxLen, InputSize])  # noqa: N806
    Y1 = np.random.random([n_samples, MaxLen, OutputSize])  # noqa: N806
    Y2 = np.random.random([n_samples, OutputSize])  # noqa: N806
    model1.fit(X, Y1, batch_size=128, nb_epoch=1, verbose=0)
    model2.fit(X, Y1, batch_size=128, nb_epoch=1, verbose=0)
    model3.fit(X, Y2, batch_size=128, nb_epoch=1, verbose=0)
    assert model1.count_params() == model2.count_params()
    assert model3.output_shape == (None, OutputSize)
    # As the answer says: model3 with sequence targets is an error, named clearly.
    with pytest.raises(ValueError, match=r"\(None, 8\).*\(256, 64, 8\)"):
        model3.fit(X, Y1, batch_size=128, verbose=0)


def test_dropout_before_cudnn_lstm():
    from pellucid.layers import CuDNNLSTM, Dense, Dropout, Input
    from pellucid.models import Model

    shape = (20, 3)
    ipt = Input(shape=(shape[0], shape[1]))
    x = Dropout(0.3)(ipt)
    x = CuDNNLSTM(10, return_sequences=False)(x)
    out = Dense(1, activation="relu")(x)
    model = Model(ipt, out)
    assert model.output_shape == (None, 1)
    assert model.count_params() == 4 * (3 * 10 + 10 * 10 + 10) + 11


def test_what_does_dense_do_cnn_head():
    from pellucid.layers import Activation, Conv2D, Dense, Dropout, Flatten

    model = keras.Sequential([keras.Input((28, 28, 1)), Conv2D(32, 3, activation="relu")])
    model.add(Flatten())
    model.add(Dense(512))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10))
    model.add(Activation("softmax"))
    assert model.output_shape == (None, 10)
    assert model.layers[2].count_params() == 26 * 26 * 32 * 512 + 512


def test_dense_with_input_shape_100():
    model = keras.Sequential()
    model.add(keras.layers.Dense(10 * 10 * 256, use_bias=False, input_shape=(100,)))
    assert model.count_params() == 100 * 10 * 10 * 256
    assert model.output_shape == (None, 25600)


def test_concatenate_outputs_of_lstm_answer_is_flatten():
    from pellucid.layers import LSTM, Activation, Concatenate, Dense, Dropout, Flatten, Input

    input_sequence = Input((12, 4))
    X = LSTM(units=16, return_sequences=True)(input_sequence)  # noqa: N806
    X = Dropout(rate=0.5)(X)  # noqa: N806
    X = LSTM(units=16, return_sequences=True)(X)  # noqa: N806
    X = Dropout(rate=0.5)(X)  # noqa: N806
    with pytest.raises(ValueError, match="Concatenate"):
        Concatenate()(X)
    X = Flatten()(X)  # noqa: N806
    X = Dense(3)(X)  # noqa: N806
    X = Activation("softmax")(X)  # noqa: N806
    assert X.shape == (None, 3)


def test_second_input_into_lstm_the_answers_way():
    """Passing an unknown keyword to LSTM fails clearly; concatenating the time feature works."""
    from pellucid.layers import LSTM, Concatenate, Dense, Embedding, Input, Masking
    from pellucid.models import Model

    max_seq_length, embedding_length, num_unique_event_symbols = 50, 8, 100
    main_input = Input(shape=(max_seq_length,), dtype="int32", name="main_input")
    x = Embedding(output_dim=embedding_length, input_dim=num_unique_event_symbols,
                  input_length=max_seq_length, mask_zero=True)(main_input)
    auxiliary_input = Input(shape=(max_seq_length, 1), dtype="float32", name="aux_input")
    m = Masking(mask_value=99999999.0)(auxiliary_input)
    with pytest.raises(TypeError, match="time_vector"):
        LSTM(32)(x, time_vector=m)
    lstm_out = LSTM(32)(Concatenate(axis=-1)([x, m]))
    auxiliary_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    x = Dense(64, activation="relu")(lstm_out)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    model = Model(inputs=[main_input, auxiliary_input], outputs=[main_output, auxiliary_output])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"],
                  loss_weights=[1.0, 0.2])
    rng = np.random.default_rng(21)
    train_X1 = rng.integers(0, 100, size=(64, max_seq_length))  # noqa: N806
    train_X2 = rng.random((64, max_seq_length, 1)).astype("float32")  # noqa: N806
    train_Y = rng.integers(0, 2, size=(64, 1)).astype("float32")  # noqa: N806
    history = model.fit([train_X1, train_X2], [train_Y, train_Y], epochs=1, batch_size=32,
                        verbose=0)
    assert {"loss", "main_output_accuracy", "aux_output_accuracy"} <= set(history.history)


def test_not_so_dense_layer_is_dense_without_bias():
    layer = keras.layers.Dense(10, use_bias=False)
    out = layer(np.ones((1, 4), "float32"))
    assert out.shape == (1, 10) and [w.shape for w in layer.get_weights()] == [(4, 10)]
