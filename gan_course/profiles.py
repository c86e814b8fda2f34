"""Run-size profiles: one switch decides how big a chapter's runs are.

``fast``
    for CI: every chapter executes in well under two minutes on two CPU cores.
``cpu``
    the default without a GPU: a chapter's full run in at most ten minutes on a laptop, except an experiment that
    cannot be smaller and whose cell says how long it takes (the WGAN chapter's four-loss table and the ProGAN
    chapter's ablations, both spread over the cores).
    The book's committed outputs come from this profile.
``gpu``
    the default with CUDA: the real-size run.

Set ``GAN_COURSE_PROFILE`` to choose one by hand. A chapter lists its sizes once per profile with
:func:`run_sizes`; the cells read sizes from the result and nothing else changes between profiles.
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any, Mapping

from gan_course.device import default_device

PROFILE_ENV = "GAN_COURSE_PROFILE"
PROFILES = ("fast", "cpu", "gpu")


def current_profile() -> str:
    """The active profile: ``$GAN_COURSE_PROFILE`` if set, else ``gpu`` on a CUDA device and ``cpu`` otherwise."""
    name = os.environ.get(PROFILE_ENV, "").strip().lower()
    if name:
        if name not in PROFILES:
            raise ValueError(
                f"{PROFILE_ENV}={os.environ[PROFILE_ENV]!r} is not a run profile; use one of {', '.join(PROFILES)} "
                f"or unset it to choose by device."
            )
        return name
    return "gpu" if default_device().type == "cuda" else "cpu"


class RunSizes(Mapping[str, Any]):
    """Read-only sizes of the active profile; read them as attributes (``sizes.steps``) or keys."""

    def __init__(self, profile: str, sizes: Mapping[str, Any]):
        self.profile = profile
        self._sizes = MappingProxyType(dict(sizes))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._sizes[name]
        except KeyError:
            raise AttributeError(f"run size {name!r} is not defined; defined: {', '.join(self._sizes)}") from None

    def __getitem__(self, key: str) -> Any:
        return self._sizes[key]

    def __iter__(self):
        return iter(self._sizes)

    def __len__(self) -> int:
        return len(self._sizes)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._sizes.items())
        return f"RunSizes[{self.profile}]({items})"


def run_sizes(fast: Mapping[str, Any], cpu: Mapping[str, Any], gpu: Mapping[str, Any]) -> RunSizes:
    """Pick the sizes of the active profile; all three profiles must define the same names."""
    table = {"fast": fast, "cpu": cpu, "gpu": gpu}
    for profile, sizes in table.items():
        if not isinstance(sizes, Mapping):
            raise TypeError(f"run_sizes takes each profile's sizes by name, e.g. run_sizes(fast=dict(steps=100), "
                            f"cpu=dict(steps=2000), gpu=dict(steps=20000)); got {profile}={sizes!r}")
    active = current_profile()
    names = set(fast)
    for profile, sizes in table.items():
        if set(sizes) != names:
            missing = sorted(names - set(sizes))
            extra = sorted(set(sizes) - names)
            raise ValueError(
                f"profile {profile!r} must define the same sizes as 'fast'; missing {missing}, extra {extra}"
            )
    return RunSizes(active, table[active])
