"""The package's declared dependencies: pyproject.toml and environment.yml agree, and the torch pins admit 2.14.1."""

from __future__ import annotations

import tomllib

import yaml
from packaging.requirements import Requirement

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
