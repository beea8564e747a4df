"""The command line: the same training code the notebooks call, for long runs.

    python -m book_utils train gan --dataset digits --out runs/gan     # TensorFlow
    python -m book_utils train vae --dataset digits --out runs/vae     # PyTorch
    python -m book_utils train arm --dataset digits --out runs/arm     # PyTorch
    python -m book_utils evaluate runs/gan
    python -m book_utils options vae                                   # every option, with its default
    python -m book_utils fetch mnist
    torchrun --nproc_per_node=2 -m book_utils train vae --dataset digits --out runs/vae-ddp   # data-parallel

Training goes through one lifecycle (:mod:`book_utils.runs.lifecycle`); a model's framework is
imported only when its run starts, so ``--help`` stays fast. Every failure is one line
``error: ...`` with exit status 2, and nothing already saved is lost; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

MODELS = ("gan", "vae", "arm")
CONFIGS = {"gan": ["book_utils.gan.config:GANConfig"], "vae": ["book_utils.vae.config:VAEConfig"],
           "arm": ["book_utils.arm.config:PixelConfig", "book_utils.arm.config:CharConfig"]}


def _config_classes(model: str) -> list:
    classes = []
    for spec in CONFIGS[model]:
        module, name = spec.split(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes


def _digits_defaults(model: str) -> str:
    """'epochs 650, batch size 64' of the model's 8 x 8 digits recipe (framework-free config modules)."""
    module = importlib.import_module(f"book_utils.{model}.config")
    cls = _config_classes(model)[0]
    from book_utils.runs.config import make_config

    config = make_config(cls, module.recipe((8, 8)), {}, model=model)
    return f"{model}: epochs {config.epochs}, batch size {config.batch_size}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m book_utils", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the full traceback of a failure")
    sub = parser.add_subparsers(dest="command", required=True)

    try:
        defaults = "; ".join(_digits_defaults(m) for m in MODELS)
    except Exception:  # noqa: BLE001 - help text only
        defaults = "see `python -m book_utils options MODEL`"
    train = sub.add_parser("train", help="train a model into a run directory (resumable)", parents=[common],
                           epilog=f"Defaults on 8 x 8 digits: {defaults}. 28 x 28 images get paper-scale "
                                  "recipes. `python -m book_utils options MODEL` lists every option.")
    train.add_argument("model", choices=MODELS)
    train.add_argument("--out", required=True, help="run directory (created, or resumed)")
    train.add_argument("--dataset", default="digits",
                       help="digits | mnist | fashion_mnist | PATH.npz (default: digits)")
    train.add_argument("--text", default=None,
                       help="arm only: train the character model on this UTF-8 file, or 'python-docs' "
                            "(the documentation text of this Python)")
    train.add_argument("--epochs", type=int, default=None,
                       help="training epochs (default: the model's recipe)")
    train.add_argument("--batch-size", type=int, default=None,
                       help="batch size (default: the model's recipe)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument("--latent-dim", type=int, default=None,
                       help="latent size, gan and vae (default: recipe)")
    train.add_argument("--checkpoint-every", type=int, default=None,
                       help="epochs between checkpoints (default: the model's recipe)")
    train.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                       help="any other field of the model's configuration, e.g. --option eval_k=100 "
                            "(repeatable; see `python -m book_utils options MODEL`)")

    evaluate = sub.add_parser("evaluate", help="recompute a finished run's samples and metrics.json",
                              parents=[common])
    evaluate.add_argument("run_dir")

    options = sub.add_parser("options", help="list a model's options with their defaults on 8 x 8 digits",
                             parents=[common])
    options.add_argument("model", choices=MODELS)

    fetch = sub.add_parser("fetch", help="download a dataset into the cache (SHA-256 checked)",
                           parents=[common])
    fetch.add_argument("dataset", choices=["mnist", "fashion_mnist"])
    return parser


def parse_options(pairs: list[str]) -> dict:
    """``["eval_k=100", "hidden=[512,512]"]`` -> ``{"eval_k": 100, "hidden": [512, 512]}``."""
    from book_utils.errors import ConfigError
    from book_utils.runs.config import parse_value

    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--option {pair!r}: write NAME=VALUE, e.g. --option eval_k=100")
        options[name.strip().replace("-", "_")] = parse_value(value.strip())
    return options


def _train(args, on_epoch_end=None) -> dict | None:
    from book_utils.runs import train

    options = parse_options(args.option)
    for name in ("epochs", "batch_size", "latent_dim", "checkpoint_every"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    options["seed"] = args.seed
    dataset = None if args.text is not None else args.dataset
    return train(args.model, args.out, dataset, text=args.text, on_epoch_end=on_epoch_end, **options)


def _options(model: str) -> dict:
    module = importlib.import_module(f"book_utils.{model}.config")
    from book_utils.runs.config import as_dict, make_config

    return {cls.__name__: as_dict(make_config(cls, module.recipe((8, 8)) if i == 0 else {}, {}, model=model))
            for i, cls in enumerate(_config_classes(model))}


def _fetch(dataset: str) -> dict:
    from book_utils.data import DatasetError, load, smoke_mode

    if smoke_mode():
        raise DatasetError("BOOK_SMOKE is set, so the book would hand back its 28 x 28 stand-in instead of "
                           f"{dataset}: unset BOOK_SMOKE to download the real files")
    ds = load(dataset)
    return {"dataset": dataset, "train": len(ds.x_train), "test": len(ds.x_test)}


def one_line(err: BaseException) -> str:
    """The error's message on one line."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from book_utils.errors import BookError

    try:
        if args.command == "train":
            result = _train(args)
        elif args.command == "evaluate":
            from book_utils.runs import evaluate

            result = evaluate(args.run_dir)
        elif args.command == "options":
            result = _options(args.model)
        else:
            result = _fetch(args.dataset)
    except KeyboardInterrupt:
        print("error: interrupted; what was saved is kept: run the same command again to resume",
              file=sys.stderr)
        return 130
    except (BookError, OSError) as err:
        if args.debug:
            raise
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - the boundary: a bug still gets one line and a way to see it
        if args.debug:
            raise
        print(f"error: {type(err).__name__}: {one_line(err)} (unexpected: run again with --debug for the "
              "traceback and report it)", file=sys.stderr)
        return 2
    if result is not None:              # under torchrun only rank 0 reports a finished run
        print(json.dumps(result, indent=2, default=str))
    return 0
