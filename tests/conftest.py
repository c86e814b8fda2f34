"""Shared test fixtures: a headless matplotlib backend and the offline MNIST files when this machine has them."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
MNIST_TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MNIST_SOURCES = (ROOT / "data" / "MNIST" / "raw", ROOT.parent / "shared" / "data" / "mnist")


@pytest.fixture
def mnist_test_split(tmp_path: Path) -> Path:
    """A data root whose MNIST/raw holds only the test split's .gz files (CI copies them from ../shared)."""
    for source in MNIST_SOURCES:
        if all((source / name).is_file() for name in MNIST_TEST_FILES):
            raw = tmp_path / "MNIST" / "raw"
            raw.mkdir(parents=True)
            for name in MNIST_TEST_FILES:
                shutil.copy(source / name, raw / name)
            return tmp_path
    pytest.skip("MNIST's test split is not on this machine (expected in data/MNIST/raw or ../shared/data/mnist)")
