"""``make release``: student notebooks, otter-grader autograders and instructor notebooks, from the chapters.

Each chapter is turned into an otter-grader *master notebook* (Pyles et al., otter-grader's "Otter Assign" format:
raw ``# BEGIN QUESTION`` / ``# BEGIN SOLUTION`` / ``# BEGIN TESTS`` cells around each exercise), and ``otter assign``
makes from it, for that chapter,

- ``student/<chapter>/<chapter>.ipynb`` with ``tests/``: the chapter without solutions, with ``...`` stubs where the
  student writes code, a ``grader.check(...)`` cell after each autograded exercise (its public checks), and an install
  cell that on Colab installs the course's release with otter-grader and downloads the public checks;
- ``autograder/<chapter>-autograder.zip``: every check, public and hidden, for ``otter grade`` / ``otter run`` /
  Gradescope;
- ``instructor/<chapter>.ipynb``: the chapter with the answers, the written solutions and their rubrics.

The student notebooks are meant to be published at the root of a branch (``--student-branch``) of the course's
repository (``_config.yml``); their Colab badges and the checks they download point there.

    python -m tools.release --out release [--student-branch student] [--no-run-tests] [chapter ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from tools.colab import ROOT, Release, first_code_cell, read_release
from tools.exercises import (
    EXERCISE_TAGS,
    Exercise,
    chapters,
    parse_exercises,
    plain_exercise,
    plain_solution,
)

DEFAULT_STUDENT_BRANCH = "student"
REMOVED_TAGS = {*EXERCISE_TAGS, "remove-cell", "hide-input"}
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def markdown(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def cleaned(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a chapter cell without the book's and the exercise format's tags."""
    cell = copy.deepcopy(cell)
    tags = [tag for tag in cell.metadata.get("tags", []) if tag not in REMOVED_TAGS]
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)
    return cell


def _printed_expressions(node: ast.AST) -> list[ast.Expr]:
    """The expression statements that an interactive interpreter prints: those outside function and class bodies."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(child, ast.Expr) and not isinstance(child.value, ast.Constant):
            found.append(child)
        else:
            found += _printed_expressions(child)
    return found


def otter_case(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A check cell as an otter test case. Otter runs a case as a doctest, in the interpreter's interactive mode,
    where an expression statement with a value (``torch.manual_seed(0)``, also inside a loop) would print it and fail
    the case: such statements are assigned to ``_`` instead."""
    cell = cleaned(cell)
    lines = cell.source.split("\n")
    for node in _printed_expressions(ast.parse(cell.source)):
        line = lines[node.lineno - 1]
        lines[node.lineno - 1] = line[: node.col_offset] + "_ = " + line[node.col_offset :]
    cell.source = "\n".join(lines)
    return cell


def hidden_test(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = otter_case(cell)
    cell.source = f'""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n{cell.source}'
    return cell


def student_install_cell(release: Release, branch: str, chapter: str, public_tests: list[str]) -> str:
    """On Colab: the release's package with otter-grader and this chapter's public checks; then the grader."""
    tests_url = release.raw_url(branch, f"{chapter}/tests")
    return (
        "import sys\n"
        'if "google.colab" in sys.modules:  # on Colab: the course\'s package and the grader, and this chapter\'s checks\n'
        f'    %pip install --quiet "{release.requirement("grading")}"\n'
        "    import pathlib, urllib.request\n"
        '    pathlib.Path("tests").mkdir(exist_ok=True)\n'
        f"    for name in {public_tests!r}:\n"
        f'        urllib.request.urlretrieve(f"{tests_url}/{{name}}.py", f"tests/{{name}}.py")\n'
        "import otter\n"
        f'grader = otter.Notebook("{chapter}.ipynb", tests_dir="tests")'
    )


def written_question(name: str, points: int, prompt: nbformat.NotebookNode,
                     solution: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """A question graded by hand: its prompt, and the written solution with its rubric for the instructor."""
    return [
        raw(f"# BEGIN QUESTION\nname: {name}\nmanual: true\npoints: {points}"),
        prompt,
        raw("# BEGIN SOLUTION"),
        *solution,
        raw("# END SOLUTION"),
        raw("# END QUESTION"),
    ]


def question_cells(nb: nbformat.NotebookNode, exercise: Exercise, number: str) -> list[nbformat.NotebookNode]:
    """One exercise in otter's format: an autograded question, and a written one for its solution's rubric."""
    prompt = markdown(plain_exercise(nb.cells[exercise.prompt].source, number))
    solution = [markdown(plain_solution(nb.cells[exercise.solution].source))] if exercise.solution is not None else []
    if not exercise.autograded:
        return written_question(exercise.question, exercise.points, prompt, solution)
    written = exercise.rubric_points is not None
    cells = [
        raw(f"# BEGIN QUESTION\nname: {exercise.question}\npoints: {exercise.points}"),
        prompt,
        raw("# BEGIN SOLUTION"),
        *[cleaned(nb.cells[i]) for i in exercise.answers],
        *([] if written else solution),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        *[otter_case(nb.cells[i]) for i in exercise.checks],
        *[hidden_test(nb.cells[i]) for i in exercise.hidden_checks],
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]
    if written:
        parts = markdown(f"**Exercise {number}, written parts:** answer the parts that are not checked by code here.")
        cells += written_question(f"{exercise.question}_written", exercise.rubric_points, parts, solution)
    return cells


def master_notebook(path: Path, nb: nbformat.NotebookNode, exercises: list[Exercise], release: Release, branch: str,
                    run_tests: bool) -> nbformat.NotebookNode:
    """The otter-grader master notebook of the chapter ``nb`` (read from ``path``) with its ``exercises``."""
    number = int(path.stem.split("_", 1)[0])
    public = [e.question for e in exercises if e.autograded]
    config = {
        "name": path.stem,
        "init_cell": False,
        "check_all_cell": bool(public),
        "export_cell": {"pdf": False, "run_tests": False, "instructions": "Hand in the zip file this cell makes, as your instructor asks."},
        "tests": {"files": True},
        "run_tests": run_tests,
        "solutions_pdf": False,
        "requirements": [release.requirement()],
    }
    starts = {e.prompt: (k, e) for k, e in enumerate(exercises, 1)}
    owned = {i for e in exercises for i in e.cells}
    install = first_code_cell(nb)
    cells = [raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False))]
    for index, cell in enumerate(nb.cells):
        if cell is install:
            cells.append(nbformat.v4.new_code_cell(student_install_cell(release, branch, path.stem, public)))
        elif index in starts:
            k, exercise = starts[index]
            cells += question_cells(nb, exercise, f"{number}.{k}")
        elif index not in owned:
            cells.append(cleaned(cell))
    return nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(nb.metadata))


def add_badge(path: Path, url: str) -> None:
    """Put an 'Open in Colab' badge for the student notebook at its top."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, markdown(f"[![Open In Colab]({BADGE})]({url})"))
    nbformat.write(nb, path)


def release_chapter(path: Path, out: Path, release: Release, branch: str, run_tests: bool) -> dict:
    """Run otter assign on one chapter's master notebook and file its three outputs under ``out``."""
    from otter.assign import main as otter_assign

    nb = nbformat.read(path, as_version=4)
    exercises = parse_exercises(nb, path.stem)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        master = work / "master" / path.name
        master.parent.mkdir()
        nbformat.write(master_notebook(path, nb, exercises, release, branch, run_tests), master)
        dist = work / "dist"
        otter_assign(str(master), str(dist), no_run_tests=not run_tests)
        student = out / "student" / path.stem
        shutil.copytree(dist / "student", student)
        add_badge(student / path.name, release.colab_url(branch, f"{path.stem}/{path.name}"))
        (out / "instructor").mkdir(parents=True, exist_ok=True)
        shutil.copy(dist / "autograder" / path.name, out / "instructor" / path.name)
        (out / "autograder").mkdir(parents=True, exist_ok=True)
        (zip_file,) = (dist / "autograder").glob("*.zip")
        shutil.copy(zip_file, out / "autograder" / f"{path.stem}-autograder.zip")
    return {
        "chapter": path.stem,
        "exercises": len(exercises),
        "autograded": sum(e.autograded for e in exercises),
        "autograded_points": sum(e.points for e in exercises if e.autograded),
        "written_points": sum(e.rubric_points or 0 for e in exercises),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter notebooks (default: every chapter)")
    parser.add_argument("--out", type=Path, default=ROOT / "release", help="the release folder (replaced)")
    parser.add_argument("--student-branch", default=DEFAULT_STUDENT_BRANCH,
                        help="the branch of the course's repository the student folder is published on")
    parser.add_argument("--no-run-tests", action="store_true",
                        help="skip otter's check that each instructor notebook passes all its tests")
    args = parser.parse_args(argv)
    release = read_release()
    paths = args.chapters or chapters(ROOT / "book")
    if args.out.exists():
        if not (args.out / "release.json").is_file():
            parser.error(f"--out {args.out} exists and is not a release folder; name a new or a release folder")
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    summary = []
    for path in paths:
        print(f"{path.stem}: otter assign ...", file=sys.stderr, flush=True)
        summary.append(release_chapter(path, args.out, release, args.student_branch, not args.no_run_tests))
    record = {"release": release.tag, "repository": release.url, "student_branch": args.student_branch,
              "chapters": summary}
    (args.out / "release.json").write_text(json.dumps(record, indent=1) + "\n")
    total = sum(s["exercises"] for s in summary)
    graded = sum(s["autograded"] for s in summary)
    print(f"{args.out}: {len(summary)} chapters, {graded} of {total} exercises autograded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
