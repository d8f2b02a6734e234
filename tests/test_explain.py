"""explain(): facts as data (shapes, parameters, sharing), errors, compare, pictures."""

import numpy as np
import pytest

import pellucid as keras
from pellucid.explain import compare, explain

L = keras.layers


def test_dense_facts_as_data():
    e = explain(L.Dense(5), input_shape=(50, 10))
    assert e.output_shape == (None, 50, 5)
    assert e.param_count == 55
    assert e.weights == [("dense/kernel", (10, 5), 50), ("dense/bias", (5,), 5)]
    assert e.param_lines[:3] == ["kernel 10×5 = 50", "bias 5", "total 55"]
    assert e.axis_patterns() == {"time": "independent"}
    assert e.sharing[0].startswith("the same (10, 5) kernel is applied at each of the 50 steps")
    assert "steps do not mix" in e.sharing[0]
    assert "kernel" in e.formula and "last axis" in e.formula
    assert "time=50" in str(e) and "<pre>" in e._repr_html_()


def test_layer_explain_method_and_built_layer():
    layer = L.Dense(3)
    layer(np.zeros((2, 4), "float32"))
    e = layer.explain()
    assert e.output_shape == (None, 3) and e.param_count == layer.count_params() == 15


@pytest.mark.parametrize("make, shape, closed", [
    (lambda: L.Dense(7), (4, 3), 3 * 7 + 7),
    (lambda: L.LSTM(6), (5, 4), 4 * (4 * 6 + 6 * 6 + 6)),
    (lambda: L.GRU(6), (5, 4), 3 * (4 * 6 + 6 * 6 + 2 * 6)),
    (lambda: L.GRU(6, reset_after=False), (5, 4), 3 * (4 * 6 + 6 * 6 + 6)),
    (lambda: L.SimpleRNN(6), (5, 4), 4 * 6 + 6 * 6 + 6),
    (lambda: L.Conv2D(8, 3), (9, 9, 2), 3 * 3 * 2 * 8 + 8),
    (lambda: L.Conv1D(8, 3, strides=2, padding="same"), (9, 2), 3 * 2 * 8 + 8),
    (lambda: L.TimeDistributed(L.Dense(5)), (50, 10), 55),
    (lambda: L.Bidirectional(L.LSTM(3)), (5, 4), 2 * 4 * (4 * 3 + 3 * 3 + 3)),
    (lambda: L.Embedding(20, 4), (6,), 80),
    (lambda: L.BatchNormalization(), (5, 4), 16),
    (lambda: L.LayerNormalization(), (5, 4), 8),
    (lambda: L.MaxPooling1D(2), (6, 3), 0),
    (lambda: L.Flatten(), (6, 3), 0),
])
def test_parameter_arithmetic_matches_count_params(make, shape, closed):
    layer = make()
    e = explain(layer, input_shape=shape)
    assert e.param_count == layer.count_params() == closed
    assert sum(c for _, _, c in e.weights) == closed
    assert any(line.startswith("total ") for line in e.param_lines)


def test_lstm_closed_form_is_shown():
    e = explain(L.LSTM(2), input_shape=(5, 3))
    assert e.param_lines[-1].startswith("= LSTM: 4·(d·u + u·u + u) with d=3 inputs, u=2 units")
    assert e.param_count == 4 * (3 * 2 + 2 * 2 + 2)
    assert "forget gate" in e.formula


def test_gru_formula_says_reset_after():
    assert "reset_after=True" in explain(L.GRU(2), input_shape=(5, 3)).formula
    assert "reset_after=False" in explain(L.GRU(2, reset_after=False),
                                          input_shape=(5, 3)).formula


def test_model_and_several_outputs():
    x = keras.Input((4, 3))
    a, b = L.Dense(2)(x), L.LSTM(5)(x)
    model = keras.Model(x, [a, b])
    e = explain(model)
    assert e.output_shape == [(None, 4, 2), (None, 5)]
    assert e.param_count == model.count_params()
    assert e.dependency(0, 1).shape == (5, 4, 3) and e.dependency(0, 1).all()
    with pytest.raises(IndexError, match="output_index=2"):
        e.dependency(0, 2)


def test_several_inputs_to_a_layer():
    e = explain(L.Concatenate(), input_shape=[(4, 2), (4, 3)])
    assert e.output_shape == (None, 4, 5)
    dep = e.dependency(1, 0)
    assert dep.shape == (4, 5, 4, 3)
    assert dep[:, 2:].any() and not dep[:, :2].any()


def test_unbuilt_layer_without_shape_says_what_is_needed():
    with pytest.raises(ValueError, match="input_shape"):
        explain(L.Dense(3))


def test_shape_the_layer_cannot_take():
    layer = L.Dense(3)
    layer(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="cannot take inputs of shape"):
        explain(layer, input_shape=(5,))


def test_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "notes.keras"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="not a model file"):
        explain(bad)
    with pytest.raises(FileNotFoundError):
        explain(tmp_path / "missing.keras")


def test_compare_dense_and_time_distributed_are_the_same_function():
    c = compare(L.Dense(5), L.TimeDistributed(L.Dense(5)), input_shape=(4, 3))
    assert c.same_function is True and c.same_param_count and c.same_dependency
    assert c.max_difference < 1e-5


def test_compare_flatten_dense_differs():
    flat = keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(20), L.Reshape((4, 5))])
    c = compare(L.Dense(5), flat, input_shape=(4, 3))
    assert c.same_function is False and c.same_dependency is False
    assert (c.a.param_count, c.b.param_count) == (20, 12 * 20 + 20)
    assert "time: independent vs all-to-all" in c.reason


def test_compare_not_comparable_when_weights_do_not_correspond():
    c = compare(L.Dense(5), L.Dense(5, use_bias=False), input_shape=(4, 3))
    assert c.same_dependency is True and c.same_function is None


def test_compare_output_shapes_differ():
    c = compare(L.Dense(2, activation="softmax"), L.Dense(1, activation="sigmoid"),
                input_shape=(6,))
    assert c.same_function is False and not c.same_output_shape


def test_pictures_are_written(tmp_path):
    e = explain(L.Dense(5), input_shape=(4, 3))
    for kind in ("connections", "dependency"):
        path = tmp_path / f"{kind}.png"
        e.save(path, kind=kind)
        assert path.stat().st_size > 10_000
    model = keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(6), L.Dense(2)])
    explain(model).save(tmp_path / "flow.png")
    assert (tmp_path / "flow.png").stat().st_size > 10_000
    compare(L.Dense(5), L.LSTM(5, return_sequences=True), input_shape=(4, 3)).save(
        tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cmp.png", "connections.png", "dependency.png", "flow.png"]


def test_plot_returns_a_figure_with_content():
    fig = explain(L.Dense(5), input_shape=(4, 3)).plot("dependency")
    assert len(fig.axes) == 1 and fig.axes[0].images
