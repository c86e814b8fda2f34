"""MNIST (LeCun, Cortes & Burges) through torchvision, scaled to [-1, 1] for a tanh generator, and the roles its
digits play in the course.

No digit serves two roles. The 10,000 digits of the **test split** are cut once, by a permutation seeded with
:data:`ROLE_SEED`, into three disjoint sets (:func:`digit_roles`):

* ``"classifier"`` — the 3,000 digits the course's MNIST classifier, the instrument of the metrics, trains on;
* ``"reference"`` — the 2,000 real digits every MNIST model of the book is compared with
  (:mod:`gan_course.metrics.protocol`; the classifier's held-out accuracy is measured on them too);
* ``"gan"`` — the 5,000 digits the GANs train on when the training split is missing.

GANs train on what :func:`load_mnist` returns: the 60,000-digit training split where the network allows (it is
downloaded into ``<root>/MNIST/raw``) or where its files already lie; offline with only the test split on disk, its
``"gan"`` digits — and then the loader says so, loudly, because those results are not comparable with models trained
on the training split. Either way a GAN never sees a digit of the classifier or of the reference.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.error import URLError

import torch
from torch import Tensor
from torchvision import datasets
from torchvision.datasets.mnist import read_image_file, read_label_file
from torchvision.datasets.utils import check_integrity

from gan_course.atomic_file import atomic_file

DATA_ENV = "GAN_COURSE_DATA"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/ (torchvision's mirror of http://yann.lecun.com/exdb/mnist/)"


class MNISTTestSplitWarning(UserWarning):
    """Raised as a warning when only MNIST's test split is available and is used in place of the training split.

    Its message is short and names no path, so that it can stand in a committed notebook; ``folder`` is where the
    training files were looked for and ``reason`` why they could not be had (e.g. the download's error). It is given
    once per process and data folder, not at every load."""

    def __init__(self, message: str, folder: Path | None = None, reason: str = ""):
        super().__init__(message)
        self.folder = folder
        self.reason = reason


class MNISTFileError(RuntimeError):
    """An MNIST file on disk that cannot be MNIST: a wrong checksum, a header or size torchvision's reader rejects, or a
    wrong number of digits. The message names the file and how to replace it."""


@dataclass(frozen=True)
class LabeledImages:
    """Images of shape (N, C, H, W) scaled to [-1, 1], their integer labels, and where they came from: the split, and
    for part of the test split the role of its digits (:func:`digit_roles`)."""

    images: Tensor
    labels: Tensor
    split: str
    root: Path
    role: str | None = None

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:  # no root: a printed data set names no folder of the machine that loaded it
        role = "" if self.role is None else f", role={self.role!r}"
        return f"LabeledImages({len(self)} images {tuple(self.images.shape[1:])}, split={self.split!r}{role})"


def default_data_root() -> Path:
    """``$GAN_COURSE_DATA``; else the ``data/`` folder of the course checkout this package runs from; else ``./data``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "_toc.yml").is_file():
        return checkout / "data"
    return Path.cwd() / "data"


SPLITS = tuple(FILES)
TEST_SPLIT_SIZE = 10_000
ROLE_SIZES = {"classifier": 3_000, "reference": 2_000, "gan": 5_000}  # disjoint parts of the test split
ROLE_SEED = 0

# a download that failed is not tried again in the same process (offline, each try costs seconds of DNS timeouts)
_failed_downloads: dict[tuple[str, Path], str] = {}  # (torchvision's data set class, data root) -> why
# the data folders whose fallback to the test split has been announced in this process
_warned_fallbacks: set[Path] = set()


def _present(raw: Path, split: str) -> bool:
    """Whether both files of ``split`` lie in ``raw``, compressed or already extracted."""
    return all((raw / name).is_file() or (raw / name.removesuffix(".gz")).is_file() for name in FILES[split])


def _read_split(raw: Path, split: str, root: Path) -> LabeledImages:
    """Check and extract the ``.gz`` files of ``split`` if needed, then parse them with torchvision's IDX readers."""
    checksums = dict(datasets.MNIST.resources)
    for name in FILES[split]:
        if not (raw / name.removesuffix(".gz")).is_file():
            if not check_integrity(str(raw / name), checksums[name]):
                raise MNISTFileError(
                    f"{raw / name} does not have the MD5 checksum {checksums[name]} that torchvision expects: "
                    f"the file is damaged or not MNIST. Delete it and download it again from {SOURCE}."
                )
            with gzip.open(raw / name, "rb") as compressed, atomic_file(raw / name.removesuffix(".gz")) as file:
                file.write(compressed.read())
    images_file, labels_file = (raw / name.removesuffix(".gz") for name in FILES[split])
    images = _read_idx(read_image_file, images_file).unsqueeze(1).float().div(127.5).sub(1.0)
    labels = _read_idx(read_label_file, labels_file).long()
    if images.shape[1:] != (1, 28, 28) or len(images) != len(labels):
        raise MNISTFileError(
            f"{images_file} and {labels_file} hold {tuple(images.shape)} images and {len(labels)} labels, not N "
            f"28x28 digits with one label each: they are not MNIST's. Delete both (and their .gz files) and download "
            f"them again from {SOURCE}."
        )
    return LabeledImages(images=images, labels=labels, split=split, root=root)


def _read_idx(reader: Callable[[str], Tensor], path: Path) -> Tensor:
    """Parse an extracted IDX file with torchvision's reader, which only asserts on a bad header or size."""
    try:
        return reader(str(path))
    except (AssertionError, ValueError, RuntimeError) as error:
        detail = f": {error}" if str(error) else ""
        raise MNISTFileError(
            f"{path} is not a readable MNIST IDX file (torchvision's reader rejected its header or size"
            f"{detail}); it is damaged or not MNIST. Delete it and its .gz beside it, and download them again from "
            f"{SOURCE}."
        ) from error


def torchvision_download(dataset: str, root: Path) -> str | None:
    """Fetch all files of torchvision's ``datasets.<dataset>`` (``"MNIST"``, ``"FashionMNIST"``) into
    ``<root>/<dataset>/raw``, checked against its MD5 sums; ``None`` on success, else why it failed. A download that
    failed is not tried again in the same process."""
    if (dataset, root) in _failed_downloads:
        return _failed_downloads[dataset, root] + " (not retried in this session)"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(datasets, dataset)(str(root), train=True, download=True)
    except (RuntimeError, URLError, OSError) as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
        _failed_downloads[dataset, root] = "the download failed: " + " ... ".join(dict.fromkeys((lines[0], lines[-1])))
        return _failed_downloads[dataset, root]
    return None


def _missing(raw: Path, failure: str, needed: str) -> FileNotFoundError:
    """The error for data that cannot be had, naming the file that is missing beside one that is there."""
    wanted = ", ".join(FILES["train"] + FILES["test"])
    halves = []
    for split, names in FILES.items():
        found = [name for name in names if (raw / name).is_file() or (raw / name.removesuffix(".gz")).is_file()]
        if found:
            missing = [name for name in names if name not in found]
            halves.append(f"{', '.join(found)} is there but {', '.join(missing)} (or its extracted file) is missing: "
                          f"the {split} split needs both")
    found_half = f"; {'; '.join(halves)}" if halves else ""
    return FileNotFoundError(
        f"No {needed} in {raw} ({failure}){found_half}. Put {wanted} (at least the two t10k files) in that folder, "
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
        failure = torchvision_download("MNIST", root) if download else "download=False"
        if failure is not None:
            raise _missing(raw, failure, f"MNIST {split} split")
    return _read_split(raw, split, root)


def digit_roles() -> dict[str, Tensor]:
    """The indices into MNIST's test split of each role's digits (sorted, disjoint, covering the split once)."""
    order = torch.randperm(TEST_SPLIT_SIZE, generator=torch.Generator().manual_seed(ROLE_SEED))
    roles, start = {}, 0
    for role, size in ROLE_SIZES.items():
        roles[role] = order[start : start + size].sort().values
        start += size
    return roles


def load_mnist_role(role: str, root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """The test-split digits of one role: ``"classifier"``, ``"reference"`` or ``"gan"`` (see the module's docstring)."""
    if role not in ROLE_SIZES:
        raise ValueError(f"role must be one of {tuple(ROLE_SIZES)}, got {role!r}")
    test = load_mnist_split("test", root, download)
    if len(test) != TEST_SPLIT_SIZE:
        raise MNISTFileError(f"MNIST's test split in {test.root} has {len(test)} digits, not {TEST_SPLIT_SIZE}: the files "
                         f"are not MNIST's; download them again from {SOURCE}")
    index = digit_roles()[role]
    return LabeledImages(test.images[index], test.labels[index], "test", test.root, role)


def load_mnist(root: str | Path | None = None, download: bool = True) -> LabeledImages:
    """The digits a GAN trains on, in [-1, 1]: MNIST's training split; offline with only the test split on disk, the
    5,000 test digits of the ``"gan"`` role (:func:`digit_roles`), with a :class:`MNISTTestSplitWarning` (once per
    process and folder).

    Downloads go through torchvision (all four files, checked against its MD5 sums); a download that failed is not
    tried again in the same process. Raises ``FileNotFoundError`` naming the files, the folder and where to get them
    when neither split can be had.
    """
    root = Path(root).expanduser() if root is not None else default_data_root()
    raw = root / "MNIST" / "raw"
    if _present(raw, "train"):
        return _read_split(raw, "train", root)
    failure = torchvision_download("MNIST", root) if download else "download=False"
    if failure is None:
        return _read_split(raw, "train", root)
    if _present(raw, "test"):
        gan_digits = load_mnist_role("gan", root, download=False)
        if raw not in _warned_fallbacks:
            _warned_fallbacks.add(raw)
            _warn_fallback(raw, failure)
        return gan_digits
    raise _missing(raw, failure, "MNIST files")


def _warn_fallback(raw: Path, failure: str) -> None:
    """Announce the fallback to the test split. The warning is placed at the package's function rather than at the
    caller's line: in a notebook the caller is ``/tmp/ipykernel_<pid>/<hash>.py``, a path of the machine that ran it."""
    warnings.warn_explicit(
        MNISTTestSplitWarning(
            f"MNIST's training split is not in the data folder and could not be downloaded. Training on "
            f"{ROLE_SIZES['gan']:,} digits of the TEST split instead (its other digits train the course's "
            f"classifier and are the metrics' reference): results are not comparable with models trained on the "
            f"60,000 training digits. To train on those, put {', '.join(FILES['train'])} in MNIST/raw under "
            f"${DATA_ENV} (or the default data folder).",
            folder=raw,
            reason=failure,
        ),
        MNISTTestSplitWarning,
        filename="gan_course.data.load_mnist",
        lineno=0,
        module=__name__,
    )
