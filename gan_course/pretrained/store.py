"""The pretrained checkpoints on disk: writing one with its record, and :func:`pretrained`, which checks and loads it.

A checkpoint is ``<name>.pt``: the generator's and the discriminator's state dicts with every floating tensor stored
in float16 (half the size; they load back into float32 networks), saved through a byte buffer so that the same
weights give the same file, and loaded with ``weights_only=True``. Beside it ``<name>.json`` records its SHA-256,
the scores the course's protocol gave the shipped (float16) weights, and the bound the card states. Loading checks
the SHA-256 first: a damaged, missing or replaced file raises :class:`PretrainedError` naming it and the command
that re-creates it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from gan_course.device import default_device
from gan_course.data import Cropped
from gan_course.eval_mode import eval_mode
from gan_course.latent import Latent, Prior
from gan_course.pretrained.cards import ModelCard, card
from gan_course.training.trainer import call_generator

WEIGHTS = Path(__file__).resolve().parent / "weights"


class PretrainedError(RuntimeError):
    """A pretrained checkpoint that is missing, damaged or does not match its record; the message names the file and
    the command that re-creates it."""


@dataclass(frozen=True)
class PretrainedGAN:
    """A ready pretrained model: its ``card``, its ``record`` (SHA-256, scores, bound), and the ``generator`` and
    ``discriminator`` in eval mode on the chosen device, with the ``prior`` G was trained with."""

    card: ModelCard
    record: dict[str, Any]
    generator: nn.Module
    discriminator: nn.Module
    prior: Prior

    @torch.no_grad()
    def sample(self, n: int, labels: Tensor | None = None, seed: int | None = None) -> Tensor:
        """``n`` samples of G on the CPU (28 × 28 for every card, padded ones cropped), from the prior — with the
        given class ``labels`` for a conditional G — seeded by ``seed`` when given."""
        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        latent = self.prior.sample(n, generator=generator)
        if labels is not None:
            if not self.card.conditional:
                raise ValueError(f"{self.card.name} is not conditional: it takes no labels")
            labels = torch.as_tensor(labels).long()
            if labels.shape != (n,):
                raise ValueError(f"labels must hold one class per sample, shape ({n},), got {tuple(labels.shape)}")
            latent = Latent(latent.z, labels)
        device = next(self.generator.parameters()).device
        source = Cropped(self.generator, 28, clamp=True) if self.card.padded_to is not None else self.generator
        with eval_mode(self.generator):
            images = call_generator(source, latent.to(device))
        return images.cpu()


def weights_path(name: str, folder: str | Path | None = None) -> Path:
    """Where the checkpoint ``name`` lies: ``<folder>/<name>.pt``, by default in the package."""
    return Path(folder or WEIGHTS) / f"{name}.pt"


def _half_state(module: nn.Module) -> dict[str, Any]:
    """The module's state dict with floating tensors as contiguous float16 (other entries as they are)."""
    return {key: value.detach().to("cpu", torch.float16).contiguous() if torch.is_tensor(value) and value.is_floating_point()
            else value for key, value in module.state_dict().items()}


def checkpoint_bytes(generator: nn.Module, discriminator: nn.Module) -> bytes:
    """The file's content: both networks' float16 state dicts. Saved through a buffer, whose archive name does not
    depend on the file's name, so the same weights give the same bytes and SHA-256."""
    buffer = io.BytesIO()
    torch.save({"generator": _half_state(generator), "discriminator": _half_state(discriminator)}, buffer)
    return buffer.getvalue()


def write_checkpoint(name: str, generator: nn.Module, discriminator: nn.Module, scores: dict[str, Any],
                     folder: str | Path | None = None) -> dict[str, Any]:
    """Write ``<name>.pt`` and its record ``<name>.json`` (SHA-256, size, ``scores`` and the stated bound) into
    ``folder`` (default: the package's); return the record."""
    path = weights_path(name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = checkpoint_bytes(generator, discriminator)
    model = card(name)
    record = {
        "name": name,
        "file": path.name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "bytes": len(content),
        "parameters": {net: sum(p.numel() for p in module.parameters())
                       for net, module in (("generator", generator), ("discriminator", discriminator))},
        **scores,
        "fcd_bound": math.ceil((scores["fcd"] + model.margin) * 10) / 10,
        "command": model.command,
    }
    path.write_bytes(content)
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_record(name: str, folder: str | Path | None = None) -> dict[str, Any]:
    """The record of checkpoint ``name``, or a :class:`PretrainedError` naming what is missing."""
    path = weights_path(name, folder)
    model = card(name)
    if not path.with_suffix(".json").is_file():
        raise PretrainedError(f"the record {path.with_suffix('.json')} of the pretrained model {name!r} is missing; "
                              f"re-create the model with: {model.command}")
    return json.loads(path.with_suffix(".json").read_text())


def pretrained(name: str, device: torch.device | str | None = None, folder: str | Path | None = None) -> PretrainedGAN:
    """The pretrained model ``name`` (see :data:`~gan_course.pretrained.CARDS`) with its networks in eval mode on
    ``device`` (default :func:`~gan_course.default_device`), loaded from ``folder`` (default: the package's) after
    its SHA-256 has been checked against the record."""
    model = card(name)
    path = weights_path(name, folder)
    record = read_record(name, folder)
    if not path.is_file():
        raise PretrainedError(f"the pretrained model {name!r} has no weights at {path}; re-create them with: "
                              f"{model.command}")
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != record["sha256"]:
        raise PretrainedError(f"{path} has SHA-256 {digest[:16]}…, not the {record['sha256'][:16]}… of its record: "
                              f"the file is damaged or was replaced. Re-create it with: {model.command} (or restore "
                              f"it with git checkout).")
    generator, discriminator = load_networks(model, content, torch.device(device) if device else default_device())
    return PretrainedGAN(model, record, generator, discriminator, model.prior(generator))


def load_networks(model: ModelCard, content: bytes, device: torch.device) -> tuple[nn.Module, nn.Module]:
    """The card's networks with the weights of a checkpoint's ``content``, in float32 and eval mode on ``device``.
    They are built on the meta device and the weights assigned, so loading draws no random number (a chapter that
    loads a model after ``seed_everything`` runs as it would without it)."""
    state = torch.load(io.BytesIO(content), map_location="cpu", weights_only=True)
    networks = model.build()
    for network, key in zip(networks, ("generator", "discriminator")):
        weights = {name: value.float() if torch.is_tensor(value) and value.is_floating_point() else value
                   for name, value in state[key].items()}
        network.load_state_dict(weights, assign=True)
    return networks[0].to(device).eval(), networks[1].to(device).eval()
