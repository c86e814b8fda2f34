"""Shared test fixtures: a headless matplotlib backend, the offline MNIST files when this machine has them, and a
stand-in for Colab's kernel module."""

from __future__ import annotations

import shutil
import sys
import types
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


def colab_module(state: dict) -> types.ModuleType:
    """A stand-in for Colab's kernel module ``google.colab``: ``_message.blocking_request("get_ipynb")`` answers with
    ``state["sent"]`` (raises it if it is an exception) and records the request in ``state["requests"]``;
    ``files.download`` records its path in ``state["downloaded"]``."""

    def blocking_request(kind, request="", timeout_sec=None):
        state["requests"].append((kind, timeout_sec))
        if isinstance(state["sent"], Exception):
            raise state["sent"]
        return {"ipynb": state["sent"]}

    module = types.ModuleType("google.colab")
    module._message = types.SimpleNamespace(blocking_request=blocking_request)
    module.files = types.SimpleNamespace(download=lambda path: state["downloaded"].append(path))
    return module


@pytest.fixture
def fake_colab(monkeypatch):
    """Colab's kernel module stood in for while a test runs (:func:`colab_module`); set ``state["sent"]``."""
    state = {"sent": None, "downloaded": [], "requests": []}
    if "google" not in sys.modules:
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab_module(state))
    return state
