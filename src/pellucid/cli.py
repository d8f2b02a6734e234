"""The ``pellucid`` command: ``demo | summary FILE | explain FILE-or-SPEC | bench``.

``pellucid explain "Dense(5)" --input-shape 50,10`` explains one layer given as a spec.
Specs are parsed, never evaluated: the name is looked up in ``pellucid.layers`` and the
arguments must be Python literals (``ast.literal_eval``).
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def parse_layer_spec(spec: str) -> Any:
    """``'Dense(5, activation="relu")'`` -> a ``pellucid.layers.Dense`` instance."""
    from pellucid import layers  # noqa: PLC0415

    try:
        tree = ast.parse(spec.strip(), mode="eval").body
    except SyntaxError as err:
        raise ValueError(f"Cannot read layer spec {spec!r}: write it like Dense(5).") from err
    if isinstance(tree, ast.Name):
        tree = ast.Call(func=tree, args=[], keywords=[])
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise ValueError(f"A layer spec is Name(arguments), e.g. Dense(5); got {spec!r}.")
    cls = getattr(layers, tree.func.id, None)
    if not (isinstance(cls, type) and issubclass(cls, layers.Layer)):
        from pellucid.registry import suggest  # noqa: PLC0415

        known = sorted(n for n in dir(layers) if isinstance(getattr(layers, n), type)
                       and issubclass(getattr(layers, n), layers.Layer))
        raise ValueError(f"Unknown layer {tree.func.id!r} (not in pellucid.layers)."
                         f"{suggest(tree.func.id, known)}")
    try:
        args = [ast.literal_eval(a) for a in tree.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in tree.keywords}
    except ValueError as err:
        raise ValueError(
            f"Arguments in {spec!r} must be plain values (numbers, strings, tuples)."
        ) from err
    if any(k is None for k in kwargs):
        raise ValueError(f"**kwargs are not allowed in a layer spec: {spec!r}.")
    return cls(*args, **kwargs)


def parse_shape(text: str) -> tuple:
    """``'50,10'`` -> ``(50, 10)``; ``None`` or ``?`` for an axis of unknown size."""
    try:
        return tuple(None if p.strip() in ("None", "?") else int(p)
                     for p in text.strip("()").split(",") if p.strip())
    except ValueError as err:
        raise ValueError(f"--input-shape takes sizes separated by commas, like 50,10; got "
                         f"{text!r}.") from err


def _target(text: str) -> Any:
    """A ``.keras`` path (if it exists or looks like one) or a layer spec."""
    if os.path.exists(text) or text.endswith((".keras", ".h5")):
        from pellucid.explain.subject import load  # noqa: PLC0415

        return load(text)
    return parse_layer_spec(text)


def cmd_explain(args: argparse.Namespace) -> int:
    from pellucid.explain import explain  # noqa: PLC0415

    obj = _target(args.target)
    if args.layer:
        if not hasattr(obj, "get_layer"):
            raise ValueError("--layer NAME picks a layer of a model file; the target is a layer.")
        obj = obj.get_layer(args.layer)
    shape = parse_shape(args.input_shape) if args.input_shape else None
    expl = explain(obj, input_shape=shape)
    print(expl)
    if args.plot:
        expl.save(args.plot)
        print(f"picture written to {args.plot}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from pellucid.explain.subject import load  # noqa: PLC0415

    load(args.file).summary()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pellucid.demo import run  # noqa: PLC0415

    run(epochs=args.epochs)
    return 0


def repo_root() -> Path:
    """The source checkout this module runs from (``src/pellucid/cli.py`` -> root)."""
    return Path(__file__).resolve().parents[2]


def cmd_bench(args: argparse.Namespace) -> int:
    root = repo_root()
    if not (root / "bench" / "__main__.py").exists():
        print("bench is not available: it runs from a source checkout of pellucid, which "
              "has a bench/ folder.")
        return 1
    return subprocess.call([sys.executable, "-m", "bench", *args.rest], cwd=root)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pellucid", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a small model and explain it")
    demo.add_argument("--epochs", type=int, default=8)
    demo.set_defaults(run=cmd_demo)
    summary = sub.add_parser("summary", help="print the summary of a .keras file")
    summary.add_argument("file")
    summary.set_defaults(run=cmd_summary)
    expl = sub.add_parser("explain", help='explain a .keras file or a layer spec "Dense(5)"')
    expl.add_argument("target", help='a .keras file, or a layer like "Dense(5)"')
    expl.add_argument("--layer", help="explain only this layer of the model")
    expl.add_argument("--input-shape", help="input shape without the batch axis, e.g. 50,10")
    expl.add_argument("--plot", help="also save a picture to this file (e.g. out.png)")
    expl.set_defaults(run=cmd_explain)
    bench = sub.add_parser("bench", help="run the benchmarks (source checkout only)")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(run=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pellucid`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError, NotImplementedError) as err:
        print(f"pellucid {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
