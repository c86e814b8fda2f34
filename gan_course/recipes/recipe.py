"""A recipe: one run's settings, written once, and the builder they go to.

A :class:`Recipe` is frozen data — the builder (:mod:`gan_course.recipes.trainers`), the settings every profile
shares (networks' sizes, objective, optimizer, prior, batch size) and the sizes of each run profile (``fast``, ``cpu``,
``gpu``: how long to train, and the widths that differ) — with the chapter and the paper it comes from. The chapters,
the pretrained cards, the command line and the benchmark build their runs from it, so that they cannot drift apart:
``RECIPES["dcgan"].trainer(images, profile="cpu")`` is the DCGAN chapter's main run, and the ``dcgan-mnist`` card is
that run trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import torch
from torch import Tensor

from gan_course.data import LabeledImages, pad_images
from gan_course.profiles import PROFILES, current_profile
from gan_course.training import GANTrainer, ProgressiveSchedule

DATA_KINDS = ("images", "labelled images", "padded images")
"""What a builder takes first: MNIST's images; its images and labels (a conditional GAN); its images zero-padded to the
image size of the run's schedule (ProGAN)."""


@dataclass(frozen=True)
class Recipe:
    """A run's settings and the builder they go to (see the module's docstring).

    ``settings`` are the builder's keyword arguments shared by every profile; ``profiles`` gives each profile's
    length (``steps``, or for ProGAN ``kimg``, thousands of real images shown) and the settings that differ. ProGAN's
    schedule is built from its settings ``resolution``, ``kimg_per_phase`` and ``minibatch``."""

    name: str
    chapter: str
    paper: str
    summary: str
    builder: Callable[..., GANTrainer] = field(repr=False)
    settings: Mapping[str, Any]
    profiles: Mapping[str, Mapping[str, Any]]
    data: str = "images"

    def __post_init__(self) -> None:
        if set(self.profiles) != set(PROFILES):
            raise ValueError(f"recipe {self.name!r} must give the sizes of the profiles {PROFILES}, got "
                             f"{sorted(self.profiles)}")
        if self.data not in DATA_KINDS:
            raise ValueError(f"recipe {self.name!r}: data must be one of {DATA_KINDS}, got {self.data!r}")
        for profile, sizes in self.profiles.items():
            if ("steps" in sizes) == ("kimg" in sizes):
                raise ValueError(f"recipe {self.name!r}, profile {profile!r}: give its length as steps or as kimg")
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        object.__setattr__(self, "profiles", MappingProxyType({p: MappingProxyType(dict(s))
                                                               for p, s in self.profiles.items()}))

    def _profile(self, profile: str | None) -> str:
        profile = profile or current_profile()
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
        return profile

    def settings_for(self, profile: str | None = None) -> dict[str, Any]:
        """Every setting of the run at ``profile`` (default: the active one), its length included."""
        return {**self.settings, **self.profiles[self._profile(profile)]}

    def schedule(self, profile: str | None = None) -> ProgressiveSchedule:
        """ProGAN's schedule at ``profile``: phases of ``kimg_per_phase`` thousand images, fading and stable alike."""
        sizes = self.settings_for(profile)
        return ProgressiveSchedule(sizes["resolution"], training_kimg=sizes["kimg_per_phase"],
                                   transition_kimg=sizes["kimg_per_phase"], minibatch_base=sizes["minibatch"])

    def iterations(self, profile: str | None = None) -> int:
        """How many steps the run at ``profile`` makes (for ProGAN, the steps that show its ``kimg`` real images)."""
        sizes = self.settings_for(profile)
        return sizes["steps"] if "steps" in sizes else self.schedule(profile).iterations(sizes["kimg"])

    def trainer(self, data: LabeledImages, profile: str | None = None, device: torch.device | None = None,
                **changes: Any) -> GANTrainer:
        """The run at ``profile`` (default: the active one) on ``data``, built by the builder; ``changes`` replace
        settings (an ablation: ``lr=1e-4``) or go to the trainer (``hooks``, ``n_fixed``, ``acceleration``)."""
        profile = self._profile(profile)
        arguments = {key: value for key, value in self.settings_for(profile).items()
                     if key not in ("steps", "kimg", "resolution", "kimg_per_phase", "minibatch")}
        arguments.update(changes)
        inputs: tuple[Tensor, ...] = (data.images,)
        if self.data == "labelled images":
            inputs = (data.images, data.labels)
        elif self.data == "padded images":
            schedule = self.schedule(profile)
            inputs = (pad_images(data.images, schedule.image_size), schedule)
        return self.builder(*inputs, device=device, **arguments)
