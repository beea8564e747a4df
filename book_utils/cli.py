"""The command line: the same training code the notebooks call, for long runs.

    python -m book_utils train gan --dataset digits --out runs/gan     # TensorFlow
    python -m book_utils train vae --dataset digits --out runs/vae     # PyTorch
    python -m book_utils train arm --dataset digits --out runs/arm     # PyTorch
    python -m book_utils evaluate runs/gan
    python -m book_utils fetch mnist

Each model module (``book_utils.gan``, ``book_utils.vae``, ``book_utils.arm``)
provides ``train_run(out, dataset, **options) -> dict`` and
``evaluate_run(out) -> dict``; it is imported only when its model is asked for,
so ``--help`` never pays for importing TensorFlow or PyTorch.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

MODELS = {"gan": "book_utils.gan", "vae": "book_utils.vae", "arm": "book_utils.arm"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m book_utils", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model into a run directory (resumable)")
    train.add_argument("model", choices=sorted(MODELS))
    train.add_argument("--dataset", default="digits",
                       help="digits | mnist | fashion_mnist | PATH.npz (default: digits)")
    train.add_argument("--out", required=True, help="run directory (created, or resumed)")
    train.add_argument("--epochs", type=int, default=None, help="training epochs (model default)")
    train.add_argument("--batch-size", type=int, default=None, help="batch size (model default)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--latent-dim", type=int, default=None, help="latent size (gan, vae)")
    train.add_argument("--text", default=None,
                       help="arm only: train the character model on this text file "
                            "(or 'python-docs' for the documentation text of this Python)")

    evaluate = sub.add_parser("evaluate", help="recompute a run directory's metrics.json")
    evaluate.add_argument("run_dir")

    fetch = sub.add_parser("fetch", help="download a dataset into the cache (SHA-256 checked)")
    fetch.add_argument("dataset", choices=["mnist", "fashion_mnist"])
    return parser


def _model_module(name: str):
    return importlib.import_module(MODELS[name])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            options = {k: v for k, v in vars(args).items()
                       if k not in ("command", "model", "out", "dataset") and v is not None}
            metrics = _model_module(args.model).train_run(args.out, args.dataset, **options)
        elif args.command == "evaluate":
            from book_utils.runs import read_run

            model = read_run(args.run_dir)["model"]
            metrics = _model_module(model).evaluate_run(args.run_dir)
        else:
            from book_utils.data import load

            ds = load(args.dataset)
            metrics = {"dataset": args.dataset, "train": len(ds.x_train), "test": len(ds.x_test)}
    except (ValueError, FloatingPointError, RuntimeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, indent=2, default=str))
    return 0
