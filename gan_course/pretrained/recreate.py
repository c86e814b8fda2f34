"""Re-creating a pretrained checkpoint from its card: train with the chapter's recipe, score the float16 weights that
will ship with the course's protocol, and write the file and its record.

``python -m gan_course pretrained <name> --recreate`` runs :func:`recreate`. On the CPU a run is deterministic, so on
the same torch build it gives the same weights and the same SHA-256 as the shipped file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from gan_course.data.image_sets import image_set
from gan_course.device import default_device
from gan_course.metrics import EVALUATIONS, Evaluation
from gan_course.pretrained.cards import ModelCard, card
from gan_course.pretrained.store import checkpoint_bytes, load_networks, write_checkpoint
from gan_course.seed import seed_everything

DATA = {"mnist": "the 5,000 'gan' digits of MNIST's test split (gan_course.data.load_mnist_role('gan'))",
        "fashion-mnist": "the 50,000 'gan' images of Fashion-MNIST's training split "
                         "(gan_course.data.load_fashion_mnist_role('gan'))"}


def score(model: ModelCard, generator: nn.Module, evaluation: Evaluation) -> dict[str, Any]:
    """The protocol's scores of ``generator``: Fréchet classifier distance, classes covered, KL to uniform, and for a
    conditional G its label accuracy."""
    result = evaluation(model.scored(generator), progress=False)
    scores: dict[str, Any] = {"fcd": round(result.fcd, 4), "classes": result.histogram.classes_covered,
                              "kl_to_uniform": round(result.histogram.kl_to_uniform, 4), "n": result.n}
    if model.conditional:
        scores["label_accuracy"] = round(evaluation.label_accuracy(generator, progress=False).accuracy, 4)
    return scores


def recreate(name: str, folder: str | Path | None = None, device: torch.device | None = None, dry_run: bool = False,
             progress: bool = True) -> dict[str, Any]:
    """Train the card ``name`` with its recipe and settings, score it, and write ``<name>.pt`` and ``<name>.json`` into
    ``folder`` (default: the package's, replacing the shipped ones); return the record. ``dry_run`` trains two steps
    (ProGAN: a few dozen images per phase), a smoke test of the whole path."""
    model = card(name)
    device = device or default_device()
    data = image_set(model.data).role("gan")
    seed_everything(model.settings["seed"])
    generator, discriminator = model.train(data, device, dry_run, progress)
    evaluation = EVALUATIONS[model.data](device=device)
    trained = score(model, generator, evaluation)
    shipped_generator, _ = load_networks(model, checkpoint_bytes(generator, discriminator), device)
    shipped = score(model, shipped_generator, evaluation)
    scores = {**shipped, "fcd_float32": trained["fcd"], "data": DATA[model.data], "torch": torch.__version__,
              "dry_run": dry_run}
    return write_checkpoint(name, generator, discriminator, scores, folder)
