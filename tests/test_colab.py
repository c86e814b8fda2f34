"""Colab: the repository is named in one place (_config.yml), and the install cells and launch buttons agree with it."""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pytest
from packaging.requirements import Requirement

from conftest import ROOT
from tools.colab import Release, disagreements, first_code_cell, install_cell, read_release, write
from tools.exercises import chapters


def test_every_chapter_and_the_launch_buttons_agree_with_config_and_version():
    assert disagreements() == []


def test_the_install_cell_pins_the_release_tag_of_this_package():
    release = read_release()
    requirement = Requirement(release.requirement())
    assert requirement.name == "gan-course"
    assert requirement.url == f"git+{release.url}@{release.tag}"
    assert release.tag.startswith("v") and release.tag[1:].count(".") == 2


def test_no_other_committed_file_names_the_repository():
    owner_and_name = read_release().owner_and_name
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    naming = sorted(name for name in files if not name.endswith((".pt", ".gz", ".png"))
                    and owner_and_name in (ROOT / name).read_text(errors="ignore"))
    allowed = {"_config.yml", *(f"book/{p.name}" for p in chapters(ROOT / "book"))}
    assert set(naming) <= allowed, f"name the repository only in _config.yml: {sorted(set(naming) - allowed)}"


@pytest.fixture
def fork(tmp_path):
    """A copy of the files that name the repository, as a fork would have them."""
    for name in ("_config.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "book").mkdir()
    for path in chapters(ROOT / "book")[:2]:
        shutil.copy(path, tmp_path / "book" / path.name)
    return tmp_path


def test_a_fork_changes_the_url_in_one_place_and_write_brings_the_rest_along(fork):
    config = fork / "_config.yml"
    config.write_text(config.read_text().replace(read_release().url, "https://github.com/someone/gan-fork"))
    problems = disagreements(fork)
    assert len(problems) == 2 and all("gan-fork" in line for line in problems)
    assert sorted(write(fork)) == sorted(f"book/{p.name}" for p in chapters(fork / "book"))
    assert disagreements(fork) == []
    cell = first_code_cell(nbformat.read(chapters(fork / "book")[0], as_version=4))
    assert '"gan-course @ git+https://github.com/someone/gan-fork@v' in cell.source


def test_a_new_version_moves_the_tag_and_the_launch_buttons(fork):
    pyproject = fork / "pyproject.toml"
    version = read_release().tag[1:]
    pyproject.write_text(pyproject.read_text().replace(f'version = "{version}"', 'version = "9.8.7"'))
    assert any("'v9.8.7'" in line for line in disagreements(fork))
    assert "_config.yml" in write(fork)
    assert "branch: v9.8.7" in (fork / "_config.yml").read_text() and disagreements(fork) == []


def test_a_url_colab_cannot_open_is_refused():
    with pytest.raises(ValueError, match="not a GitHub repository URL"):
        Release(url="https://gitlab.com/a/b", tag="v1.0.0", package="gan-course")


def test_the_install_cell_does_nothing_off_colab():
    release = read_release()
    source = install_cell(release).replace("%pip", "raise SystemExit  # %pip")
    exec(compile(source, "<install cell>", "exec"), {})
