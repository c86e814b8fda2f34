"""The book: every chapter in the table of contents is committed executed and portable, and the book builds
offline with no Sphinx warning."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ROOT
from tools.exercises import exercise_section
from tools.run_times import run_minutes


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


CHAPTERS = [ROOT / f"{name}.ipynb" for name in _toc_files() if (ROOT / f"{name}.ipynb").is_file()]


def _first_markdown(chapter: Path) -> str:
    """The chapter's first markdown cell, which holds its title and its "In this chapter" box."""
    return "".join(next(c for c in json.loads(chapter.read_text())["cells"] if c["cell_type"] == "markdown")["source"])


def _code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_every_toc_entry_exists_and_there_is_a_chapter():
    for name in _toc_files():
        assert (ROOT / f"{name}.ipynb").is_file() or (ROOT / f"{name}.md").is_file(), name
    assert CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_committed_executed_without_errors(chapter):
    cells = _code_cells(chapter)
    assert all(c.get("execution_count") is not None for c in cells), "re-run `make execute` and commit the outputs"
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    counts = [c["execution_count"] for c in cells]
    assert counts == sorted(counts), "cells were executed out of order: run the whole notebook top to bottom"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_installs_on_colab_and_names_no_device(chapter):
    cells = _code_cells(chapter)
    first = "".join(cells[0]["source"])
    assert '"google.colab" in sys.modules' in first and "pip install" in first
    for cell in cells:
        source = "".join(cell["source"])
        assert not re.search(r"""["']cuda|["']cpu["']|\.cuda\(\)""", source), f"device named in a cell:\n{source}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_checked_cells_show_no_progress_bar(chapter):
    """nbval compares the outputs of cells marked NBVAL_CHECK_OUTPUT; a progress bar there (a widget, or tqdm's text
    on stderr) would make the comparison depend on timing. Bars appear by amount of work (gan_course.progress), so
    what the committed run shows is what every run shows."""
    for cell in _code_cells(chapter):
        if "NBVAL_CHECK_OUTPUT" not in "".join(cell["source"]):
            continue
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), "".join(cell["source"])
            text = "".join(output.get("text", "")) if output.get("name") == "stderr" else ""
            assert "it/s]" not in text and "%|" not in text, "".join(cell["source"])


# what a committed output must not show: a folder of the machine that executed the chapter, or a network error
MACHINE_TRACES = re.compile(
    r"(?<![\w.~])/(?:tmp|work|home|root|Users|usr|opt|var|mnt|private|srv)/"  # an absolute POSIX path
    r"|\b[A-Za-z]:\\{1,2}\w"  # a Windows drive, printed or in a repr
    r"|site-packages|ipykernel_\d|urlopen error|\[Errno -?\d+\]|Name or service not known"
    r"|Temporary failure in name resolution|Connection refused"
)
BASE64 = re.compile(r"[A-Za-z0-9+/=]{200,}")  # embedded images and animation frames: not text, skipped


def _output_texts(output: dict) -> list[str]:
    texts = ["".join(output.get("text", "")), "\n".join(output.get("traceback", []))]
    for kind, value in output.get("data", {}).items():
        if kind.startswith("text/") or kind.endswith("json"):
            texts.append(value if isinstance(value, str) else json.dumps(value) if not isinstance(value, list)
                         else "".join(value))
    return [BASE64.sub("", text) for text in texts if text]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_committed_outputs_name_no_path_of_the_machine_and_no_network_error(chapter):
    found = []
    for number, cell in enumerate(_code_cells(chapter)):
        for output in cell.get("outputs", []):
            for text in _output_texts(output):
                found += [f"code cell {number}: ...{text[max(0, m.start() - 60):m.end() + 40]}..."
                          for m in MACHINE_TRACES.finditer(text)]
    assert not found, "\n".join(found)


def test_the_machine_trace_scan_finds_what_it_is_for():
    assert all(MACHINE_TRACES.search(text) for text in (
        "/tmp/ipykernel_10532/1075972284.py:1: MNISTTestSplitWarning", "root='/work/main/data'",
        "C:\\Users\\me", "<urlopen error [Errno -2] Name or service not known>", "/home/me/.venv/lib"))
    assert not any(MACHINE_TRACES.search(text) for text in (
        "gan_course.data.load_mnist:0: MNISTTestSplitWarning", "MNIST/raw under $GAN_COURSE_DATA", "runs/dcgan-mnist",
        "D(x)/D(G(z))", "https://ossci-datasets.s3.amazonaws.com/mnist/", "1/2 of the steps"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_that_trains_on_mnist_scores_with_the_one_protocol(chapter):
    """Numbers from different chapters stand side by side only if every MNIST model is scored the same way."""
    source = "\n".join("".join(cell["source"]) for cell in _code_cells(chapter))
    if "load_mnist()" in source:
        assert "MNISTEvaluation(" in source, f"{chapter.name} trains on MNIST but does not score with MNISTEvaluation"


def test_book_builds_offline_without_warnings(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(tmp_path),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    html = tmp_path / "_build" / "html"
    for name in _toc_files():
        assert (html / f"{name}.html").is_file(), name
    for chapter in CHAPTERS:
        page = (html / chapter.relative_to(ROOT).with_suffix(".html")).read_text()
        assert "<img" in page, f"{chapter.name} renders no figure"
        assert re.search(r'<span class="caption-number">Fig\. \d+\.\d+ </span>', page), f"{chapter.name}: no numbered figure"
        assert "colab.research.google.com" in page, f"{chapter.name} has no Colab launch button"
        assert 'class="solution admonition"' not in page, f"{chapter.name} shows a solution: add :class: dropdown"


def _title(path: Path) -> str:
    if path.suffix == ".md":
        text = path.read_text()
    else:
        text = "".join(next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown")["source"])
    return next(line for line in text.splitlines() if line.startswith("# "))[2:]


def test_links_to_a_chapter_whose_title_holds_math_give_their_own_text():
    """{doc}`name` shows the target's title as link text, where TeX is not rendered: `$\\chi^2$` would appear raw."""
    with_math = {path.stem for path in CHAPTERS if "$" in _title(path)}
    assert "03_js_and_chi2" in with_math
    for chapter in CHAPTERS:
        text = "\n".join("".join(c["source"]) for c in json.loads(chapter.read_text())["cells"] if c["cell_type"] == "markdown")
        bare = [name for name in re.findall(r"\{doc\}`([^`<>]+)`", text) if name.strip() in with_math]
        assert not bare, f"{chapter.name} links to {bare} by title; write {{doc}}`plain text <{bare[0]}>`"


def _figure_cells(path: Path) -> list[dict]:
    """The code cells before the exercises whose outputs hold an image."""
    nb = nbformat.read(path, as_version=4)
    first, _ = exercise_section(nb)
    return [c for c in nb.cells[:first] if c["cell_type"] == "code"
            and any(k.startswith("image/") for o in c.get("outputs", []) for k in o.get("data", {}))]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_its_code_behind_a_toggle_and_a_caption(chapter):
    for cell in _figure_cells(chapter):
        tags = cell["metadata"].get("tags", [])
        head = "".join(cell["source"])[:80]
        assert "hide-input" in tags or "remove-input" in tags, f"{chapter.name}: hide the plotting code of {head!r}"
        figure = cell["metadata"].get("mystnb", {}).get("figure", {})
        assert len(figure.get("caption", "")) >= 20, f"{chapter.name}: give the figure of {head!r} a caption"
        images = sum(k.startswith("image/") for o in cell["outputs"] for k in o.get("data", {}))
        assert "name" in figure, f"{chapter.name}: name the figure of {head!r} so text can refer to it"
        assert images <= 1, (f"{chapter.name}: {head!r} draws {images} figures under one caption; draw each in its "
                             "own cell with its own caption")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_opens_with_what_it_teaches_needs_and_takes(chapter):
    first = _first_markdown(chapter)
    box = re.search(r"```\{admonition\} In this chapter\n(.*?)\n```", first, re.S)
    assert box, f"{chapter.name}: open with the 'In this chapter' box"
    for part in ("**You will learn**", "**Prerequisites:**", "**Run time:**", "CPU", "GPU"):
        assert part in box.group(1), f"{chapter.name}: the box lacks {part}"


def _box_prerequisites(chapter: Path) -> list[str]:
    """The chapters a chapter's box names as prerequisites (the targets of its {doc} links)."""
    first = _first_markdown(chapter)
    needs = re.search(r"\*\*Prerequisites:\*\*(.*?)(?:\n\n|\n\*\*|\Z)", first, re.S).group(1)
    return [link.split("<")[-1].rstrip(">").strip() for link in re.findall(r"\{doc\}`([^`]*)`", needs)]


def _reading_order(intro: str) -> list[str]:
    section = re.search(r"^## Reading order\n(.*?)(?=^## )", intro, re.S | re.M)
    assert section, "the introduction has a '## Reading order' section"
    listed = "\n".join(line for line in section.group(1).splitlines() if re.match(r"\d+\. |- |  ", line))
    return re.findall(r"\{doc\}`([^`<]+)`", listed)


def _order_violations(order: list[str]) -> list[str]:
    """Each chapter that the reading order puts before a prerequisite its box names."""
    return [f"{chapter.stem} needs {needed}, which the reading order puts after it"
            for chapter in CHAPTERS if chapter.stem in order
            for needed in _box_prerequisites(chapter) if order.index(needed) > order.index(chapter.stem)]


def test_the_introductions_reading_order_meets_every_chapters_prerequisites():
    order = _reading_order((ROOT / "book" / "intro.md").read_text())
    assert sorted(order) == sorted(chapter.stem for chapter in CHAPTERS if chapter.stem[:2].isdigit()), \
        "the reading order lists every chapter once"
    assert _order_violations(order) == []


def test_the_reading_order_check_finds_a_chapter_read_before_what_it_needs():
    intro = ("## Reading order\n\nText naming {doc}`01_minimax_game`.\n\n- {doc}`09_wgan` (9);\n"
             "- {doc}`07_progan` (7)\n\n## Next\n")
    assert _reading_order(intro) == ["09_wgan", "07_progan"]
    toc_order = [chapter.stem for chapter in CHAPTERS if chapter.stem[:2].isdigit()]
    assert "07_progan needs 09_wgan, which the reading order puts after it" in _order_violations(toc_order)


def _box_minutes(chapter: Path) -> float:
    """The run time a chapter's box states, in minutes (0.5 for 'under a minute')."""
    first = _first_markdown(chapter)
    stated = re.search(r"\*\*Run time:\*\* (under a minute|about (\d+) minutes) on a CPU", first)
    assert stated, f"{chapter.name}: the box states its run time as 'under a minute' or 'about N minutes' on a CPU"
    return 0.5 if stated.group(2) is None else float(stated.group(2))


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c.stem[:2].isdigit()], ids=lambda p: p.stem)
def test_the_boxs_run_time_is_the_one_recorded_in_the_outputs_shown(chapter):
    recorded = run_minutes(chapter)
    stated = _box_minutes(chapter)
    if recorded < 1:
        assert stated == 0.5, f"{chapter.name}: the outputs took {recorded:.2f} min; the box says {stated}"
    else:
        assert abs(stated - recorded) <= max(1.0, 0.15 * recorded), \
            f"{chapter.name}: the outputs took {recorded:.1f} min (python -m tools.run_times); the box says {stated}"


def test_the_introduction_names_every_chapter_that_takes_longer_than_ten_minutes():
    row = next(line for line in (ROOT / "book" / "intro.md").read_text().splitlines() if line.startswith("| `cpu` |"))
    named = set(re.findall(r"\{doc\}`([^`<]+)`", row))
    longer = {c.stem for c in CHAPTERS if c.stem[:2].isdigit() and _box_minutes(c) > 10}
    assert named == longer, f"the intro's cpu row names {sorted(named)}; the boxes say {sorted(longer)} exceed ten minutes"
