"""The course's repository and release, set in one place (``_config.yml``), and the Colab install cells they imply.

``_config.yml``'s ``repository.url`` is the only place that names the repository; a fork changes it there. The
release tag is ``v`` + the package version in ``pyproject.toml``, and ``repository.branch`` names that tag, so the
book's Colab launch buttons open the notebooks of the release whose package their first cell installs.

    python -m tools.colab           # check that every chapter and _config.yml agree (exit 1 if not)
    python -m tools.colab --write   # rewrite the chapters' install cells and _config.yml's branch to agree
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from tools.exercises import chapters

ROOT = Path(__file__).resolve().parents[1]
GITHUB_RE = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)/?$")


@dataclass(frozen=True)
class Release:
    """The repository the course is published from and the tag of this release."""

    url: str
    tag: str
    package: str

    def __post_init__(self) -> None:
        if GITHUB_RE.match(self.url) is None:
            raise ValueError(
                f"_config.yml: repository.url {self.url!r} is not a GitHub repository URL "
                "(https://github.com/<owner>/<name>); Colab opens notebooks from GitHub only"
            )

    @property
    def owner_and_name(self) -> str:
        match = GITHUB_RE.match(self.url)
        return f"{match['owner']}/{match['name']}"

    def requirement(self, extras: str = "") -> str:
        """The pip requirement that installs this release's package from its tag."""
        return f"{self.package}{f'[{extras}]' if extras else ''} @ git+{self.url}@{self.tag}"

    def colab_url(self, branch: str, path: str) -> str:
        return f"https://colab.research.google.com/github/{self.owner_and_name}/blob/{branch}/{path}"

    def raw_url(self, branch: str, path: str) -> str:
        return f"https://raw.githubusercontent.com/{self.owner_and_name}/{branch}/{path}"


def read_release(root: Path = ROOT) -> Release:
    """The release described by ``_config.yml`` (repository) and ``pyproject.toml`` (package name and version)."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    return Release(url=config["repository"]["url"], tag=f"v{project['version']}", package=project["name"])


def install_cell(release: Release) -> str:
    """A chapter's first code cell: on Colab it installs the release's package; elsewhere it does nothing."""
    return (
        "import sys\n"
        'if "google.colab" in sys.modules:  # on Colab: install this course\'s package (elsewhere it is already installed)\n'
        f'    %pip install --quiet "{release.requirement()}"'
    )


def first_code_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if cell.cell_type == "code")


def disagreements(root: Path = ROOT) -> list[str]:
    """Every place that does not agree with ``_config.yml`` and the package version, one line each."""
    release = read_release(root)
    problems = []
    config = yaml.safe_load((root / "_config.yml").read_text())
    if config["repository"].get("branch") != release.tag:
        problems.append(
            f"_config.yml: repository.branch is {config['repository'].get('branch')!r}, not the release tag "
            f"{release.tag!r}; the launch buttons would open other notebooks than the package installed"
        )
    expected = install_cell(release)
    for path in chapters(root / "book"):
        cell = first_code_cell(nbformat.read(path, as_version=4))
        if cell.source != expected:
            problems.append(f"{path.name}: its first code cell is not the install cell for {release.requirement()}")
    return problems


def write(root: Path = ROOT) -> list[str]:
    """Make the chapters' install cells and ``_config.yml``'s branch agree; the files changed."""
    release = read_release(root)
    changed = []
    config_path = root / "_config.yml"
    text = config_path.read_text()
    block = re.search(r"^repository:\n(?:[ \t]+.*\n)+", text, re.M)
    new_block = re.sub(r"^([ \t]+branch:).*$", rf"\1 {release.tag}", block.group(0), flags=re.M)
    if new_block != block.group(0):
        config_path.write_text(text[: block.start()] + new_block + text[block.end() :])
        changed.append("_config.yml")
    for path in chapters(root / "book"):
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        if cell.source != install_cell(release):
            cell.source = install_cell(release)
            nbformat.write(nb, path)
            changed.append(str(path.relative_to(root)))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite what disagrees instead of reporting it")
    args = parser.parse_args(argv)
    if args.write:
        for name in write():
            print(f"updated {name}")
        return 0
    problems = disagreements()
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
