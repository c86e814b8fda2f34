"""The package's declared dependencies: pyproject.toml and environment.yml agree, and the torch pins admit 2.14.1."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from conftest import ROOT


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return {Requirement(r).name: str(Requirement(r).specifier) for r in requirements}


def _conda_requirements() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    lines = [line for line in pip_section if not line.startswith("-e")]
    return {Requirement(r).name: str(Requirement(r).specifier) for r in lines}


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    assert _conda_requirements() == _pyproject_requirements()


def test_torch_and_torchvision_pins_include_the_versions_the_course_is_tested_with():
    requirements = _pyproject_requirements()
    from packaging.specifiers import SpecifierSet

    assert "2.14.1" in SpecifierSet(requirements["torch"])
    assert "0.29.1" in SpecifierSet(requirements["torchvision"])


def test_jupyter_book_is_pinned_below_2():
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(_pyproject_requirements()["jupyter-book"])
    assert "1.0.4" in spec and "2.0.0" not in spec


def test_the_readme_maps_every_module_of_the_package():
    section = (ROOT / "README.md").read_text().split("## The package")[1].split("## Two commands")[0]
    package = ROOT / "gan_course"
    for path in sorted(package.rglob("*.py")):
        if path.stem in ("__init__", "__main__"):
            continue
        folder = path.parent.relative_to(package)
        assert f"`{path.stem}`" in section or f"`{folder}/{path.stem}`" in section, f"{path} is not in the README"
        if folder != Path("."):
            assert f"`{folder}/`" in section, f"the folder {folder} is not in the README"


def test_the_classifier_weights_and_the_pretrained_models_ship_with_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["gan_course"]
    shipped = {path.relative_to(ROOT / "gan_course").as_posix() for pattern in patterns
               for path in (ROOT / "gan_course").glob(pattern)}
    from gan_course.pretrained import CARDS

    checkpoints = {f"pretrained/weights/{name}{suffix}" for name in CARDS for suffix in (".pt", ".json")}
    from gan_course.metrics.classifier import WEIGHTS

    assert shipped == {f"metrics/weights/{name}" for name in WEIGHTS.values()} | checkpoints


def test_jupyterlab_comes_with_the_book_extra_and_starts():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "jupyterlab" in {Requirement(r).name for r in project["optional-dependencies"]["book"]}
    result = subprocess.run([sys.executable, "-m", "jupyterlab", "--version"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert Version(result.stdout.strip()).major == 4
    assert "make lab" in (ROOT / "book" / "intro.md").read_text() and "lab:" in (ROOT / "Makefile").read_text()
