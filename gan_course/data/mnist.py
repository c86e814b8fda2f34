"""MNIST (LeCun, Cortes & Burges) through torchvision, scaled to [-1, 1] for a tanh generator.

Where the network allows, the training split is downloaded into ``<root>/MNIST/raw``. Offline, the files already in
that folder are used: the 60,000-digit training split if present, else the 10,000-digit test split — and then the
loader says so, loudly, because a model trained on the test split must not be evaluated on it.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

import torch
from torch import Tensor
from torchvision import datasets
from torchvision.datasets.mnist import read_image_file, read_label_file
from torchvision.datasets.utils import check_integrity, extract_archive

DATA_ENV = "GAN_COURSE_DATA"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/ (torchvision's mirror of http://yann.lecun.com/exdb/mnist/)"


class MNISTTestSplitWarning(UserWarning):
    """Raised as a warning when only MNIST's test split is available and is used in place of the training split."""


@dataclass(frozen=True)
class LabeledImages:
    """Images of shape (N, C, H, W) scaled to [-1, 1], their integer labels, and where they came from."""

    images: Tensor
    labels: Tensor
    split: str
    root: Path

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        return f"LabeledImages({len(self)} images {tuple(self.images.shape[1:])}, split={self.split!r}, root={str(self.root)!r})"


def default_data_root() -> Path:
    """``$GAN_COURSE_DATA``; else the ``data/`` folder of the course checkout this package runs from; else ``./data``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "_toc.yml").is_file():
        return checkout / "data"
    return Path.cwd() / "data"


SPLITS = tuple(FILES)

# a download that failed is not tried again in the same process (offline, each try costs seconds of DNS timeouts)
_failed_downloads: dict[Path, str] = {}


def _present(raw: Path, split: str) -> bool:
    """Whether both files of ``split`` lie in ``raw``, compressed or already extracted."""
    return all((raw / name).is_file() or (raw / name.removesuffix(".gz")).is_file() for name in FILES[split])


def _read_split(raw: Path, split: str, root: Path) -> LabeledImages:
    """Check and extract the ``.gz`` files of ``split`` if needed, then parse them with torchvision's IDX readers."""
    checksums = dict(datasets.MNIST.resources)
    for name in FILES[split]:
        if not (raw / name.removesuffix(".gz")).is_file():
            if not check_integrity(str(raw / name), checksums[name]):
                raise RuntimeError(
                    f"{raw / name} does not have the MD5 checksum {checksums[name]} that torchvision expects: "
                    f"the file is damaged or not MNIST. Delete it and download it again from {SOURCE}."
                )
            extract_archive(str(raw / name), str(raw))
    images_file, labels_file = (raw / name.removesuffix(".gz") for name in FILES[split])
    images = read_image_file(str(images_file)).unsqueeze(1).float().div(127.5).sub(1.0)
    return LabeledImages(images=images, labels=read_label_file(str(labels_file)).long(), split=split, root=root)


def _download(root: Path) -> str | None:
    """Fetch all four files into ``<root>/MNIST/raw`` through torchvision; ``None`` on success, else why it failed."""
    if root in _failed_downloads:
        return _failed_downloads[root] + " (not retried in this session)"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            datasets.MNIST(str(root), train=True, download=True)
    except (RuntimeError, URLError, OSError) as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
        _failed_downloads[root] = "the download failed: " + " ... ".join(dict.fromkeys((lines[0], lines[-1])))
        return _failed_downloads[root]
    return None


def _missing(raw: Path, failure: str, needed: str) -> FileNotFoundError:
    wanted = ", ".join(FILES["train"] + FILES["test"])
    return FileNotFoundError(
        f"No {needed} in {raw} ({failure}). Put {wanted} (at least the two t10k files) in that folder, "
        f"from {SOURCE}; or run where the internet can be reached, with download=True, to fetch them; "
        f"or point ${DATA_ENV} at a folder that holds MNIST/raw."
    )


def load_mnist_split(split: str, root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """One split of MNIST, ``"train"`` or ``"test"``, in [-1, 1], downloaded if missing and ``download`` is set.

    Unlike :func:`load_mnist` it never falls back to the other split: the classifier of the metrics chapter takes its
    held-out digits from the test split whatever else is on disk."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    root = Path(root).expanduser() if root is not None else default_data_root()
    raw = root / "MNIST" / "raw"
    if not _present(raw, split):
        failure = _download(root) if download else "download=False"
        if failure is not None:
            raise _missing(raw, failure, f"MNIST {split} split")
    return _read_split(raw, split, root)


def load_mnist(root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """MNIST's training split in [-1, 1]; offline with only the test split on disk, the test split, with a warning.

    Downloads go through torchvision (all four files, checked against its MD5 sums); a download that failed is not
    tried again in the same process. Raises ``FileNotFoundError`` naming the files, the folder and where to get them
    when neither split can be had.
    """
    root = Path(root).expanduser() if root is not None else default_data_root()
    raw = root / "MNIST" / "raw"
    if _present(raw, "train"):
        return _read_split(raw, "train", root)
    failure = _download(root) if download else "download=False"
    if failure is None:
        return _read_split(raw, "train", root)
    if _present(raw, "test"):
        warnings.warn(
            f"MNIST's training split is not in {raw} ({failure}). Using the 10,000-digit TEST split for training "
            f"instead: results are not comparable with models trained on the 60,000 training digits.",
            MNISTTestSplitWarning,
            stacklevel=2,
        )
        return _read_split(raw, "test", root)
    raise _missing(raw, failure, "MNIST files")
