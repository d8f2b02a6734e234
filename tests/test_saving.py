"""Saving and loading against the real Keras 3 on the other side of every file.

Each architecture is written once as ``build(K)`` and built with ``K = pellucid`` and
``K = keras``; files go both ways and predictions must agree.
"""

import json
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest

import pellucid
from pellucid import saving

RNG = np.random.default_rng(0)


# --- architectures, written once for both libraries ---------------------------------------
def dense_sequential(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(8, activation="relu"),
                         K.layers.Dropout(0.3), K.layers.Dense(3, activation="softmax")])


def multi_io_shared(K):
    a, b = K.Input((5,), name="a"), K.Input((5,), name="b")
    shared = K.layers.Dense(4, activation="tanh", name="shared")
    merged = K.layers.Concatenate(name="merge")([shared(a), shared(b)])
    out1 = K.layers.Dense(2, name="out1")(merged)
    out2 = K.layers.Dense(1, activation="sigmoid", name="out2")(shared(b))
    return K.Model([a, b], [out1, out2])


def nested(K):
    inner_seq = K.Sequential([K.Input((4,)), K.layers.Dense(4, activation="relu"),
                              K.layers.Dense(3)], name="inner_seq")
    x_in = K.Input((3,))
    inner_fn = K.Model(x_in, K.layers.Dense(4)(x_in), name="inner_fn")
    x = K.Input((3,))
    y = inner_seq(inner_fn(x))
    return K.Model(x, K.layers.Dense(2)(y), name="outer")


def recurrent(K):
    return K.Sequential([K.Input((5, 3)), K.layers.LSTM(4, return_sequences=True),
                         K.layers.GRU(3, return_sequences=True),
                         K.layers.TimeDistributed(K.layers.Dense(2))])


def conv_bn(K):
    return K.Sequential([K.Input((8, 8, 3)), K.layers.Conv2D(4, 3, activation="relu"),
                         K.layers.BatchNormalization(), K.layers.Flatten(),
                         K.layers.Dense(2)])


def embedding_bidirectional(K):
    return K.Sequential([K.Input((6,), dtype="int32"), K.layers.Embedding(10, 4),
                         K.layers.Bidirectional(K.layers.LSTM(3)), K.layers.Dense(2)])


ARCHITECTURES = [dense_sequential, multi_io_shared, nested, recurrent, conv_bn,
                 embedding_bidirectional]


def sample_inputs(model):
    def one(shape, dtype):
        shape = (4,) + tuple(shape[1:])
        if "int" in str(dtype):
            return RNG.integers(0, 10, size=shape).astype("int32")
        return RNG.normal(size=shape).astype("float32")

    xs = [one(t.shape, t.dtype) for t in model.inputs]
    return xs[0] if len(xs) == 1 else xs


def randomize(model):
    """Positive random weights, so BatchNormalization's variances stay valid."""
    model.set_weights([RNG.uniform(0.1, 0.6, size=w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def outputs(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def assert_same_outputs(a, b, x):
    for pa, pb in zip(outputs(a, x), outputs(b, x), strict=True):
        np.testing.assert_allclose(pa, pb, atol=1e-6, rtol=1e-5)


def dataset_layout(path):
    """``{dataset path: shape}`` and ``{group path: name attr}`` of a weights file."""
    shapes, names = {}, {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                shapes[name] = obj.shape
            elif name.endswith("vars"):
                names[name] = obj.attrs.get("name")
        f.visititems(visit)
    return shapes, names


# --- both directions --------------------------------------------------------------------
@pytest.mark.parametrize("build", ARCHITECTURES)
def test_pellucid_model_loads_in_keras(build, tmp_path):
    model = build(pellucid)
    randomize(model)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert_same_outputs(model, loaded, sample_inputs(model))


@pytest.mark.parametrize("build", ARCHITECTURES)
def test_keras_model_loads_in_pellucid(build, tmp_path):
    model = build(keras)
    randomize(model)
    model.save(tmp_path / "m.keras")
    loaded = pellucid.models.load_model(tmp_path / "m.keras")
    assert type(loaded).__name__ == type(model).__name__
    assert [la.name for la in loaded.layers] == [la.name for la in model.layers]
    assert_same_outputs(model, loaded, sample_inputs(model))


@pytest.mark.parametrize("build", ARCHITECTURES)
def test_weights_files_have_keras_layout_and_load_both_ways(build, tmp_path):
    ours, theirs = build(pellucid), build(keras)
    randomize(ours)
    randomize(theirs)
    ours.save_weights(tmp_path / "p.weights.h5")
    theirs.save_weights(tmp_path / "k.weights.h5")
    assert dataset_layout(tmp_path / "p.weights.h5")[0] == \
        dataset_layout(tmp_path / "k.weights.h5")[0]
    ours.load_weights(tmp_path / "k.weights.h5")
    x = sample_inputs(ours)
    assert_same_outputs(ours, theirs, x)
    randomize(ours)
    ours.save_weights(tmp_path / "p.weights.h5")
    theirs.load_weights(tmp_path / "p.weights.h5")
    assert_same_outputs(ours, theirs, x)


def test_h5_paths_follow_keras_attribute_structure(tmp_path):
    model = pellucid.Sequential([
        pellucid.Input((5, 3)), pellucid.layers.LSTM(2, return_sequences=True),
        pellucid.layers.Bidirectional(pellucid.layers.GRU(2, return_sequences=True)),
        pellucid.layers.TimeDistributed(pellucid.layers.Dense(1)),
        pellucid.layers.Dropout(0.1)])
    model.save_weights(tmp_path / "w.weights.h5")
    shapes, names = dataset_layout(tmp_path / "w.weights.h5")
    assert shapes["layers/lstm/cell/vars/0"] == (3, 8)
    assert shapes["layers/lstm/cell/vars/2"] == (8,)
    assert shapes["layers/bidirectional/forward_layer/cell/vars/2"] == (2, 6)
    assert shapes["layers/bidirectional/backward_layer/cell/vars/0"] == (2, 6)
    assert shapes["layers/time_distributed/layer/vars/0"] == (4, 1)
    assert names["vars"] == model.name
    assert names["layers/dropout/vars"] == "dropout"
    assert names["layers/lstm/vars"] == "lstm"


# --- compiled models: optimizer state and compile config -----------------------------------
def _compiled(K):
    model = K.Sequential([K.Input((6,)), K.layers.Dense(8, activation="relu"),
                          K.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=K.optimizers.Adam(learning_rate=0.01), loss="mse",
                  metrics=["mae"])
    return model


def _train(model, epochs=2):
    x = np.linspace(-1, 1, 48, dtype="float32").reshape(8, 6)
    y = np.tile(np.eye(3, dtype="float32"), (3, 1))[:8]
    model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0)
    return x, y


def test_training_resumes_after_pellucid_round_trip(tmp_path):
    pellucid.utils.set_random_seed(1)
    model = _compiled(pellucid)
    x, y = _train(model)
    model.save(tmp_path / "m.keras")
    loaded = pellucid.models.load_model(tmp_path / "m.keras")
    assert loaded.get_compile_config()["loss"] == "mse"
    np.testing.assert_array_equal(
        np.concatenate([a.ravel() for a in loaded.optimizer.saved_variables()]),
        np.concatenate([a.ravel() for a in model.optimizer.saved_variables()]))
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_optimizer_state_crosses_to_keras_and_back(tmp_path):
    model = _compiled(pellucid)
    _train(model)
    model.save(tmp_path / "p.keras")
    theirs = keras.models.load_model(tmp_path / "p.keras")
    assert int(theirs.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    ours_vars = model.optimizer.saved_variables()
    their_vars = [np.asarray(v.numpy()) for v in theirs.optimizer.variables]
    assert len(ours_vars) == len(their_vars) == 2 + 2 * 4
    for a, b in zip(ours_vars, their_vars, strict=True):
        np.testing.assert_array_equal(a, b)

    keras_model = _compiled(keras)
    _train(keras_model)
    keras_model.save(tmp_path / "k.keras")
    loaded = pellucid.models.load_model(tmp_path / "k.keras")
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)
    for a, b in zip(loaded.optimizer.saved_variables(),
                    [v.numpy() for v in keras_model.optimizer.variables], strict=True):
        np.testing.assert_array_equal(a, b)


def test_compile_false_skips_compiling(tmp_path):
    model = _compiled(pellucid)
    _train(model, epochs=1)
    model.save(tmp_path / "m.keras")
    loaded = pellucid.models.load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled


def test_keras_archive_layout(tmp_path):
    model = _compiled(pellucid)
    _train(model, epochs=1)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json",
                                               "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        config = json.loads(archive.read("config.json"))
        assert set(json.loads(archive.read("metadata.json"))) == {"keras_version",
                                                                  "date_saved"}
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    dense = config["config"]["layers"][1]
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"


# --- configs ----------------------------------------------------------------------------
_CANDIDATE_ARGS = [
    {}, {"units": 3}, {"filters": 2, "kernel_size": 3}, {"kernel_size": 3}, {"rate": 0.5},
    {"stddev": 0.5}, {"input_dim": 5, "output_dim": 2}, {"activation": "relu"},
    {"target_shape": (2, 3)}, {"dims": (2, 1)}, {"n": 2}, {"axes": 1}, {"shape": (3,)},
    {"cell": "simple"}, {"cells": "simple"}, {"function": "fn"}, {"layer": "dense"},
    {"layer": "lstm"}, {"num_heads": 2, "key_dim": 4},
]


def _construct(cls):
    """An instance of ``cls`` from the first simple argument set it accepts, or None."""
    for args in _CANDIDATE_ARGS:
        args = dict(args)
        if args.get("cell") == "simple":
            args["cell"] = pellucid.layers.SimpleRNNCell(2)
        if args.get("cells") == "simple":
            args["cells"] = [pellucid.layers.SimpleRNNCell(2)]
        if args.get("function") == "fn":
            args["function"] = pellucid.activations.relu
        if args.get("layer") == "dense":
            args["layer"] = pellucid.layers.Dense(2)
        if args.get("layer") == "lstm":
            args["layer"] = pellucid.layers.LSTM(2)
        try:
            return cls(**args)
        except (TypeError, ValueError, NotImplementedError):
            continue
    return None


def _layer_classes():
    seen, out = set(), []
    for name in sorted(dir(pellucid.layers)):
        obj = getattr(pellucid.layers, name)
        if isinstance(obj, type) and issubclass(obj, pellucid.layers.Layer) and \
                obj is not pellucid.layers.Layer and obj not in seen:
            seen.add(obj)
            out.append(obj)
    return out


def test_every_layer_config_round_trips():
    constructed = 0
    for cls in _layer_classes():
        layer = _construct(cls)
        if layer is None:
            continue
        constructed += 1
        config = json.loads(json.dumps(saving.serialize_keras_object(layer)))
        assert config["class_name"] == cls.__name__
        clone = saving.deserialize_keras_object(config)
        assert type(clone) is cls
        again = json.loads(json.dumps(saving.serialize_keras_object(clone)))
        assert again["config"] == config["config"], cls.__name__
    assert constructed >= 40


def test_to_json_and_model_from_json():
    model = multi_io_shared(pellucid)
    clone = pellucid.models.model_from_json(model.to_json())
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    clone.set_weights(model.get_weights())
    assert_same_outputs(model, clone, sample_inputs(model))
    keras_clone = keras.models.model_from_json(model.to_json())
    keras_clone.set_weights(model.get_weights())
    assert_same_outputs(model, keras_clone, sample_inputs(model))


@pytest.mark.parametrize("build", [dense_sequential, multi_io_shared, nested])
def test_clone_model(build):
    model = build(pellucid)
    clone = pellucid.models.clone_model(model)
    assert all(a is not b for a, b in zip(clone.layers, model.layers, strict=True))
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    clone.set_weights(model.get_weights())
    assert_same_outputs(model, clone, sample_inputs(model))


def test_keras_3_0_schema_loads(tmp_path):
    model = multi_io_shared(keras)
    model.save(tmp_path / "new.keras")
    with zipfile.ZipFile(tmp_path / "new.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")

    def to_old(node):
        if isinstance(node, list):
            return [to_old(v) for v in node]
        if not isinstance(node, dict):
            return node
        node = {k: to_old(v) for k, v in node.items()}
        if node.get("module") == "keras.layers":
            name = node["class_name"]
            node["module"] = f"keras.src.layers.core.{name.lower()}"
            node["registered_name"] = name
        dtype = node.get("dtype")
        if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicy":
            node["dtype"] = dtype["config"]["name"]
        return node

    old = to_old(config)
    assert "float32" in json.dumps(old) and "keras.src.layers.core.dense" in json.dumps(old)
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.0.5"}))
        archive.writestr("config.json", json.dumps(old))
        archive.writestr("model.weights.h5", weights)
    loaded = pellucid.models.load_model(tmp_path / "old.keras")
    assert_same_outputs(model, loaded, sample_inputs(model))


# --- custom objects -----------------------------------------------------------------------
class Scale(pellucid.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _custom_model():
    x = pellucid.Input((3,))
    return pellucid.Model(x, Scale(3.0, name="scale")(pellucid.layers.Dense(2)(x)))


def test_custom_objects_and_unknown_class_message(tmp_path):
    model = _custom_model()
    model.save(tmp_path / "m.keras")
    with pytest.raises(saving.UnknownObjectError, match="custom_objects"):
        pellucid.models.load_model(tmp_path / "m.keras")
    loaded = pellucid.models.load_model(tmp_path / "m.keras", custom_objects={"Scale": Scale})
    assert loaded.layers[-1].factor == 3.0
    assert_same_outputs(model, loaded, np.ones((2, 3), "float32"))
    with saving.custom_object_scope({"Scale": Scale}):
        pellucid.models.load_model(tmp_path / "m.keras")


def test_register_keras_serializable(tmp_path):
    @saving.register_keras_serializable(package="TestPkg")
    class Shift(Scale):
        def call(self, x):
            return x + self.factor

    assert saving.get_registered_object("TestPkg>Shift") is Shift
    x = pellucid.Input((3,))
    model = pellucid.Model(x, Shift(1.5)(x))
    config = saving.serialize_keras_object(model)
    assert config["config"]["layers"][1]["registered_name"] == "TestPkg>Shift"
    model.save(tmp_path / "m.keras")
    loaded = pellucid.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(outputs(loaded, np.zeros((1, 3), "float32"))[0], 1.5)


def test_unknown_class_lists_nearest_names():
    config = saving.serialize_keras_object(pellucid.layers.Dense(2))
    config["class_name"] = "Dence"
    with pytest.raises(saving.UnknownObjectError, match="Did you mean 'Dense'"):
        saving.deserialize_keras_object(config)


# --- safe mode ----------------------------------------------------------------------------
def test_lambda_is_refused_in_safe_mode(tmp_path):
    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Lambda(lambda t: t * 2.0 + 1.0)(x))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(saving.UnsafeDeserializationError, match="safe_mode=False") as err:
        pellucid.models.load_model(tmp_path / "lambda.keras")
    assert isinstance(err.value, ValueError)
    assert "arbitrary code" in str(err.value)
    loaded = pellucid.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    np.testing.assert_allclose(outputs(loaded, np.ones((2, 3), "float32"))[0], 3.0)


def test_lambda_is_refused_in_model_from_json():
    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Lambda(lambda t: t * 2.0)(x))
    with pytest.raises(saving.UnsafeDeserializationError):
        pellucid.models.model_from_json(model.to_json())


# --- damaged files and atomic writes --------------------------------------------------------
def test_damaged_and_foreign_files_give_clear_errors(tmp_path):
    model = dense_sequential(pellucid)
    not_zip = tmp_path / "junk.keras"
    not_zip.write_bytes(b"not a zip at all")
    with pytest.raises(saving.FileFormatError, match="junk.keras"):
        pellucid.models.load_model(not_zip)
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(saving.FileFormatError, match="config.json"):
        pellucid.models.load_model(empty_zip)
    bad_json = tmp_path / "badjson.keras"
    with zipfile.ZipFile(bad_json, "w") as archive:
        archive.writestr("config.json", "{nope")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(saving.FileFormatError, match="JSON"):
        pellucid.models.load_model(bad_json)
    not_h5 = tmp_path / "x.weights.h5"
    not_h5.write_bytes(b"\x00" * 100)
    with pytest.raises(saving.FileFormatError, match="HDF5"):
        model.load_weights(not_h5)
    other = multi_io_shared(pellucid)
    other.save_weights(tmp_path / "other.weights.h5")
    before = model.get_weights()
    with pytest.raises(saving.WeightsMismatchError, match="other.weights.h5"):
        model.load_weights(tmp_path / "other.weights.h5")
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_paths_must_have_keras_suffixes(tmp_path):
    model = dense_sequential(pellucid)
    with pytest.raises(ValueError, match=".weights.h5"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "m.h5")


@pytest.mark.parametrize("kind", ["model", "weights"])
def test_crash_while_saving_keeps_the_previous_file(kind, tmp_path, monkeypatch):
    model = dense_sequential(pellucid)
    path = tmp_path / ("m.keras" if kind == "model" else "w.weights.h5")
    save = model.save if kind == "model" else model.save_weights
    save(path)
    saved = model.get_weights()
    randomize(model)
    from pellucid.saving import h5_weights

    real_write_group = h5_weights.write_group
    calls = []

    def failing_write_group(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return real_write_group(*args, **kwargs)

    monkeypatch.setattr(h5_weights, "write_group", failing_write_group)
    with pytest.raises(OSError, match="simulated"):
        save(path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == [path.name]
    fresh = dense_sequential(pellucid)
    if kind == "model":
        fresh = pellucid.models.load_model(path)
    else:
        fresh.load_weights(path)
    for a, b in zip(saved, fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# --- unzipped model folders (zipped=False) ---------------------------------------------
@pytest.mark.parametrize("build", [dense_sequential, recurrent, embedding_bidirectional])
def test_model_folder_round_trips_with_keras(build, tmp_path):
    ours = build(pellucid)
    randomize(ours)
    ours.save(tmp_path / "ours", zipped=False)
    assert sorted(os.listdir(tmp_path / "ours")) == [
        "assets", "config.json", "metadata.json", "model.weights.h5"]
    assert_same_outputs(ours, keras.models.load_model(tmp_path / "ours"),
                        sample_inputs(ours))
    assert_same_outputs(ours, pellucid.models.load_model(tmp_path / "ours"),
                        sample_inputs(ours))

    theirs = build(keras)
    randomize(theirs)
    theirs.save(tmp_path / "theirs", zipped=False)
    assert sorted(os.listdir(tmp_path / "theirs")) == sorted(os.listdir(tmp_path / "ours"))
    assert_same_outputs(theirs, pellucid.models.load_model(tmp_path / "theirs"),
                        sample_inputs(theirs))
    # The weights file inside the folder has Keras's own layout.
    assert dataset_layout(tmp_path / "ours" / "model.weights.h5") == \
        dataset_layout(tmp_path / "theirs" / "model.weights.h5")


def test_model_folder_keeps_compile_state_and_refuses_a_keras_suffix(tmp_path):
    model = _compiled(pellucid)
    _train(model)
    pellucid.saving.save_model(model, tmp_path / "folder", zipped=False)
    loaded = pellucid.models.load_model(tmp_path / "folder")
    assert loaded.optimizer is not None
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    with pytest.raises(ValueError, match="writes a folder"):
        model.save(tmp_path / "m.keras", zipped=False)
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "folder", zipped=False, overwrite=False)


def test_crash_while_saving_a_folder_keeps_the_previous_folder(tmp_path, monkeypatch):
    model = dense_sequential(pellucid)
    path = tmp_path / "model"
    model.save(path, zipped=False)
    saved = model.get_weights()
    randomize(model)
    from pellucid.saving import keras_folder

    real_rename = os.rename

    def failing_rename(src, dst):
        # The old folder is moved aside; moving the new one in then fails.
        if str(src).endswith(".tmp"):
            raise OSError("rename failed (simulated)")
        real_rename(src, dst)

    monkeypatch.setattr(keras_folder.os, "rename", failing_rename)
    with pytest.raises(OSError, match="simulated"):
        model.save(path, zipped=False)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["model"]
    for a, b in zip(saved, pellucid.models.load_model(path).get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # A successful save replaces the folder and leaves nothing beside it.
    model.save(path, zipped=False)
    assert sorted(os.listdir(tmp_path)) == ["model"]
    for a, b in zip(model.get_weights(), pellucid.models.load_model(path).get_weights(),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def _rewritten_archive(source, target, rename=None, extra=None):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr((rename or {}).get(name, name), old.read(name))
        for name, data in (extra or {}).items():
            new.writestr(name, data)


def test_unbuilt_parts_of_the_format_are_named(tmp_path):
    model = pellucid.Sequential([pellucid.Input((3,)), pellucid.layers.Dense(2)])
    for call in (lambda: model.save("hf://someone/model"),
                 lambda: pellucid.saving.load_model("hf://someone/model"),
                 lambda: model.save_weights("hf://someone/model.weights.h5"),
                 lambda: model.load_weights("hf://someone/model.weights.h5")):
        with pytest.raises(NotImplementedError, match="hf://"):
            call()
    with pytest.raises(NotImplementedError, match="weights_format='npz'"):
        model.save(str(tmp_path / "m.keras"), weights_format="npz")
    good = tmp_path / "good.keras"
    model.save(str(good))
    npz = tmp_path / "npz.keras"
    _rewritten_archive(good, npz, rename={"model.weights.h5": "model.weights.npz"})
    with pytest.raises(NotImplementedError, match="model.weights.npz"):
        pellucid.saving.load_model(str(npz))
    assets = tmp_path / "assets.keras"
    _rewritten_archive(good, assets, extra={"assets/text_vectorization/vocabulary.txt": "a"})
    for call in (lambda: pellucid.saving.load_model(str(assets)),
                 lambda: model.load_weights(str(assets))):
        with pytest.raises(NotImplementedError, match="assets"):
            call()
    folder = tmp_path / "folder"
    model.save(str(folder), zipped=False)
    (folder / "assets" / "layer").mkdir(parents=True, exist_ok=True)
    (folder / "assets" / "layer" / "table.txt").write_text("x")
    with pytest.raises(NotImplementedError, match="assets"):
        pellucid.saving.load_model(str(folder))


def test_loading_reads_each_dataset_once_and_assigns_what_the_digest_checked(tmp_path,
                                                                          monkeypatch):
    model = pellucid.Sequential([pellucid.Input((3,)), pellucid.layers.Dense(4),
                                 pellucid.layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    saved = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in saved])
    read = h5py.Dataset.__getitem__
    reads = []
    monkeypatch.setattr(h5py.Dataset, "__getitem__",
                        lambda self, key: reads.append(self.name) or read(self, key))
    model.load_weights(path)
    assert len(reads) == len(set(reads)) > len(saved)  # weights and Adam's state, once each
    for a, b in zip(saved, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
