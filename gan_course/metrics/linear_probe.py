r"""The discriminator as a feature extractor, measured by a linear classifier trained on few labels.

Radford, Metz & Chintala (2016), Section 5.1, use a trained DCGAN discriminator as a fixed feature extractor: "we use
the discriminator's convolutional features from all layers, maxpooling each layer's representation to produce a
4 × 4 spatial grid. These features are then flattened and concatenated", and train a regularised linear model on
them. Their discriminator was trained on ImageNet-1k and probed on CIFAR-10, a dataset it never saw: 82.8% accuracy,
above the k-means-based features and short of Exemplar CNNs' 84.3% (their Table 1). On SVHN with 1,000 labels a
supervised CNN of the same architecture had 28.87% error against the features' 22.48% (their Table 2). If
adversarial training taught D useful features, a linear classifier on them should beat one on raw pixels when labels
are scarce, and beat the same architecture with random weights (the control the course adds).

Where the paper fits an L2-SVM, the linear model here is regularised least-squares classification (Rifkin, Yeo &
Poggio 2003, who find it as accurate as the SVM): one ridge regression per class onto one-hot targets, on
standardised features, solved in closed form, predicting the class with the largest output. The ridge weight is
chosen by k-fold cross-validation on the labelled examples alone, so the test digits play no part in fitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.batch_statistics import batch_norm_mode

ACTIVATIONS = (nn.ReLU, nn.LeakyReLU)


@dataclass(frozen=True)
class ProbeResult:
    """Test accuracy of the linear probe, the ridge weight chosen by cross-validation, and the data sizes."""

    accuracy: float
    weight_decay: float
    n_train: int
    n_features: int

    def __str__(self) -> str:
        return (f"accuracy {100 * self.accuracy:.2f}% ({self.n_features} features, {self.n_train} labelled examples, "
                f"ridge weight {self.weight_decay:g})")


def discriminator_features(discriminator: nn.Module, images: Tensor, grid: int = 4, batch_size: int = 500,
                           batch_norm: str = "running") -> Tensor:
    """Every activation layer's output of ``discriminator`` on ``images``, max-pooled to ``grid`` x ``grid`` and
    concatenated (Radford et al. 2016, Section 5.1): shape (N, sum of channels x grid²), on the CPU.

    ``batch_norm="running"`` computes them in eval mode (batch norm on its running statistics); ``"batch"`` on
    batches of ``batch_size`` real digits with batch norm on each batch's statistics, the way D saw real digits in
    training (:mod:`gan_course.batch_statistics`; pass the training batch size). Neither changes D."""
    layers = [module for module in discriminator.modules() if isinstance(module, ACTIVATIONS)]
    if not layers:
        raise ValueError("the discriminator has no ReLU or LeakyReLU layers whose outputs could serve as features")
    if grid < 1:
        raise ValueError(f"grid must be a positive integer, got {grid}")
    mode = batch_norm_mode(batch_norm)
    device = next(discriminator.parameters()).device
    captured: list[Tensor] = []
    hooks = [
        layer.register_forward_hook(lambda module, inputs, output: captured.append(F.adaptive_max_pool2d(output, grid).flatten(1)))
        for layer in layers
    ]
    features = []
    try:
        with torch.no_grad(), mode(discriminator):
            for batch in images.split(batch_size):
                captured.clear()
                discriminator(batch.to(device))
                features.append(torch.cat(captured, 1).cpu())
    finally:
        for hook in hooks:
            hook.remove()
    return torch.cat(features)


def labelled_subset(labels: Tensor, per_class: int, seed: int = 0) -> Tensor:
    """Indices of ``per_class`` examples of each class, drawn at random with ``seed`` (the few labels of the probe)."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for label in labels.unique().tolist():
        candidates = (labels == label).nonzero().flatten()
        if len(candidates) < per_class:
            raise ValueError(f"class {label} has only {len(candidates)} examples, fewer than per_class={per_class}")
        chosen.append(candidates[torch.randperm(len(candidates), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values


def _ridge_path(features: Tensor, targets: Tensor, weights: Sequence[float]) -> list[tuple[Tensor, Tensor]]:
    r"""Ridge regressions with an intercept, $\min_{W, b} \|XW + b - Y\|^2 + \lambda \|W\|^2$, one per ``weight``
    ($\lambda$ is the weight times the mean squared row norm), from one eigendecomposition of the Gram matrix: of
    $X X^\top$ (the dual) when there are fewer examples than features, else of $X^\top X$."""
    x_mean, y_mean = features.mean(0), targets.mean(0)
    x, y = features - x_mean, targets - y_mean
    dual = x.shape[0] < x.shape[1]
    eigenvalues, eigenvectors = torch.linalg.eigh(x @ x.T if dual else x.T @ x)
    projected = eigenvectors.T @ (y if dual else x.T @ y)
    scale = float(x.pow(2).sum(1).mean())
    models = []
    for weight in weights:
        # (G + lambda I)^{-1} R = U diag(1 / (s + lambda)) U^T R, with G = U diag(s) U^T
        solved = eigenvectors @ (projected / (eigenvalues + weight * scale)[:, None])
        # dual: W = X^T (X X^T + lambda I)^{-1} Y;  primal: W = (X^T X + lambda I)^{-1} X^T Y
        w = x.T @ solved if dual else solved
        models.append((w, y_mean - x_mean @ w))
    return models


def _accuracy(model: tuple[Tensor, Tensor], features: Tensor, labels: Tensor) -> float:
    w, b = model
    return float(((features @ w + b).argmax(1) == labels).double().mean())


def linear_probe(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    weight_decays: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0, 10.0),
    folds: int = 5,
    seed: int = 0,
) -> ProbeResult:
    """Fit regularised least-squares classification on the labelled features, the ridge weight chosen by
    ``folds``-fold cross-validation among ``weight_decays``; return its accuracy on the test features."""
    if train_features.ndim != 2 or test_features.ndim != 2 or train_features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features must be (N, F) matrices with the same F, got {tuple(train_features.shape)} and "
                         f"{tuple(test_features.shape)}")
    if len(train_features) != len(train_labels) or len(test_features) != len(test_labels):
        raise ValueError("each feature matrix needs one label per row")
    if folds < 2 or len(train_labels) < folds:
        raise ValueError(f"folds must be at least 2 and at most the {len(train_labels)} labelled examples, got {folds}")
    mean, std = train_features.double().mean(0), train_features.double().std(0).clamp_min(1e-8)
    train_x, test_x = (train_features.double() - mean) / std, (test_features.double() - mean) / std
    n_classes = int(max(train_labels.max(), test_labels.max())) + 1
    targets = F.one_hot(train_labels, n_classes).double()
    order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed))
    parts = order.chunk(folds)
    correct = torch.zeros(len(weight_decays), dtype=torch.float64)
    for k, held in enumerate(parts):
        kept = torch.cat([part for j, part in enumerate(parts) if j != k])
        for i, model in enumerate(_ridge_path(train_x[kept], targets[kept], weight_decays)):
            correct[i] += _accuracy(model, train_x[held], train_labels[held]) * len(held)
    best = weight_decays[int(correct.argmax())]
    (model,) = _ridge_path(train_x, targets, [best])
    return ProbeResult(_accuracy(model, test_x, test_labels), best, len(train_x), train_x.shape[1])
