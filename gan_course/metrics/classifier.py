"""A small convolutional classifier of 28 x 28 grey images: the measuring instrument of the course's image metrics.

The Fréchet distance, the class histogram and the label accuracy of :mod:`gan_course.metrics` read generated images
through this network, as TF-GAN's ``mnist_frechet_distance`` and ``mnist_score`` read them through a pretrained MNIST
classifier (the MNIST analogue of the Inception network of Salimans et al. 2016 and Heusel et al. 2017). Each image
data set of :mod:`gan_course.data.image_sets` has its own weights, shipped with the package in
``gan_course/metrics/weights/`` (:data:`WEIGHTS`, their SHA-256 in :data:`WEIGHTS_SHA256`) and produced by
:func:`train_classifier`, which is deterministic for a seed on the CPU::

    python -m gan_course.metrics.classifier --out gan_course/metrics/weights/mnist_classifier.pt
    python -m gan_course.metrics.classifier --data fashion-mnist --out gan_course/metrics/weights/fashion_mnist_classifier.pt
    python -m gan_course.metrics.classifier --data fashion-mnist --evaluate gan_course/metrics/weights/fashion_mnist_classifier.pt

Held-out accuracy (the ``--evaluate`` line): MNIST 99.35% on its 2,000 reference digits, Fashion-MNIST 89.70% on its
10,000 test images (30 epochs each, 1 min 50 s on two CPU cores for Fashion-MNIST's 10,000 training images).

It trains on the images of the data set's ``"classifier"`` role and is checked on those of its ``"reference"`` role:
for MNIST the 3,000 and 2,000 test-split digits of :func:`gan_course.data.digit_roles`, whether or not the training
split is on disk; for Fashion-MNIST 10,000 training images and the 10,000 test images
(:func:`gan_course.data.fashion_roles`). The GANs train on other images, so no image the instrument learnt from is
generated or scored against. The data set and roles it used are stored in the weights file, and
:func:`load_classifier` refuses weights made for another data set or with other roles.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import math
import time
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.data.image_sets import IMAGE_SETS, image_set
from gan_course.data.mnist import LabeledImages
from gan_course.device import default_device
from gan_course.eval_mode import eval_mode
from gan_course.progress import progress_bar
from gan_course.seed import seed_everything

WEIGHTS = {"mnist": "mnist_classifier.pt", "fashion-mnist": "fashion_mnist_classifier.pt"}
"""The weights shipped for each image data set, in ``gan_course/metrics/weights/``."""
WEIGHTS_SHA256 = {
    "mnist": "e25ca23ca9cee11b98ee27bfe593e376517ad69126ab3df86a4c9380555fafc7",
    "fashion-mnist": "83eef7a66a0a0a736b6205bb5985363136cfc5e83af7217fdd86c3d4586f3837",
}
"""The SHA-256 of each shipped weights file, checked when it is loaded."""
IMAGE_SHAPE = (1, 28, 28)
N_CLASSES = 10


class MNISTClassifier(nn.Module):
    """A classifier of images in MNIST's format (MNIST, Fashion-MNIST): three convolution blocks (batch norm, ReLU, 2x2 max-pooling), a 64-unit hidden layer, and 10 logits.

    ``features(x)`` returns the 64 activations of the hidden (penultimate) layer, on which the Fréchet classifier
    distance is computed; ``forward(x)`` returns the class logits. Inputs are digits of shape (N, 1, 28, 28) in
    [-1, 1], the scaling of the course's loaders and of a tanh generator.
    """

    feature_dim = 64

    def __init__(self, dropout: float = 0.3):
        super().__init__()

        def block(fan_in: int, fan_out: int) -> list[nn.Module]:
            convolution = nn.Conv2d(fan_in, fan_out, 3, padding=1, bias=False)
            return [convolution, nn.BatchNorm2d(fan_out), nn.ReLU(), nn.MaxPool2d(2)]

        self.body = nn.Sequential(
            *block(1, 16), *block(16, 32), *block(32, 64),  # 28 -> 14 -> 7 -> 3
            nn.Flatten(),
            nn.Linear(64 * 3 * 3, self.feature_dim, bias=False),
            nn.BatchNorm1d(self.feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.feature_dim, N_CLASSES))
        self.meta: dict[str, Any] = {}

    def _check(self, x: Tensor) -> None:
        if x.ndim != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
            raise ValueError(f"digits must have shape (N, 1, 28, 28), got {tuple(x.shape)}")

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer's activations, shape (N, 64)."""
        self._check(x)
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits, shape (N, 10)."""
        return self.head(self.features(x))


def augment(images: Tensor, generator: torch.Generator, degrees: float = 10.0, shift: float = 2.0,
            scale: tuple[float, float] = (0.9, 1.1)) -> Tensor:
    """Random small rotations (±``degrees``), shifts (±``shift`` pixels) and zooms of digits in [-1, 1].

    One affine map per image, drawn from ``generator`` (so training repeats exactly), applied with ``affine_grid``
    and bilinear ``grid_sample``; pixels moved in from outside the image are background (-1).
    """
    n = len(images)
    u = torch.rand(n, 4, generator=generator, dtype=torch.float32)
    angle = math.radians(degrees) * (2 * u[:, 0] - 1)
    zoom = scale[0] + (scale[1] - scale[0]) * u[:, 1]
    offset = (2 * u[:, 2:] - 1) * shift * 2 / images.shape[-1]  # affine_grid measures shifts in half-widths
    cos, sin = angle.cos() / zoom, angle.sin() / zoom
    theta = torch.stack([torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1)
    grid = F.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    return F.grid_sample(images + 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) - 1


def heldout_digits(root: str | Path | None = None, data: str = "mnist") -> LabeledImages:
    """The images the classifier of ``data`` is checked on: the ``"reference"`` role, which it never trained on."""
    return image_set(data).role("reference", root)


@torch.no_grad()
def predict(classifier: MNISTClassifier, images: Tensor, batch_size: int = 1000) -> Tensor:
    """Predicted labels of ``images`` (in eval mode, on the classifier's device, in batches), on the CPU."""
    device = next(classifier.parameters()).device
    with eval_mode(classifier):
        return torch.cat([classifier(images[i : i + batch_size].to(device)).argmax(1).cpu()
                          for i in range(0, len(images), batch_size)])


def accuracy(classifier: MNISTClassifier, digits: LabeledImages, batch_size: int = 1000) -> float:
    """The share of ``digits`` whose predicted label is their label."""
    return float((predict(classifier, digits.images, batch_size) == digits.labels).double().mean())


def confusions(classifier: MNISTClassifier, images: LabeledImages, batch_size: int = 1000) -> list[tuple[int, int, int]]:
    """The classifier's errors on ``images`` as ``(count, true class, predicted class)``, most frequent first."""
    predicted = predict(classifier, images.images, batch_size)
    matrix = torch.bincount(images.labels * N_CLASSES + predicted, minlength=N_CLASSES**2).view(N_CLASSES, N_CLASSES)
    errors = [(int(matrix[true, guess]), true, guess) for true in range(N_CLASSES) for guess in range(N_CLASSES)
              if true != guess and matrix[true, guess] > 0]
    return sorted(errors, key=lambda error: (-error[0], error[1], error[2]))


def train_classifier(
    root: str | Path | None = None,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    device: torch.device | None = None,
    download: bool = True,
    progress: bool = True,
    data: str = "mnist",
) -> MNISTClassifier:
    """Train :class:`MNISTClassifier` on the ``"classifier"`` role of the image data set ``data`` with augmentation (:func:`augment`), AdamW and a one-cycle learning rate.

    Deterministic for a ``seed`` on the CPU. The returned classifier is in eval mode; its ``meta`` records the data
    set, the roles of the images it trained and was checked on, the settings and the held-out accuracy.
    """
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise ValueError(f"need epochs >= 1, batch_size >= 1 and lr > 0; got {epochs}, {batch_size}, {lr}")
    started = time.perf_counter()
    device = device or default_device()
    kind = image_set(data)
    train = kind.role("classifier", root, download)
    generator = seed_everything(seed)
    classifier = MNISTClassifier().to(device)
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = len(train) // batch_size
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    bar = progress_bar(epochs * steps_per_epoch, f"training the {kind.title} classifier", "step", enabled=progress)
    classifier.train()
    for _ in range(epochs):
        order = torch.randperm(len(train), generator=generator)
        for i in range(steps_per_epoch):
            index = order[i * batch_size : (i + 1) * batch_size]
            images = augment(train.images[index], generator).to(device)
            loss = F.cross_entropy(classifier(images), train.labels[index].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.update()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    classifier.eval()
    classifier.meta = {
        "data": data,
        "train_role": "classifier",
        "n_train": len(train),
        "heldout_role": "reference",
        "role_seed": kind.role_seed,
        "role_sizes": dict(kind.role_sizes),
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "torch_version": str(torch.__version__),
    }
    classifier.meta["heldout_accuracy"] = accuracy(classifier, heldout_digits(train.root, data))
    classifier.meta["training_seconds"] = round(time.perf_counter() - started, 1)
    return classifier


def save_classifier(classifier: MNISTClassifier, path: str | Path) -> None:
    """Write the weights and ``classifier.meta`` to ``path`` (read back by :func:`load_classifier`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {name: value.detach().cpu() for name, value in classifier.state_dict().items()}
    torch.save({"state_dict": state, "meta": classifier.meta}, path)


def load_classifier(path: str | Path | None = None, device: torch.device | None = None,
                    data: str = "mnist") -> MNISTClassifier:
    """The classifier of the image data set ``data`` in eval mode on ``device`` (default
    :func:`gan_course.default_device`), with its ``meta``.

    ``path`` defaults to the weights shipped with the package, checked against :data:`WEIGHTS_SHA256`; files are read
    with ``torch.load(weights_only=True)``. Loading draws no random number, so building the metrics between
    ``seed_everything`` and a run leaves the run as it would be without them.
    """
    images = image_set(data)
    retrain = (f"retrain them with `python -m gan_course.metrics.classifier --data {data} --out <file>` (see "
               "gan_course.metrics.classifier)")
    if path is None:
        with resources.as_file(resources.files("gan_course.metrics") / "weights" / WEIGHTS[data]) as shipped:
            content = shipped.read_bytes()
        if hashlib.sha256(content).hexdigest() != WEIGHTS_SHA256[data]:
            raise ValueError(f"the shipped classifier weights {WEIGHTS[data]} do not have their recorded SHA-256 "
                             f"{WEIGHTS_SHA256[data]}: the file is damaged or was replaced; reinstall the package, or "
                             f"{retrain} and record the new sum")
        checkpoint = torch.load(io.BytesIO(content), map_location="cpu", weights_only=True)
    else:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no classifier weights at {path}; train them with "
                                    f"`python -m gan_course.metrics.classifier --data {data} --out {path}`")
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    meta = dict(checkpoint["meta"])
    if meta.get("data") != data:
        raise ValueError(f"the classifier weights {path or WEIGHTS[data]} are for {meta.get('data')!r}, not {data!r}: "
                         f"load them with data={meta.get('data')!r}, or {retrain}")
    if meta.get("role_seed") != images.role_seed or meta.get("role_sizes") != dict(images.role_sizes):
        raise ValueError(
            f"the classifier weights {path or WEIGHTS[data]} were trained on other images than the course's roles "
            f"(role seed {images.role_seed}, sizes {dict(images.role_sizes)}; the file says {meta.get('role_seed')}, "
            f"{meta.get('role_sizes')}): {retrain}"
        )
    with torch.device("meta"):  # no random initialisation: loading must not move torch's global random generator
        classifier = MNISTClassifier()
    classifier.load_state_dict(checkpoint["state_dict"], assign=True)
    classifier.meta = meta
    return classifier.to(device or default_device()).eval()


@functools.lru_cache(maxsize=8)
def _shipped(device: torch.device, data: str) -> MNISTClassifier:
    return load_classifier(device=device, data=data)


def shipped_classifier(device: torch.device | None = None, data: str = "mnist") -> MNISTClassifier:
    """The classifier of ``data`` shipped with the package on ``device`` (default :func:`gan_course.default_device`),
    loaded once per device and shared by the metrics; treat it as read-only (use :func:`load_classifier` for a
    copy)."""
    return _shipped(torch.device(device) if device is not None else default_device(), data)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gan_course.metrics.classifier",
                                     description="Train the course's classifier of an image data set, or evaluate "
                                                 "saved weights.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="train and write the weights to this file")
    action.add_argument("--evaluate", type=Path, help="print the held-out accuracy of the weights in this file")
    parser.add_argument("--data", choices=sorted(IMAGE_SETS), default="mnist", help="the image data set (default mnist)")
    parser.add_argument("--root", type=Path, help="data root holding MNIST/raw (default: gan_course's data folder)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out is not None:
        classifier = train_classifier(args.root, epochs=args.epochs, seed=args.seed, data=args.data)
        save_classifier(classifier, args.out)
        meta = classifier.meta
        print(f"trained on the {meta['n_train']:,} images of the {args.data} classifier role in "
              f"{meta['training_seconds']:.0f} s; wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, "
              f"SHA-256 {hashlib.sha256(args.out.read_bytes()).hexdigest()})")
    else:
        classifier = load_classifier(args.evaluate, data=args.data)
    held_out = heldout_digits(args.root, args.data)
    print(f"held-out accuracy: {accuracy(classifier, held_out):.2%} on the {len(held_out):,} images of the {args.data} "
          f"reference role (it did not train on them)")
    names = image_set(args.data).classes
    print("most frequent errors: " + "; ".join(f"{names[true]} read as {names[guess]} ({count:,})"
                                               for count, true, guess in confusions(classifier, held_out)[:3]))


if __name__ == "__main__":
    main()
