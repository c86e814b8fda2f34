"""`make release`: student notebooks without solutions whose checks fail on their stubs, instructor notebooks whose
answers pass every check, and otter-grader autograders — for every chapter."""

from __future__ import annotations

import doctest
import json
import re
import runpy
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from otter.assign.solutions import replace_solutions

from conftest import ROOT
from tools import release as release_tool
from tools.exercises import SOLUTION_RE, chapters, read_exercises, revealed_answers

CHAPTERS = chapters(ROOT / "book")
SOLUTION_BLOCK_RE = re.compile(r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION", re.S)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """The release folder, written by the Makefile's target as an instructor runs it."""
    out = tmp_path_factory.mktemp("release") / "release"
    subprocess.run(["make", "--no-print-directory", "release", f"RELEASE={out}", "RELEASE_FLAGS=--no-run-tests"],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return out


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells)


def test_release_holds_students_autograders_and_instructors_for_every_chapter(released):
    record = json.loads((released / "release.json").read_text())
    assert [c["chapter"] for c in record["chapters"]] == [p.stem for p in CHAPTERS]
    assert 2 * sum(c["autograded"] for c in record["chapters"]) >= sum(c["exercises"] for c in record["chapters"])
    for path in CHAPTERS:
        student = released / "student" / path.stem
        assert (student / path.name).is_file() and (released / "instructor" / path.name).is_file()
        with zipfile.ZipFile(released / "autograder" / f"{path.stem}-autograder.zip") as archive:
            tests = {Path(n).stem for n in archive.namelist() if n.startswith("tests/")}
        graded = {e.question for e in read_exercises(path) if e.autograded}
        assert tests == graded
        assert {p.stem for p in (student / "tests").glob("*.py")} == graded
    assert "release/" in (ROOT / ".gitignore").read_text().split()


def test_release_refuses_to_replace_a_folder_that_is_not_a_release(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_:
        release_tool.main(["--out", str(tmp_path), "--no-run-tests", str(CHAPTERS[0])])
    assert exit_.value.code == 2 and "is not a release folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_solution_text_or_code_survives_in_the_student_notebook(released, chapter):
    """Every line of an answer's solution part, of a hidden check and of a written solution is absent from the
    student's notebook and checks, unless the student is meant to see that line anyway (it is in the chapter outside
    the exercises, in a prompt, in an answer's stub or in a public check)."""
    nb = nbformat.read(chapter, as_version=4)
    exercises = read_exercises(chapter)
    own = {i for e in exercises for i in e.cells}
    visible = [cell.source for i, cell in enumerate(nb.cells) if i not in own]
    for exercise in exercises:
        visible.append(nb.cells[exercise.prompt].source)
        visible += ["\n".join(replace_solutions(nb.cells[i].source.split("\n"), "python")) for i in exercise.answers]
        visible += [nb.cells[i].source for i in exercise.checks]
    visible = "\n".join(visible)
    student_dir = released / "student" / chapter.stem
    student = _text(nbformat.read(student_dir / chapter.name, as_version=4))
    student += "\n".join(p.read_text() for p in (student_dir / "tests").glob("*.py"))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "{solution}", "**Rubric", "otter_assign_solution_cell"):
        assert marker not in student, marker
    for exercise in exercises:
        secret = []
        for i in exercise.answers:
            secret += [line for block in SOLUTION_BLOCK_RE.findall(nb.cells[i].source) for line in block.splitlines()]
        for i in exercise.hidden_checks:
            secret += nb.cells[i].source.splitlines()
        if exercise.solution is not None:
            secret += SOLUTION_RE.search(nb.cells[exercise.solution].source)["body"].splitlines()[1:]
        lines = {line.strip() for line in secret if len(line.strip()) >= 20 and line.strip() not in visible}
        assert lines or not secret, f"{exercise.label}: nothing of its solution could be looked for"
        leaked = sorted(line for line in lines if line in student)
        assert not leaked, f"{exercise.label}: solution text in the student release: {leaked[:3]}"


def _run(client: NotebookClient, nb: nbformat.NotebookNode, source: str) -> str:
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.append(cell)
    client.execute_cell(cell, len(nb.cells) - 1)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _results(client, nb, tests: Path, questions: list[str]) -> dict[str, list[bool]]:
    output = _run(client, nb, (
        "import json as _json, otter as _otter\n"
        f"_all = _otter.Notebook(tests_dir={str(tests)!r})\n"
        f"print('RESULTS', _json.dumps({{q: [r.passed for r in _all.check(q).test_case_results] for q in {questions!r}}}))"
    ))
    return json.loads(output.split("RESULTS", 1)[1])


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_notebook_runs_its_checks_fail_on_the_stubs_and_pass_on_the_answers(released, chapter, tmp_path,
                                                                                   monkeypatch):
    """The student notebook runs top to bottom; then every check, public and hidden, fails on its stubs. The
    instructor notebook is the same notebook with the answers in place of the stubs (checked cell by cell), so its
    answers are run in the same kernel, after which every check passes."""
    questions = [e.question for e in read_exercises(chapter) if e.autograded]
    folder = tmp_path / "student"
    shutil.copytree(released / "student" / chapter.stem, folder)
    with zipfile.ZipFile(released / "autograder" / f"{chapter.stem}-autograder.zip") as archive:
        archive.extractall(tmp_path / "autograder")
    student = nbformat.read(folder / chapter.name, as_version=4)
    instructor = nbformat.read(released / "instructor" / chapter.name, as_version=4)

    def tagged(cell, tag):
        return tag in cell.metadata.get("tags", [])

    assert [c.source for c in student.cells if c.cell_type == "code" and not tagged(c, "otter_answer_cell")] == [
        c.source for c in instructor.cells if c.cell_type == "code" and not tagged(c, "otter_assign_solution_cell")
    ]
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    client = NotebookClient(student, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        for index, cell in enumerate(student.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        if not questions:
            return
        on_stubs = _results(client, student, tmp_path / "autograder" / "tests", questions)
        passing = {q: r for q, r in on_stubs.items() if any(r)}
        assert not passing, f"checks that pass on the student's stubs (broken checks): {passing}"
        for cell in instructor.cells:
            if cell.cell_type == "code" and tagged(cell, "otter_assign_solution_cell"):
                _run(client, student, cell.source)
        on_answers = _results(client, student, tmp_path / "autograder" / "tests", questions)
        failing = {q: r for q, r in on_answers.items() if not all(r)}
        assert not failing and all(on_answers.values()), f"checks the instructor's answers fail: {failing}"


def test_the_autograder_gives_the_instructor_full_marks(released, tmp_path, monkeypatch):
    """The grading path of the README, `otter run` with the chapter's autograder zip (hidden checks included), on the
    chapter that runs fastest among those with autograded exercises; the student notebook's stubs failing every check
    is tested above."""
    chapter = ROOT / "book" / "05_transposed_convolution.ipynb"
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    autograder = released / "autograder" / f"{chapter.stem}-autograder.zip"
    shutil.copy(released / "instructor" / chapter.name, tmp_path / "submission.ipynb")
    subprocess.run([str(Path(sys.executable).parent / "otter"), "run", "-a", str(autograder), "--no-logo",
                    "-o", str(tmp_path), str(tmp_path / "submission.ipynb")], cwd=tmp_path, check=True,
                   capture_output=True, text=True)
    results = json.loads((tmp_path / "results.json").read_text())
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}
    assert set(scores) == {e.question for e in read_exercises(chapter) if e.autograded}
    assert all(score == maximum > 0 for score, maximum in scores.values())


def test_a_check_line_with_a_value_is_assigned_so_otters_doctest_does_not_print_it():
    cell = nbformat.v4.new_code_cell("import torch\ntorch.manual_seed(0)\nfor i in range(2):\n    with torch.no_grad():\n"
                                     "        torch.rand(1)\ndef f():\n    torch.rand(1)\n'''a note'''\nassert f() is None")
    assert release_tool.otter_case(cell).source == (
        "import torch\n_ = torch.manual_seed(0)\nfor i in range(2):\n    with torch.no_grad():\n        _ = torch.rand(1)\n"
        "def f():\n    torch.rand(1)\n'''a note'''\nassert f() is None"
    )


def _public_cases(student: Path) -> dict[str, list[str]]:
    """The code of every check case a student gets, by question: the cases of the student folder's tests/ files
    (otter's doctest format, ``>>> `` lines), without the hidden ones (otter assign leaves them out there)."""
    cases: dict[str, list[str]] = {}
    for path in sorted((student / "tests").glob("*.py")):
        test = runpy.run_path(str(path))["test"]
        codes = [case["code"] for suite in test["suites"] for case in suite["cases"] if not case.get("hidden")]
        cases[test["name"]] = ["".join(e.source for e in doctest.DocTestParser().get_examples(c)) for c in codes]
    return cases


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_public_check_in_the_student_release_states_its_answer(released, chapter):
    """A failing public check prints its assertion, and its source is in the student's tests/ folder: it must say what
    is wrong without the answer (tools.exercises.revealed_answers: no comparison of an answer with a constant beyond
    the allow-list of shapes, 0/1, the check's own inputs and tolerances, no number of the answer in a message)."""
    exercises = [e for e in read_exercises(chapter) if e.autograded]
    nb = nbformat.read(chapter, as_version=4)
    prompts = {e.question: nb.cells[e.prompt].source for e in exercises}
    cases = _public_cases(released / "student" / chapter.stem)
    assert set(cases) == set(prompts) and all(cases.values()), "every autograded exercise has its public checks"
    found = {f"{question}, case {n}": revealed_answers(code, prompts[question])
             for question, codes in cases.items() for n, code in enumerate(codes)}
    found = {where: why for where, why in found.items() if why}
    assert not found, f"public checks in the student release that state their answer: {found}"
