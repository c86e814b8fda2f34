"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 grey 28 x 28 images of ten kinds of clothing in MNIST's format
and sizes, the course's second image data set, scaled to [-1, 1] for a tanh generator, and the roles its images play.

The files are looked for, in this order, in ``<root>/FashionMNIST/raw`` (torchvision's layout; the root is
``$GAN_COURSE_DATA`` or the checkout's ``data/`` folder, :func:`~gan_course.data.default_data_root`), in Debian's
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``, all four files, for machines without the
internet: ``apt install dataset-fashion-mnist``), and last through torchvision's download (on Colab). Files taken from
the package are checked against :data:`CONTENT_SHA256` and extracted into ``<root>/FashionMNIST/raw``, where
torchvision's IDX readers parse them as they parse MNIST's.

Unlike the offline MNIST of this course, both splits are here, so the roles come from full splits and no image
serves two of them (:func:`fashion_roles`):

* ``"classifier"`` — 10,000 images of the training split, on which the course's Fashion-MNIST classifier trains;
* ``"gan"`` — the other 50,000 training images, on which GANs train (:func:`load_fashion_mnist`);
* ``"reference"`` — the 10,000 images of the test split, the real images models are compared with, and the
  classifier's held-out images.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import torch
from torchvision import datasets
from torchvision.datasets.mnist import read_image_file, read_label_file
from torchvision.datasets.utils import check_integrity

from gan_course.atomic_file import atomic_file
from gan_course.data.mnist import FILES, LabeledImages, default_data_root, torchvision_download

FOLDER = "FashionMNIST"
"""The folder under the data root that torchvision's ``FashionMNIST`` uses; the files lie in its ``raw/``."""

DEBIAN_FOLDER = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` installs the four ``.gz`` files."""

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
"""The label names, in label order (Xiao et al. 2017, Table 1)."""

CONTENT_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
"""SHA-256 of each file's decompressed content as Debian's package (version 0.0~git20200523.55506a9-1) ships it.
Debian compressed the files again, so its ``.gz`` files do not have the MD5 sums torchvision checks its download
against; what they hold is checked here instead."""

SPLIT_SIZES = {"train": 60_000, "test": 10_000}
ROLES = {"classifier": ("train", 10_000), "gan": ("train", 50_000), "reference": ("test", 10_000)}
"""Each role's split and size; the roles of one split are disjoint and together cover it."""
ROLE_SEED = 0

SOURCES = ("Debian's package dataset-fashion-mnist (apt install dataset-fashion-mnist), or torchvision's download "
           "(datasets.FashionMNIST, where the internet can be reached)")


class FashionMNISTFileError(RuntimeError):
    """A Fashion-MNIST file that cannot be Fashion-MNIST's: a wrong checksum, a header or size torchvision's reader
    rejects, or a wrong number of images. The message names the file and how to replace it."""


def _extract(source: Path, target: Path, trusted: bool) -> None:
    """Decompress ``source`` (a ``.gz``) to ``target``; unless ``trusted`` (torchvision checked its MD5), its content
    must have the SHA-256 of :data:`CONTENT_SHA256`."""
    with gzip.open(source, "rb") as compressed:
        try:
            data = compressed.read()
        except (OSError, EOFError) as error:
            raise FashionMNISTFileError(f"{source} cannot be decompressed ({error}): the file is damaged. Delete it "
                                        f"and get it again from {SOURCES}.") from error
    if not trusted and hashlib.sha256(data).hexdigest() != CONTENT_SHA256[target.name]:
        raise FashionMNISTFileError(f"{source} does not hold Fashion-MNIST's {target.name} (its content's SHA-256 is "
                                    f"not {CONTENT_SHA256[target.name]}): it is damaged or another data set. Delete it "
                                    f"and get it again from {SOURCES}.")
    with atomic_file(target) as file:
        file.write(data)


def _file(raw: Path, name: str, root: Path, download: bool) -> Path:
    """The extracted IDX file ``name`` (without ``.gz``) in ``raw``, extracted there first from the ``.gz`` beside it,
    from Debian's package, or from torchvision's download."""
    target = raw / name
    if target.is_file():
        return target
    checksums = dict(datasets.FashionMNIST.resources)
    local, debian = raw / f"{name}.gz", DEBIAN_FOLDER / f"{name}.gz"
    if not local.is_file() and not debian.is_file() and download:
        failure = torchvision_download("FashionMNIST", root)
        if failure is not None:
            raise FileNotFoundError(f"Fashion-MNIST's {name}.gz is neither in {raw} nor in {DEBIAN_FOLDER}, and "
                                    f"{failure}. Install Debian's package (apt install dataset-fashion-mnist), or put "
                                    f"the four files in {raw} (point $GAN_COURSE_DATA at another data folder).")
    if local.is_file():
        _extract(local, target, trusted=check_integrity(str(local), checksums[f"{name}.gz"]))
    elif debian.is_file():
        _extract(debian, target, trusted=False)
    else:
        raise FileNotFoundError(f"Fashion-MNIST's {name}.gz is neither in {raw} nor in {DEBIAN_FOLDER} "
                                f"(download=False). Install Debian's package (apt install dataset-fashion-mnist), or "
                                f"put the four files in {raw}, or load with download=True where the internet can be "
                                "reached.")
    return target


def load_fashion_mnist_split(split: str, root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """One split of Fashion-MNIST, ``"train"`` (60,000 images) or ``"test"`` (10,000), in [-1, 1], with its labels."""
    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be one of {tuple(SPLIT_SIZES)}, got {split!r}")
    root = Path(root).expanduser() if root is not None else default_data_root()
    raw = root / FOLDER / "raw"
    images_file, labels_file = (_file(raw, name.removesuffix(".gz"), root, download) for name in FILES[split])
    try:
        images = read_image_file(str(images_file)).unsqueeze(1).float().div(127.5).sub(1.0)
        labels = read_label_file(str(labels_file)).long()
    except (AssertionError, ValueError, RuntimeError) as error:
        raise FashionMNISTFileError(f"{images_file} or {labels_file} is not a readable IDX file (torchvision's reader "
                                    f"rejected it: {error or type(error).__name__}). Delete both and load again, which "
                                    f"extracts them anew from {SOURCES}.") from error
    if images.shape != (SPLIT_SIZES[split], 1, 28, 28) or labels.shape != (SPLIT_SIZES[split],):
        raise FashionMNISTFileError(f"{images_file} and {labels_file} hold {tuple(images.shape)} images and "
                                    f"{tuple(labels.shape)} labels, not Fashion-MNIST's {SPLIT_SIZES[split]:,} images "
                                    f"of 28 x 28. Delete both and load again, which extracts them anew from {SOURCES}.")
    return LabeledImages(images=images, labels=labels, split=split, root=root)


def fashion_roles() -> dict[str, torch.Tensor]:
    """The indices of each role's images into its split (sorted; the roles of a split are disjoint and cover it)."""
    roles: dict[str, torch.Tensor] = {}
    for split, size in SPLIT_SIZES.items():
        order = torch.randperm(size, generator=torch.Generator().manual_seed(ROLE_SEED))
        start = 0
        for role, (role_split, count) in ROLES.items():
            if role_split == split:
                roles[role] = order[start : start + count].sort().values
                start += count
    return roles


def load_fashion_mnist_role(role: str, root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """The images of one role: ``"classifier"``, ``"gan"`` or ``"reference"`` (see the module's docstring)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {tuple(ROLES)}, got {role!r}")
    split = load_fashion_mnist_split(ROLES[role][0], root, download)
    index = fashion_roles()[role]
    return LabeledImages(split.images[index], split.labels[index], split.split, split.root, role)


def load_fashion_mnist(root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """The images a GAN trains on: the 50,000 training images of the ``"gan"`` role, in [-1, 1]."""
    return load_fashion_mnist_role("gan", root, download)

