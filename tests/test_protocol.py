"""The one evaluation protocol: fixed n, seed, reference and classifier; the same numbers as the separate metrics."""

from __future__ import annotations

import pytest
import torch

from gan_course.data import ROLE_SIZES, load_mnist_role
from gan_course.latent import Normal, Uniform
from gan_course.metrics import MNISTEvaluation, class_histogram, frechet_classifier_distance
from gan_course.metrics.protocol import N_SAMPLES
from gan_course.models import ConditionalMLPGenerator, MLPGenerator


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    import shutil

    from conftest import MNIST_SOURCES, MNIST_TEST_FILES

    for source in MNIST_SOURCES:
        if all((source / name).is_file() for name in MNIST_TEST_FILES):
            root = tmp_path_factory.mktemp("mnist")
            (root / "MNIST" / "raw").mkdir(parents=True)
            for name in MNIST_TEST_FILES:
                shutil.copy(source / name, root / "MNIST" / "raw" / name)
            return MNISTEvaluation(root, device=torch.device("cpu"))
    pytest.skip("MNIST's test split is not on this machine")


def test_the_protocol_scores_n_samples_against_the_reference_digits(evaluation):
    assert evaluation.n == N_SAMPLES == ROLE_SIZES["reference"] == len(evaluation.reference) == 2000
    assert evaluation.reference.role == "reference" and "2000 'reference' digits" in repr(evaluation)
    torch.manual_seed(0)
    generator = MLPGenerator(8, (1, 28, 28), hidden=(32,))
    score = evaluation(generator, progress=False)
    expected_fcd = frechet_classifier_distance(evaluation.statistics, generator, classifier=evaluation.classifier,
                                               n=2000, seed=0, progress=False)
    expected_histogram = class_histogram(generator, classifier=evaluation.classifier, n=2000, seed=0, progress=False)
    assert score.fcd == pytest.approx(expected_fcd, rel=1e-9) and score.histogram == expected_histogram
    assert score.n == 2000 and evaluation(generator, progress=False) == score  # the same seed, the same numbers
    uniform = evaluation(generator, prior=Uniform(8), progress=False)
    assert uniform.fcd != score.fcd and "Fréchet classifier distance" in str(score)


def test_the_floor_is_real_digits_that_are_not_the_reference(evaluation):
    gan_digits = load_mnist_role("gan", evaluation.reference.root)
    floor = evaluation.floor(gan_digits.images)
    assert floor.fcd < 2 and floor.histogram.classes_covered == 10
    assert evaluation.floor(evaluation.reference.images).fcd == pytest.approx(0, abs=1e-6)  # a copy of the reference
    with pytest.raises(ValueError, match="scores 2000 samples; got a tensor of 100"):
        evaluation(gan_digits.images[:100])


def test_label_accuracy_uses_a_tenth_of_n_per_label(evaluation):
    torch.manual_seed(0)
    generator = ConditionalMLPGenerator(8, 10, (1, 28, 28), hidden=(32,))
    accuracy = evaluation.label_accuracy(generator, progress=False)
    assert sum(accuracy.total) == 2000 and set(accuracy.total) == {200}
    with pytest.raises(ValueError, match="takes the prior of z alone"):
        from gan_course.latent import Labelled
        evaluation.label_accuracy(generator, prior=Labelled(Normal(8), 10))


def test_fidelity_tells_a_collapsed_set_from_a_blurred_one(evaluation):
    """Real digits not in the reference score high on all four; real digits of three classes only (a collapse that
    keeps each sample sharp) keep their precision and lose recall and coverage to about 3/10; the same digits under
    heavy noise (every class, none sharp) lose precision and density. The class histogram alone sees the first and
    the Fréchet distance cannot say which of the two it is."""
    root = evaluation.reference.root
    digits = [load_mnist_role(role, root) for role in ("gan", "classifier")]
    images, labels = torch.cat([d.images for d in digits]), torch.cat([d.labels for d in digits])
    real, real_spread = evaluation.fidelity(images[:N_SAMPLES])
    assert real.precision > 0.8 and real.recall > 0.8 and real_spread.coverage > 0.85
    assert real_spread.density == pytest.approx(1.0, abs=0.1)
    three = images[(labels == 0) | (labels == 1) | (labels == 7)]
    collapsed, collapsed_spread = evaluation.fidelity(three)
    assert collapsed.precision > 0.8 and collapsed.recall < 0.45 and collapsed_spread.coverage < 0.45
    noise = torch.randn(images[:N_SAMPLES].shape, generator=torch.Generator().manual_seed(0))
    blurred, blurred_spread = evaluation.fidelity((images[:N_SAMPLES] + 0.6 * noise).clamp(-1, 1))
    assert blurred.precision < 0.6 and blurred_spread.density < 0.5
    assert (real.n_real, real.n_fake, collapsed.k, collapsed_spread.k) == (2000, 2000, 3, 5)
