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
