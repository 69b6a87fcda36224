"""The `vesselscope-train` command: `vessel-data` harvests crops, `vessel` trains and exports."""

from __future__ import annotations

import argparse
import math
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from vesselscope import is_user_error

from vesselscope_train.dataset import CropDataset, default_data_dir, save_dataset
from vesselscope_train.folders import writable_folder
from vesselscope_train.harvest import HarvestSettings, harvest_dataset
from vesselscope_train.net import SIZE_STEP, check_input_size
from vesselscope_train.trainer import TrainConfig

DEFAULT_REAL = Path("../shared/data/usgra-seg")  # beside the repository, never inside it
# AdamW's steps scale with the learning rate: 2e-3 trains, 10 already sends the loss to 1e17,
# and more only diverges. Checked when parsing, not after an epoch.
MAX_LR = 10.0


def _within(
    kind: type, low: float, high: float = math.inf, *, above: bool = False
) -> Callable[[str], float]:
    """A number of `kind` from `low` (or, `above`, more than `low`) to `high`, refused when the
    command line is parsed (a batch size of 0 or a threshold of 1.5 would otherwise fail late,
    or train nonsense)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not ((low < value) if above else (low <= value)) or not value <= high:
            raise argparse.ArgumentTypeError(f"must be {_range_text(low, high, above)}, got {text}")
        return value

    return parse


def _range_text(low: float, high: float, above: bool) -> str:
    start = f"more than {low}" if above else f"at least {low}"
    if high == math.inf:
        return start
    return f"{start} and at most {high}" if above else f"from {low} to {high}"


def _folder(text: str) -> Path:
    """A folder to write in: refused when a file of that name is in the way."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


_COUNT = _within(int, 1)


def _crop_size(text: str) -> int:
    """A crop side the network takes (net.py's rule), refused before a harvest whose crops no
    model could train on."""
    size = int(_COUNT(text))
    try:
        return check_input_size(size)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -1 failed in the fold split (numpy), a seed past 2**63 when seeding an epoch (torch); 2**32 is
# the usual range of a seed, and a bound that leaves room for the epochs' derived seeds
_SEED = _within(int, 0, 2**32 - 1)


def _add_data(sub: argparse._SubParsersAction) -> None:
    d = HarvestSettings(real=DEFAULT_REAL)
    p = sub.add_parser("vessel-data", help="harvest labelled candidate crops (real + simulated)")
    p.add_argument(
        "--out", type=_folder, default=default_data_dir(), help="dataset folder (%(default)s)"
    )
    p.add_argument(
        "--real",
        type=Path,
        default=DEFAULT_REAL,
        help="usgra-seg folder (images/, masks/); default %(default)s",
    )
    p.add_argument("--no-real", action="store_true", help="simulated cines only")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (for logs)")
    p.add_argument(
        "--real-spacing",
        type=_within(float, 0.001, 10.0),
        default=d.real_spacing_mm,
        help="assumed mm/px (%(default)s)",
    )
    p.add_argument(
        "--outline-copies",
        type=int,
        default=d.outline_copies,
        help="jittered crops per outlined real vessel/nerve (-1: none)",
    )
    p.add_argument(
        "--sim-outline-copies",
        type=int,
        default=d.sim_outline_copies,
        help="jittered crops per true simulated vessel and frame (-1: none)",
    )
    p.add_argument("--presets", nargs="*", default=list(d.presets), help="simulator presets")
    p.add_argument("--seeds", type=_COUNT, default=len(d.seeds), help="cines per preset (1..N)")
    p.add_argument("--frames", type=_COUNT, default=d.frames, help="frames per cine")
    p.add_argument("--every", type=_COUNT, default=d.every, help="crop every Nth frame")
    p.add_argument("--sim-size", type=int, default=d.sim_size[0], help="simulated side (px)")
    p.add_argument("--top-k", type=int, default=d.top_k, help="candidates per frame")
    p.add_argument(
        "--size",
        type=_crop_size,
        default=d.size,
        help=f"crop side (network input, px; a multiple of {SIZE_STEP})",
    )
    p.add_argument(
        "--margin", type=_within(float, 0.0), default=d.margin_px, help="least crop margin (px)"
    )
    p.add_argument("--device", default=None, help="candidate search device (gpu, cpu, numpy)")
    p.set_defaults(run=_run_data)


def _add_vessel(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vessel", help="cross-validate, train on all crops, export ONNX + card")
    p.add_argument(
        "--data", type=Path, default=default_data_dir(), help="dataset folder (%(default)s)"
    )
    p.add_argument(
        "--out", type=_folder, default=Path("models"), help="where the model goes (%(default)s)"
    )
    p.add_argument("--folds", type=int, default=5, help="grouped CV folds (0: skip)")
    p.add_argument("--epochs", type=_COUNT, default=TrainConfig.epochs, help="(%(default)s)")
    p.add_argument(
        "--batch-size", type=_COUNT, default=TrainConfig.batch_size, help="(%(default)s)"
    )
    p.add_argument(
        "--lr",
        type=_within(float, 0.0, MAX_LR, above=True),
        default=TrainConfig.lr,
        help=f"peak learning rate, at most {MAX_LR} (%(default)s)",
    )
    p.add_argument("--seed", type=_SEED, default=TrainConfig.seed, help="(%(default)s)")
    p.add_argument("--no-augment", action="store_true")
    p.add_argument(
        "--real-repeats",
        type=_within(int, 0),
        default=TrainConfig.real_candidate_repeats,
        help="times each real candidate crop is seen per epoch",
    )
    p.add_argument(
        "--threshold",
        type=_within(float, 0.0, 1.0),
        default=None,
        help="decision threshold on P(vessel) (default: the best in cross-validation, else 0.5)",
    )
    p.add_argument(
        "--checkpoint-dir",
        type=_folder,
        default=None,
        help="checkpoints (default: DATA/checkpoints)",
    )
    p.add_argument("--resume", action="store_true", help="continue from the checkpoints")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--export-folds",
        type=_folder,
        default=None,
        metavar="DIR",
        help="also write every CV fold's model and DIR/folds.json (the real images each held "
        "out), for `vesselscope evaluate --fold-models`",
    )
    p.set_defaults(run=_run_vessel)


def _run_data(args: argparse.Namespace) -> int:
    if not args.no_real and not (args.real / "images").is_dir():
        print(
            f"vesselscope-train: no usgra-seg images at {args.real} (use --real or --no-real)",
            file=sys.stderr,
        )
        return 2
    twice = sorted({name for name in args.presets if args.presets.count(name) > 1})
    if twice:  # a typo, most likely; harvested as asked, its cines would weigh double
        raise ValueError(f"--presets names {', '.join(twice)} more than once")
    settings = HarvestSettings(
        real=None if args.no_real else args.real,
        real_spacing_mm=args.real_spacing,
        outline_copies=args.outline_copies,
        sim_outline_copies=args.sim_outline_copies,
        presets=tuple(args.presets),
        seeds=tuple(range(1, args.seeds + 1)),
        frames=args.frames,
        every=args.every,
        sim_size=(args.sim_size, args.sim_size),
        top_k=args.top_k,
        size=args.size,
        margin_px=args.margin,
        device=args.device,
    )
    writable_folder(args.out, "--out")  # before minutes of harvesting, not after
    dataset = harvest_dataset(settings, progress=not args.no_progress)
    save_dataset(args.out, dataset)
    print(f"wrote {len(dataset.labels)} crops to {args.out}: {_label_counts(dataset)}")
    return 0


def _label_counts(dataset: CropDataset) -> str:
    """The labels of the search's candidates apart from the outlines added beside them: most
    vessel crops are outlines, and summed together they read as if the search found them."""
    labels, kinds = dataset.labels, dataset.column("kind")
    parts = []
    for name, of_kind in (("candidates", kinds == "candidate"), ("outlines", kinds != "candidate")):
        chosen = labels[of_kind]
        parts.append(
            f"{name} {int((chosen == 1).sum())} vessel, {int((chosen == 0).sum())} not, "
            f"{int((chosen < 0).sum())} ambiguous"
        )
    return "; ".join(parts) + " (ambiguous ones are left out of training)"


def _run_vessel(args: argparse.Namespace) -> int:
    from vesselscope_train.vessel import train_vessel

    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        augment=not args.no_augment,
        real_candidate_repeats=args.real_repeats,
    )
    train_vessel(
        args.data,
        args.out,
        config,
        folds=args.folds,
        threshold=args.threshold,
        checkpoint_dir=args.checkpoint_dir or args.data / "checkpoints",
        resume=args.resume,
        progress=not args.no_progress,
        command=_reproducing_command(args.argv),
        export_folds=args.export_folds,
    )
    return 0


# Options that do not change the model, left out of the card's command (with their values).
_NOT_MODEL_FLAGS = ("--resume", "--no-progress")
_NOT_MODEL_VALUES = ("--checkpoint-dir", "--export-folds")


def _reproducing_command(argv: list[str]) -> str:
    """The command line for the card, less the options that do not change the model."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in _NOT_MODEL_VALUES:
            skip = True
        elif word not in _NOT_MODEL_FLAGS and not word.startswith(
            tuple(f"{option}=" for option in _NOT_MODEL_VALUES)
        ):
            kept.append(word)
    return shlex.join(["vesselscope-train", *kept])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vesselscope-train", description="Train VesselScope's models."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_data(sub)
    _add_vessel(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is (as `vesselscope`'s own command does), so that a run
    stopped by a scheduler or `kill` ends like Ctrl+C: with the hint to --resume, not silently.
    A KeyboardInterrupt, so that what cleans up after Ctrl+C cleans up after it too."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the installed command, not a test driving main(): leave pytest's be
        argv = sys.argv[1:]
        signal.signal(signal.SIGTERM, _terminate)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return int(args.run(args))
    except Exception as exc:
        # ValueError: the package's own checks of data and settings say what to fix
        if not (isinstance(exc, ValueError) or is_user_error(exc)):
            raise
        print(f"vesselscope-train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        # `vessel` checkpoints every epoch; a harvest keeps nothing until it is done
        hint = "rerun with --resume to continue" if args.command == "vessel" else "run it again"
        print(f"vesselscope-train: interrupted ({hint})", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130


if __name__ == "__main__":
    sys.exit(main())
