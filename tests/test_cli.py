"""The pellucid command line: layer specs (parsed, never evaluated), files, errors."""

import pytest

import pellucid as keras
from pellucid.cli import main, parse_layer_spec, parse_shape


def test_parse_layer_spec_reads_literals_only():
    layer = parse_layer_spec('Dense(5, activation="relu", use_bias=False)')
    assert type(layer).__name__ == "Dense" and layer.units == 5 and not layer.use_bias
    with pytest.raises(ValueError, match="Unknown layer"):
        parse_layer_spec("__import__('os')")
    with pytest.raises(ValueError, match="plain values"):
        parse_layer_spec("Dense(len('abc'))")
    with pytest.raises(ValueError, match="Name\\(arguments\\)"):
        parse_layer_spec("layers.Dense(5)")


def test_parse_shape():
    assert parse_shape("50,10") == (50, 10)
    assert parse_shape("(None, 3)") == (None, 3)


def test_explain_layer_spec(capsys, tmp_path):
    picture = tmp_path / "d.png"
    assert main(["explain", "Dense(5)", "--input-shape", "50,10", "--plot", str(picture)]) == 0
    out = capsys.readouterr().out
    assert "kernel 10×5 = 50" in out and "total 55" in out and "time=50" in out
    assert picture.stat().st_size > 10_000


def test_explain_errors_are_short(capsys, tmp_path):
    assert main(["explain", "Dense(5)"]) == 2
    assert "input_shape" in capsys.readouterr().err
    bad = tmp_path / "x.keras"
    bad.write_text("not a zip")
    assert main(["explain", str(bad)]) == 2
    assert "not a model file" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "missing.keras")]) == 2


def test_summary_and_explain_a_saved_model(capsys, tmp_path):
    model = keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(2, name="head")])
    path = tmp_path / "m.keras"
    model.save(path)
    assert main(["summary", str(path)]) == 0
    assert "Total params: 8" in capsys.readouterr().out
    assert main(["explain", str(path), "--layer", "head"]) == 0
    assert "kernel 3×2 = 6" in capsys.readouterr().out


def test_bench_says_when_not_available(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("pellucid.cli.repo_root", lambda: tmp_path)
    assert main(["bench"]) == 1
    assert "not available" in capsys.readouterr().out
