"""A whole Keras 3 workflow, run side by side in pellucid and Keras 3.

Build, compile, fit with the callbacks people use, save, load (each library loading the
other's file), evaluate and predict — the script is the same text for both libraries.
"""

import numpy as np

import pellucid
from pellucid.cli import main as cli_main
from tests.parity import keras_module

keras = keras_module()
rng = np.random.default_rng(3)
X = rng.normal(size=(96, 10)).astype("float32")
Y = (X[:, :3].sum(axis=1) > 0).astype("int64")


def workflow(K, folder, initial_weights=None):
    model = K.Sequential([
        K.Input((10,)),
        K.layers.Dense(16, activation="relu", name="hidden"),
        K.layers.BatchNormalization(name="norm"),
        K.layers.Dense(2, activation="softmax", name="head"),
    ])
    if initial_weights is not None:
        model.set_weights(initial_weights)
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callbacks = [
        K.callbacks.ModelCheckpoint(str(folder / "best.keras"), monitor="val_loss",
                                    save_best_only=True),
        K.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        K.callbacks.CSVLogger(str(folder / "log.csv")),
    ]
    history = model.fit(X, Y, batch_size=16, epochs=4, validation_split=0.25, shuffle=False,
                        callbacks=callbacks, verbose=0)
    return model, history


def test_same_script_same_results_and_files_cross_load(tmp_path):
    (tmp_path / "k").mkdir()
    (tmp_path / "p").mkdir()
    theirs, h_theirs = workflow(keras, tmp_path / "k")
    start = keras.models.clone_model(theirs)
    ours, h_ours = workflow(pellucid, tmp_path / "p")
    # Re-run both from the same initial weights for an exact comparison.
    init = start.get_weights()
    theirs, h_theirs = workflow(keras, tmp_path / "k", init)
    ours, h_ours = workflow(pellucid, tmp_path / "p", init)
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-4,
                                   atol=1e-5)
    assert (tmp_path / "p" / "log.csv").read_text().splitlines()[0] == \
        (tmp_path / "k" / "log.csv").read_text().splitlines()[0]
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               atol=1e-5)

    ours_from_keras = pellucid.models.load_model(tmp_path / "k" / "best.keras")
    keras_from_ours = keras.models.load_model(tmp_path / "p" / "best.keras")
    np.testing.assert_allclose(ours_from_keras.predict(X, verbose=0),
                               keras.models.load_model(tmp_path / "k" / "best.keras").predict(
                                   X, verbose=0), atol=1e-6)
    np.testing.assert_allclose(keras_from_ours.predict(X, verbose=0),
                               pellucid.models.load_model(tmp_path / "p" / "best.keras").predict(
                                   X, verbose=0), atol=1e-6)
    loss, acc = ours_from_keras.evaluate(X, Y, verbose=0)
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0


def test_cli_reads_a_file_written_by_keras(tmp_path, capsys):
    model = keras.Sequential([keras.Input((50, 10)), keras.layers.LSTM(4, name="lstm"),
                              keras.layers.Dense(1, name="head")])
    path = tmp_path / "from_keras.keras"
    model.save(path)
    assert cli_main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "lstm (LSTM)" in out and "Total params: 245" in out
    assert cli_main(["explain", str(path), "--layer", "lstm"]) == 0
    out = capsys.readouterr().out
    assert "240" in out


def test_plot_model_writes_a_picture_without_graphviz(tmp_path):
    model = pellucid.Sequential([pellucid.Input((8,)), pellucid.layers.Dense(4),
                                 pellucid.layers.Dense(2), pellucid.layers.Dense(1)])
    path = tmp_path / "model.png"
    pellucid.utils.plot_model(model, to_file=str(path), show_shapes=True)
    assert path.stat().st_size > 5_000


def test_explain_is_both_a_function_and_a_namespace():
    import pellucid.explain  # noqa: F401  (the submodule import must not hide the function)

    dense = pellucid.layers.Dense(5)
    assert pellucid.explain(dense, input_shape=(50, 10)).param_count == 55
    same = pellucid.explain.compare(pellucid.layers.Dense(5),
                                    pellucid.layers.TimeDistributed(pellucid.layers.Dense(5)),
                                    input_shape=(4, 3))
    assert same.same_function is True


def test_lambda_callback_batch_hook_runs_after_every_batch():
    model = pellucid.Sequential([pellucid.Input((10,)), pellucid.layers.Dense(2)])
    model.compile("sgd", "mse")
    seen = []
    hook = pellucid.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(
        batch))
    model.fit(X, np.zeros((96, 2), "float32"), batch_size=8, epochs=1, verbose=0,
              callbacks=[hook])
    assert seen == list(range(12))
