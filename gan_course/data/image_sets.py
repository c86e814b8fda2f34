"""The course's image data sets by name, with what a metric needs to know of one: how to load the images of each role,
the class names, and the roles' sizes and seed. One classifier recipe and one evaluation protocol
(:mod:`gan_course.metrics.protocol`) serve every data set through this table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from gan_course.data import fashion_mnist, mnist
from gan_course.data.mnist import LabeledImages


@dataclass(frozen=True)
class ImageSet:
    """One data set of 28 x 28 grey images in ten classes (``kind`` names them in text: "digits"), its roles (``"classifier"``, ``"reference"``, ``"gan"``,
    disjoint) and where each role's images come from."""

    name: str
    title: str
    kind: str
    classes: tuple[str, ...]
    role_sizes: Mapping[str, int]
    role_seed: int
    load_role: Callable[[str, str | Path | None, bool], LabeledImages]

    def role(self, role: str, root: str | Path | None = None, download: bool = True) -> LabeledImages:
        """The images of ``role``, in [-1, 1], with their labels."""
        return self.load_role(role, root, download)


IMAGE_SETS = {
    "mnist": ImageSet("mnist", "MNIST", "digits", tuple(str(digit) for digit in range(10)), dict(mnist.ROLE_SIZES),
                      mnist.ROLE_SEED, mnist.load_mnist_role),
    "fashion-mnist": ImageSet("fashion-mnist", "Fashion-MNIST", "images", fashion_mnist.CLASSES,
                              {role: size for role, (_, size) in fashion_mnist.ROLES.items()}, fashion_mnist.ROLE_SEED,
                              fashion_mnist.load_fashion_mnist_role),
}
"""Every image data set the metrics know, by name."""


def image_set(name: str) -> ImageSet:
    """The data set called ``name`` (``"mnist"`` or ``"fashion-mnist"``)."""
    if name not in IMAGE_SETS:
        raise ValueError(f"no image data set named {name!r}; the course has {', '.join(IMAGE_SETS)}")
    return IMAGE_SETS[name]
