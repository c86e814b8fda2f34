"""The command line: ``python -m gan_course list`` names the recipes the book teaches; ``python -m gan_course train
<recipe>`` trains one; ``python -m gan_course pretrained [<name> [--recreate]]`` lists, checks or re-creates the
pretrained models.

``train`` builds the run from the recipe's description (:data:`gan_course.recipes.RECIPES`, the settings the chapters
and the pretrained cards use) at a run profile (``--profile``, default ``$GAN_COURSE_PROFILE`` or the device's), for
the profile's length or ``--steps`` (ProGAN: ``--images``, real images shown), saves a checkpoint as it goes
(re-running the same command resumes it), and writes the history and a figure of samples. The ``mlp`` recipe also
trains on the toy distributions (``--dataset ring``), in seconds.
``--dry-run`` makes two steps on small batches: a smoke test that every piece fits, in a few seconds. It saves and
reloads a checkpoint in a temporary folder and keeps none, so a later real run in the same folder starts fresh.
A checkpoint records the command's settings; resuming it with other ones is refused, naming them, unless
``--start-over`` is given. Bad input — a damaged data file or checkpoint, an output path that is a file or cannot be
written, missing data, a device this machine does not have, a second run into the same folder, a run that diverges —
ends in one line that names it and what to do, with exit status 1 (2 for a bad option). Ctrl-C stops the run after
the current step, saves its checkpoint and says how to resume (exit status 130).

``torchrun --nproc_per_node N -m gan_course train <recipe> …`` trains the same run on N processes — N GPUs, or N
shares of the CPU — with the recipe's batch size as the global batch (:mod:`gan_course.distributed`); rank 0 writes
the checkpoint, history and figures and prints, and a checkpoint resumes on any number of processes.
``--sync-batch-norm`` makes the batch norm of the DCGAN recipes use the global batch's statistics (CUDA only).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import math
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import torch

from gan_course.data import (
    LabeledImages,
    MNISTFileError,
    MNISTTestSplitWarning,
    SamplerStream,
    gaussian_1d,
    grid,
    load_mnist,
    ring,
)
from gan_course.data.fashion_mnist import FashionMNISTFileError
from gan_course.data.figures import plot_samples
from gan_course.data.image_sets import IMAGE_SETS, image_set
from gan_course.data.toy import SwissRoll
from gan_course.device import DeviceError, default_device
from gan_course.distributed import from_main, is_main, launched_by_torchrun, process_group
from gan_course.pretrained import CARDS, PretrainedError, pretrained, read_record, recreate, weights_path
from gan_course.profiles import PROFILE_ENV, PROFILES, current_profile
from gan_course.recipes import RECIPES, mlp_trainer
from gan_course.seed import seed_everything
from gan_course.training import (
    Checkpoint,
    CheckpointError,
    CheckpointLocked,
    GANTrainer,
    History,
    ProgressBar,
    TrainingDiverged,
    TrainingInterrupted,
)
from gan_course.training.figures import plot_history


@dataclass
class ToyData:
    """A toy distribution for the ``mlp`` recipe: its stream of batches, the shape of a sample and real points for the
    figure."""

    stream: SamplerStream
    shape: tuple[int, ...]
    reference: torch.Tensor


def _toy(distribution) -> Callable[[int, int], ToyData]:
    def make(batch_size: int, seed: int) -> ToyData:
        reference = distribution.sample(2000, generator=torch.Generator().manual_seed(seed + 1))
        return ToyData(SamplerStream(distribution, batch_size, seed), (distribution.dim,), reference)

    return make


def _images(dataset: str) -> LabeledImages:
    """The training images of an image data set: MNIST's (:func:`_mnist`), or Fashion-MNIST's ``"gan"`` role."""
    return _mnist() if dataset == "mnist" else image_set(dataset).role("gan")


def _mnist() -> LabeledImages:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MNISTTestSplitWarning)
        data = load_mnist()
    for warning in caught if is_main() else ():
        if isinstance(warning.message, MNISTTestSplitWarning):  # in a terminal, also say where and why
            print(f"warning: {warning.message} Looked in {warning.message.folder}: {warning.message.reason}.",
                  file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    return data


TOY_DATASETS: dict[str, Callable[[int, int], ToyData]] = {
    "gaussian": _toy(gaussian_1d(mean=4.0, std=0.5)),
    "ring": _toy(ring()),
    "grid": _toy(grid()),
    "swissroll": _toy(SwissRoll()),
}
DATASETS = (*IMAGE_SETS, *TOY_DATASETS)
TOY_RECIPE = "mlp"  # the recipe whose networks also take points of one or two coordinates
DRY_RUN = dict(profile="fast", steps=2, batch_size=8)
# the recipes whose networks have batch norm, which --sync-batch-norm synchronises over processes
SYNC_RECIPES = tuple(name for name, recipe in RECIPES.items()
                     if "sync_batch_norm" in inspect.signature(recipe.builder).parameters)
# the options a run is made of: a checkpoint records them, and resuming with other values is refused
SETTINGS = ("recipe", "dataset", "profile", "batch_size", "lr", "seed", "sync_batch_norm")
# the errors that mean bad input rather than a bug: reported in one line, without a traceback
INPUT_ERRORS = (OSError, MNISTFileError, FashionMNISTFileError, CheckpointError, PretrainedError, DeviceError, TrainingDiverged)


def settings(args: argparse.Namespace) -> dict[str, str | int | float]:
    """The run's settings as the command line spells them (``--batch-size``, or ``recipe`` for the positional); a
    setting the recipe does not have (ProGAN's batch size) is left out."""
    return {name if name == "recipe" else "--" + name.replace("_", "-"): getattr(args, name) for name in SETTINGS
            if getattr(args, name) is not None}


def build_trainer(args: argparse.Namespace, data: LabeledImages | ToyData, device: torch.device) -> GANTrainer:
    """The run the arguments describe: the recipe at ``--profile`` with ``--lr``, ``--batch-size`` and ``--seed``, a
    checkpoint in ``--out`` that records :func:`settings`, and a progress bar (neither in a dry run)."""
    recipe = RECIPES[args.recipe]
    checkpoint = Checkpoint(args.out / "checkpoint.pt", every=args.checkpoint_every, settings=settings(args),
                            resume=not args.start_over)
    hooks = [] if args.dry_run else [checkpoint, ProgressBar()]
    run = recipe.settings_for(args.profile)
    if isinstance(data, ToyData):
        return mlp_trainer(data.stream, data.shape, run["latent_dim"], output="linear", lr=args.lr,
                           betas=run["betas"], device=device, hooks=hooks)
    changes = dict(lr=args.lr, seed=args.seed)
    if "batch_size" in run:
        changes["batch_size"] = args.batch_size
    if args.sync_batch_norm:
        changes["sync_batch_norm"] = True
    return recipe.trainer(data, args.profile, device, hooks=hooks, **changes)


def steps_of(args: argparse.Namespace) -> int:
    """How many steps the run makes in all: ``--steps``, ``--images`` through ProGAN's schedule, or the profile's."""
    recipe = RECIPES[args.recipe]
    if args.steps is not None:
        return args.steps
    if args.images is not None:
        return recipe.schedule(args.profile).iterations(args.images / 1000)
    return recipe.iterations(args.profile)


def list_recipes() -> None:
    """``list``: each recipe with its chapter, its paper and the length of its ``cpu`` run."""
    print(f"{'recipe':8s} {'chapter':19s} {'cpu run':>13s}  paper: what")
    for name, recipe in RECIPES.items():
        run = recipe.settings_for("cpu")
        length = f"{run['steps']:,d} steps" if "steps" in run else f"{run['kimg'] * 1000:,.0f} images"
        print(f"{name:8s} {recipe.chapter:19s} {length:>13s}  {recipe.paper}: {recipe.summary}")
    print("Train one with `python -m gan_course train <recipe>` (--profile fast for a short run; --help for more).")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gan_course", description=__doc__.split("\n\n")[0].replace("``", "'"))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the recipes the book teaches, with their chapters and papers")
    train = commands.add_parser("train", help="train a recipe (the device is chosen by gan_course.device; "
                                "set GAN_COURSE_DEVICE to force one)")
    train.add_argument("recipe", choices=list(RECIPES), help="a recipe, as `python -m gan_course list` names it")
    train.add_argument("--profile", choices=PROFILES, help=f"run sizes (default ${PROFILE_ENV}, else gpu on CUDA "
                       "and cpu otherwise)")
    train.add_argument("--steps", type=int, help="generator updates in all (default: the profile's)")
    train.add_argument("--images", type=int, help="progan only: real images shown in all (default: the profile's)")
    train.add_argument("--dataset", choices=DATASETS, default="mnist",
                       help=f"an image data set ({', '.join(IMAGE_SETS)}: its 'gan' images), or for the {TOY_RECIPE} "
                       "recipe a toy distribution")
    train.add_argument("--out", type=Path, help="output folder (default runs/<recipe>-<dataset>)")
    train.add_argument("--batch-size", type=int, help="default: the recipe's (progan's follows its schedule)")
    train.add_argument("--lr", type=float, help="learning rate of both networks (default: the recipe's)")
    train.add_argument("--seed", type=int, help="seeds the weights, the latents and the data order (default: the "
                       "recipe's)")
    train.add_argument("--sync-batch-norm", action="store_const", const=True,
                       help="under torchrun on GPUs: batch norm over the global batch (SyncBatchNorm) in the recipes "
                       f"with batch norm ({', '.join(SYNC_RECIPES)})")
    train.add_argument("--checkpoint-every", type=int, default=1000)
    train.add_argument("--start-over", action="store_true",
                       help="do not resume the checkpoint in --out: train from step 0 and replace it")
    train.add_argument("--dry-run", action="store_true", help="two steps of the fast profile on batches of 8: a "
                       "quick smoke test")
    pretrained = commands.add_parser("pretrained", help="list the pretrained models, check one, or re-create it")
    pretrained.add_argument("name", nargs="?", choices=list(CARDS), help="a model: show its card and check its file")
    pretrained.add_argument("--recreate", action="store_true", help="train it again with its recipe (minutes on a "
                            "CPU) and write its weights and record, by default over the package's")
    pretrained.add_argument("--out", type=Path, help="with --recreate: the folder to write into instead")
    pretrained.add_argument("--dry-run", action="store_true", help="with --recreate: two steps, written to a "
                            "temporary folder and not kept: a smoke test")
    args = parser.parse_args(argv)
    if args.command == "train":
        _check_training(parser, args)
    elif args.command == "pretrained":
        if (args.out or args.dry_run) and not args.recreate:
            parser.error("--out and --dry-run go with --recreate")
        elif args.recreate and args.name is None:
            parser.error("--recreate needs the name of a model: one of " + ", ".join(CARDS))
        elif args.out is not None:
            _check_folder(parser, args.out, "the checkpoint and its record")
    return args


def _check_folder(parser: argparse.ArgumentParser, path: Path, what: str) -> None:
    """A parser error unless ``path`` is a folder or can become one (its nearest existing part is a folder)."""
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                parser.error(f"--out {path}: {folder} is a file, not a folder; name a folder for {what}")
            return


def _check_training(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    recipe = RECIPES[args.recipe]
    if args.profile is None and os.environ.get(PROFILE_ENV):
        try:
            args.profile = current_profile()
        except ValueError as error:
            parser.error(f"{error} (or give --profile)")
    for name in ("steps", "images", "batch_size", "checkpoint_every"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}")
    names = recipe.settings_for(args.profile or "cpu")  # every profile has the same names
    if args.images is not None and ("kimg" not in names or args.steps is not None):
        parser.error(f"--images counts the real images of ProGAN's schedule (the progan recipe), without --steps; "
                     f"the {args.recipe} recipe counts --steps")
    if args.batch_size is not None and "batch_size" not in names:
        parser.error(f"the {args.recipe} recipe takes its batch sizes from its schedule; leave out --batch-size")
    if args.dataset in TOY_DATASETS and args.recipe != TOY_RECIPE:
        parser.error(f"the {args.recipe} recipe trains on images ({', '.join(IMAGE_SETS)}): the toy distributions go "
                     f"with the {TOY_RECIPE} recipe")
    if args.sync_batch_norm and args.recipe not in SYNC_RECIPES:
        parser.error(f"the {args.recipe} recipe has no batch norm to synchronise; --sync-batch-norm goes with "
                     f"{', '.join(SYNC_RECIPES)}")
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive finite number, got {args.lr}")
    if args.dry_run:
        args.profile, args.steps = DRY_RUN["profile"], DRY_RUN["steps"]
        args.batch_size = DRY_RUN["batch_size"] if "batch_size" in names else None
    args.out = args.out or Path("runs") / f"{args.recipe}-{args.dataset}"
    _check_folder(parser, args.out, "the run's checkpoint, history and figures")


def resolve_defaults(args: argparse.Namespace) -> None:
    """Fill in what the command left to the recipe: the profile (by device, which may raise a
    :class:`~gan_course.device.DeviceError`), and the profile's learning rate, seed and batch size."""
    args.profile = args.profile or current_profile()
    run = RECIPES[args.recipe].settings_for(args.profile)
    args.lr = run["lr"] if args.lr is None else args.lr
    args.seed = run["seed"] if args.seed is None else args.seed
    args.batch_size = run.get("batch_size") if args.batch_size is None else args.batch_size


def _write_history(history: History, path: Path) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", *history.names])
        writer.writerows(zip(history.step, *(history[name] for name in history.names)))


def _check_checkpoint_round_trip(args: argparse.Namespace, data: LabeledImages | ToyData, device: torch.device,
                                 trainer: GANTrainer) -> None:
    """Save the dry run's checkpoint in a temporary folder and load it into a new run: the checkpoint works, and
    nothing is left in ``--out`` that a real run would resume from."""
    with tempfile.TemporaryDirectory(dir=args.out) as folder:  # in --out, which every process sees
        path = Path(from_main(folder)) / "checkpoint.pt"
        trainer.save_checkpoint(path)
        fresh = build_trainer(args, data, device)
        fresh.load_checkpoint(path)
        from_main(None)  # no process removes its folder before all have read the checkpoint
    if fresh.step != trainer.step:
        raise RuntimeError(f"the dry run's checkpoint reloaded at step {fresh.step}, not {trainer.step}")
    if not is_main():
        return
    print(f"Dry run: a checkpoint of step {trainer.step} saves and loads; none is kept, so a real run starts fresh.")


def _check_writable(folder: Path) -> None:
    """Create ``folder`` and write a file into it before training, so that a run never trains to the end and then
    fails to save."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OSError(f"--out {folder} cannot be written ({error.strerror or error}): choose a folder you can write "
                      f"to") from None


def _fit(args: argparse.Namespace, trainer: GANTrainer, steps: int) -> History:
    """``trainer.fit(steps)``; a diverged run's message says which checkpoint is kept and what to change."""
    try:
        return trainer.fit(steps)
    except TrainingDiverged as error:
        checkpoint = next((hook for hook in trainer.hooks if isinstance(hook, Checkpoint)), None)
        kept = (f"The last good checkpoint, {checkpoint.path} (step {checkpoint.saved_step}), is kept"
                if checkpoint is not None and checkpoint.saved_step is not None else "No checkpoint had been saved")
        raise TrainingDiverged(f"{error} {kept}. Try a lower --lr (this run's is {args.lr:g}) with --start-over.") \
            from None


def train(args: argparse.Namespace) -> History:
    """Train as the arguments say; write checkpoint.pt (not in a dry run), history.csv, history.png and samples.png
    into ``args.out``. Under ``torchrun``, every process trains its share and rank 0 writes and prints."""
    with process_group() as shard:
        _check_writable(args.out)
        resolve_defaults(args)
        seed_everything(args.seed)  # every rank alike: their draws stay in step (gan_course.distributed)
        device = default_device()
        data = TOY_DATASETS[args.dataset](args.batch_size, args.seed) if args.dataset in TOY_DATASETS \
            else _images(args.dataset)
        trainer = build_trainer(args, data, device)
        steps = steps_of(args)
        processes = f" on {shard.world_size} processes" if shard.world_size > 1 else ""
        if shard.rank == 0:
            print(f"Training the {args.recipe} recipe ({args.profile} profile) on {args.dataset} on {device}"
                  f"{processes} to step {steps}; writing to {args.out}")
        history = _fit(args, trainer, steps)
        if args.dry_run:
            _check_checkpoint_round_trip(args, data, device, trainer)
        if shard.rank == 0:
            _write_outputs(args, data, trainer, history)
    return history


def _write_outputs(args: argparse.Namespace, data: LabeledImages | ToyData, trainer: GANTrainer,
                   history: History) -> None:
    """history.csv, history.png and samples.png in ``args.out``, and the last losses."""
    _write_history(history, args.out / "history.csv")
    plot_history(history, smooth=max(1, len(history) // 50)).savefig(args.out / "history.png", dpi=100)
    toy = isinstance(data, ToyData)
    samples = trainer.sample(len(data.reference) if toy else 64)
    ax = plot_samples(samples, real=data.reference if toy else None, title=f"step {trainer.step}")
    ax.figure.savefig(args.out / "samples.png", dpi=100)
    plt.close("all")
    print(f"step {trainer.step}: " + ", ".join(f"{name} {history[name][-1]:.4f}" for name in history.names
                                               if name in ("d_loss", "g_loss", "d_real", "d_fake", "wasserstein")))


def show_pretrained(args: argparse.Namespace) -> None:
    """``pretrained``: the table of models; one model's card, with its file checked; or its re-creation."""
    if args.name is None:
        print(f"{'model':14s} {'chapter':19s} {'FCD':>6s} {'bound':>6s} {'size':>8s}  file")
        for name, model in CARDS.items():
            try:
                record, status = read_record(name), "checked"
                pretrained(name, device="cpu")
            except PretrainedError as error:
                record, status = None, f"unusable: {error}"
            fcd, bound, size = ((f"{record['fcd']:.2f}", f"{record['fcd_bound']:.1f}", f"{record['bytes'] / 1e6:.2f} MB")
                                if record else ("-", "-", "-"))
            print(f"{name:14s} {model.chapter:19s} {fcd:>6s} {bound:>6s} {size:>8s}  {status}")
        print("Load one with gan_course.pretrained.pretrained(name); `python -m gan_course pretrained <name>` shows "
              "its card.")
        return
    model = CARDS[args.name]
    if args.recreate:
        previous = read_record(args.name, args.out) if weights_path(args.name, args.out).is_file() else None
        start = time.perf_counter()
        if args.dry_run:
            with tempfile.TemporaryDirectory() as folder:
                record = recreate(args.name, folder, dry_run=True)
                pretrained(args.name, device="cpu", folder=folder)
        else:
            record = recreate(args.name, args.out)
        where = "a temporary folder, not kept (dry run)" if args.dry_run else weights_path(args.name, args.out)
        print(f"Re-created {args.name} in {time.perf_counter() - start:.0f} s; wrote {where}: SHA-256 "
              f"{record['sha256'][:16]}…, FCD {record['fcd']:.2f} (float32 weights {record['fcd_float32']:.2f})")
        if previous is not None and not args.dry_run:
            same = "the same file as" if previous["sha256"] == record["sha256"] else "a different file from"
            print(f"This is {same} the one it replaces ({previous['sha256'][:16]}…, FCD {previous['fcd']:.2f}).")
        return
    loaded = pretrained(args.name, device="cpu")
    record = loaded.record
    print(f"{model.name}: {model.summary}\n  chapter: {model.chapter}\n  recipe: {model.recipe.name} "
          f"({model.recipe.paper}) at the {model.profile} profile\n  settings: "
          + ", ".join(f"{key}={value}" for key, value in model.settings.items()))
    print(f"  trained on {record['data']} with torch {record['torch']}")
    scores = f"FCD {record['fcd']:.2f} (stated bound {record['fcd_bound']:.1f}), classes {record['classes']}/10"
    if "label_accuracy" in record:
        scores += f", label accuracy {record['label_accuracy']:.1%}"
    print(f"  scores (the course's protocol, n = {record['n']}): {scores}")
    print(f"  file: {weights_path(model.name)} ({record['bytes'] / 1e6:.2f} MB), SHA-256 {record['sha256']} "
          f"checked\n  re-create it with: {model.command}")


def main(argv: Sequence[str] | None = None) -> History | None:
    """The command line's error boundary: bad input (:data:`INPUT_ERRORS`) exits with status 1 and one message on
    stderr, like argparse's own errors; anything else is a bug and keeps its traceback."""
    args = parse_args(argv)
    try:
        if args.command == "list":
            return list_recipes()
        if args.command == "pretrained":
            return show_pretrained(args)
        return train(args)
    except INPUT_ERRORS as error:
        hint = " To start over, add --start-over." if isinstance(error, CheckpointError) \
            and not isinstance(error, CheckpointLocked) else ""
        raise SystemExit(f"{_program()}: error: {error}{hint}") from None
    except TrainingInterrupted as interrupted:
        print(f"{_program()}: {interrupted}. " + " ".join(getattr(interrupted, "__notes__", [])), file=sys.stderr)
        raise SystemExit(130) from None


def _program() -> str:
    """The name errors begin with: ``python -m gan_course``, and the rank of a process under ``torchrun``."""
    if not launched_by_torchrun():
        return "python -m gan_course"
    return f"python -m gan_course (rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']})"
