"""`make release`: student notebooks without solutions whose checks fail on their stubs, instructor notebooks whose
answers pass every check, and otter-grader autograders — for every chapter."""

from __future__ import annotations

import doctest
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from otter.assign.solutions import replace_solutions

from conftest import ROOT, colab_module
from tools import release as release_tool
from tools.exercises import SOLUTION_RE, chapters, read_exercises, revealed_answers

CHAPTERS = chapters(ROOT / "book")
SOLUTION_BLOCK_RE = re.compile(r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION", re.S)


README_COMMANDS_RE = re.compile(r"<!-- instructor-commands -->\n```bash\n(.*?)```", re.S)
GRADED = ROOT / "book" / "05_transposed_convolution.ipynb"  # the fastest chapter with autograded exercises
README_CHAPTER = GRADED.stem  # <chapter> in the README's instructor commands
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Instructor", "GIT_AUTHOR_EMAIL": "instructor@example.org",
                "GIT_COMMITTER_NAME": "Instructor", "GIT_COMMITTER_EMAIL": "instructor@example.org"}


def instructor_commands() -> list[str]:
    """The commands of the README's instructor block, in order (comments left out)."""
    block = README_COMMANDS_RE.search((ROOT / "README.md").read_text())
    assert block, "README.md: the instructor's commands are a ```bash block after <!-- instructor-commands -->"
    return [line for line in block[1].splitlines() if line.strip() and not line.lstrip().startswith("#")]


def docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def instructor(tmp_path_factory) -> dict:
    """The README's instructor commands, run in order as written in a copy of this repository (its working tree
    committed, `origin` a local bare repository, this checkout's .venv and data), with <chapter> the fastest chapter
    with autograded exercises and <your repository> another local bare repository. Before the first command that
    reads submissions/, a student's finished notebook of that chapter is handed in there from Colab's JSON. `otter
    grade` runs where a Docker daemon answers. Returns the folders and what each command printed."""
    base = tmp_path_factory.mktemp("instructor")
    course, student_repository = base / "course", base / "student.git"
    env = {**os.environ, **GIT_IDENTITY, "GAN_COURSE_PROFILE": "fast"}

    def git(*args, cwd=course):
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, course / name)
    for shared in (".venv", "data"):
        shutil.rmtree(course / shared, ignore_errors=True)
        (course / shared).symlink_to(ROOT / shared, target_is_directory=True)
    stamp = (ROOT / ".venv" / ".installed").stat().st_mtime  # make must not rebuild the shared .venv
    os.utime(course / "pyproject.toml", (stamp - 1, stamp - 1))
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "The course, as an instructor has it")
    git("init", "-q", "--bare", str(base / "origin.git"), cwd=base)
    git("init", "-q", "--bare", str(student_repository), cwd=base)
    git("remote", "add", "origin", str(base / "origin.git"))
    git("push", "-q", "origin", "main")
    printed, skipped = {}, []
    for command in instructor_commands():
        if "submissions/" in command and not (course / "submissions").exists():
            (course / "submissions").mkdir()
            _hand_in_from_colab(course / "release", course / "submissions")
        if "otter grade" in command and not docker_answers():
            skipped.append(command)
            continue
        line = command.replace("<chapter>", README_CHAPTER).replace("<your repository>", str(student_repository))
        done = subprocess.run(["bash", "-c", line], cwd=course, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"README command failed: {command}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        printed[command] = done.stdout + done.stderr
    return {"course": course, "origin": base / "origin.git", "student": student_repository, "printed": printed,
            "skipped": skipped}


@pytest.fixture(scope="module")
def released(instructor) -> Path:
    """The release folder that the README's `make release` wrote."""
    return instructor["course"] / "release"


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
        release_tool.main(["--out", str(tmp_path), "--no-run-tests", "--draft", str(CHAPTERS[0])])
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
    """The student notebook runs top to bottom, its hand-in cell included; then every check, public and hidden, fails
    on its stubs. The instructor notebook is the same notebook with the answers in place of the stubs (checked cell by
    cell), so its answers are run in the same kernel, after which every check passes."""
    questions = [e.question for e in read_exercises(chapter) if e.autograded]
    folder = tmp_path / "student"
    shutil.copytree(released / "student" / chapter.stem, folder)
    with zipfile.ZipFile(released / "autograder" / f"{chapter.stem}-autograder.zip") as archive:
        archive.extractall(tmp_path / "autograder")
    student = nbformat.read(folder / chapter.name, as_version=4)
    instructor = nbformat.read(released / "instructor" / chapter.name, as_version=4)

    def tagged(cell, tag):
        return tag in cell.metadata.get("tags", [])

    assert [c.source for c in student.cells if c.cell_type == "code"
            and not tagged(c, "otter_answer_cell") and not tagged(c, "otter_ignore")] == [
        c.source for c in instructor.cells if c.cell_type == "code" and not tagged(c, "otter_assign_solution_cell")
    ]
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / chapter.name))  # as Jupyter server starts a notebook's kernel
    client = NotebookClient(student, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        for index, cell in enumerate(student.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        assert (folder / f"{chapter.stem}-submission.ipynb").is_file(), "the last cell hands the notebook in"
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


def _otter_run(autograder: Path, submission: Path, out: Path) -> tuple[dict[str, tuple[float, float]], str]:
    """`otter run` as the README gives it: the scores by question (score, maximum), and what otter printed."""
    done = subprocess.run([str(Path(sys.executable).parent / "otter"), "run", "-a", str(autograder), "--no-logo",
                           "-o", str(out), str(submission)], cwd=out, check=True, capture_output=True, text=True)
    results = json.loads((out / "results.json").read_text())
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}, done.stdout + done.stderr


def _worked(released: Path, chapter: Path) -> nbformat.NotebookNode:
    """The student notebook with the instructor's answers in place of its stubs: a student's finished work."""
    student = nbformat.read(released / "student" / chapter.stem / chapter.name, as_version=4)
    instructor = nbformat.read(released / "instructor" / chapter.name, as_version=4)
    stubs = [c for c in student.cells if c.cell_type == "code" and "otter_answer_cell" in c.metadata.get("tags", [])]
    answers = [c.source for c in instructor.cells
               if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    assert len(stubs) == len(answers) > 0
    for stub, answer in zip(stubs, answers):
        stub.source = answer
    return student


def _hand_in_cell(released: Path, chapter: Path) -> str:
    """The source of the student notebook's hand-in cell: its last cell, which grading skips (``otter_ignore``)."""
    student = nbformat.read(released / "student" / chapter.stem / chapter.name, as_version=4)
    last = student.cells[-1]
    assert last.cell_type == "code" and last.metadata.get("tags") == ["otter_ignore"]
    assert "grader.export" not in _text(student), "otter's export does not run on Colab: the notebook hands in itself"
    return last.source


def test_the_autograder_gives_the_instructor_full_marks(released, tmp_path, monkeypatch):
    """The grading path of the README, `otter run` with the chapter's autograder zip (hidden checks included); the
    student notebook's stubs failing every check is tested above."""
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    shutil.copy(released / "instructor" / GRADED.name, tmp_path / "submission.ipynb")
    scores, _ = _otter_run(released / "autograder" / f"{GRADED.stem}-autograder.zip", tmp_path / "submission.ipynb",
                           tmp_path)
    assert set(scores) == {e.question for e in read_exercises(GRADED) if e.autograded}
    assert all(score == maximum > 0 for score, maximum in scores.values())


def _colab_json(worked: nbformat.NotebookNode) -> dict:
    """A notebook as Colab's browser sends it (``get_ipynb``): nbformat 4.0, no cell ids, sources as lists of lines,
    Colab's notebook metadata (otter's assignment name gone) and no cell tags kept."""
    sent = json.loads(nbformat.writes(worked))
    sent["nbformat_minor"] = 0
    sent["metadata"] = {"colab": {"provenance": [], "name": f"Copy of {GRADED.name}"}, "accelerator": "GPU",
                        "kernelspec": {"name": "python3", "display_name": "Python 3"},
                        "language_info": {"name": "python"}}
    for n, cell in enumerate(sent["cells"]):
        cell.pop("id", None)
        cell["metadata"] = {"id": f"cell{n}"}
        if isinstance(cell["source"], str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    return sent


def _hand_in_from_colab(released: Path, folder: Path) -> Path:
    """A student's finished notebook of GRADED, handed in from Colab by the notebook's own last cell into ``folder``
    (Colab's kernel module stood in for by tests/conftest.py's ``colab_module``)."""
    state = {"sent": _colab_json(_worked(released, GRADED)), "downloaded": [], "requests": []}
    here = Path.cwd()
    # only these two entries are put back afterwards: restoring all of sys.modules (mock.patch.dict) would drop the
    # modules the cell imported first, torch among them, and importing torch a second time crashes the process
    saved = {name: sys.modules.get(name) for name in ("google", "google.colab")}
    sys.modules["google.colab"] = colab_module(state)
    sys.modules.setdefault("google", types.ModuleType("google"))
    try:
        os.chdir(folder)
        exec(_hand_in_cell(released, GRADED), {})
    finally:
        os.chdir(here)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    submission = folder / f"{GRADED.stem}-submission.ipynb"
    assert state["downloaded"] == [submission.name] and submission.is_file()
    return submission


def test_every_command_the_readme_gives_an_instructor_runs(instructor):
    """The README's commands, run in the fixture: the tag pushed and naming the released commit, the student branch
    published, and the Colab hand-in graded by `otter run` with full marks, hidden checks included."""
    course = instructor["course"]
    record = json.loads((course / "release" / "release.json").read_text())
    assert record["release"] == release_tool.read_release().tag and record["draft"] is False
    tagged = subprocess.run(["git", "rev-parse", f"{record['release']}^{{commit}}"], cwd=instructor["origin"],
                            capture_output=True, text=True, check=True).stdout
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=course, capture_output=True, text=True, check=True).stdout
    assert tagged == head
    published = subprocess.run(["git", "ls-tree", "-r", "--name-only", "student"], cwd=instructor["student"],
                               capture_output=True, text=True, check=True).stdout.split()
    assert f"{README_CHAPTER}/{README_CHAPTER}.ipynb" in published and "release.json" not in published
    results = json.loads((course / "grades" / "results.json").read_text())
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"] if "score" in t}
    assert set(scores) == {e.question for e in read_exercises(GRADED) if e.autograded}
    assert all(score == maximum > 0 for score, maximum in scores.values()), scores
    otter_run = next(printed for command, printed in instructor["printed"].items() if "otter run" in command)
    assert "differs from logged score" not in otter_run and "No log found" in otter_run
    if not instructor["skipped"]:
        assert (course / "grades" / "final_grades.csv").is_file()
    assert all("otter grade" in command for command in instructor["skipped"])


def test_a_notebook_handed_in_from_colab_is_graded_end_to_end(released, tmp_path, monkeypatch):
    """A student's finished notebook as Colab sends it, handed in by the notebook's own last cell, then graded by `otter
    run` with the autograder zip: full marks, hidden checks included, and no complaint about a log."""
    submission = _hand_in_from_colab(released, tmp_path)
    handed = nbformat.read(submission, as_version=4)
    assert handed.metadata.otter.assignment_name == GRADED.stem and "colab" in handed.metadata
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    scores, printed = _otter_run(released / "autograder" / f"{GRADED.stem}-autograder.zip", submission, tmp_path)
    assert set(scores) == {e.question for e in read_exercises(GRADED) if e.autograded}
    assert all(score == maximum > 0 for score, maximum in scores.values()), scores
    assert "differs from logged score" not in printed


def test_a_renamed_copy_hands_in_the_students_work_not_the_original(released, tmp_path, monkeypatch):
    """In Jupyter the hand-in cell copies the notebook the kernel runs (Jupyter server names it), so a student who
    works in a renamed copy hands in that copy; the install cell opens otter's grader without a file name."""
    folder = tmp_path / "student"
    shutil.copytree(released / "student" / GRADED.stem, folder)
    original = folder / GRADED.name
    install = next(c for c in nbformat.read(original, as_version=4).cells if c.cell_type == "code")
    assert 'otter.Notebook(tests_dir="tests")' in install.source
    copy = folder / "transposed convolution - my answers.ipynb"
    nbformat.write(_worked(released, GRADED), copy)
    monkeypatch.setenv("JPY_SESSION_NAME", str(copy))
    monkeypatch.chdir(folder)
    exec(_hand_in_cell(released, GRADED), {})
    submission = folder / f"{GRADED.stem}-submission.ipynb"
    assert submission.read_bytes() == copy.read_bytes() != original.read_bytes()


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


def test_a_release_is_refused_unless_its_tag_names_the_commit_checked_out(tmp_path):
    """`make release` checks the tag the install cells name: missing, on another commit, or with uncommitted changes,
    it says in one line what to run; on the tagged commit it has nothing to say."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("one")
    git("add", "a.txt")
    git("commit", "-qm", "one")
    assert "git tag -a v9.9.9 -m 'Release v9.9.9'" in release_tool.tag_problem("v9.9.9", tmp_path)
    git("tag", "-a", "v9.9.9", "-m", "Release v9.9.9")
    assert release_tool.tag_problem("v9.9.9", tmp_path) is None
    (tmp_path / "a.txt").write_text("two")
    assert "1 tracked files differ from the commit tagged v9.9.9" in release_tool.tag_problem("v9.9.9", tmp_path)
    git("commit", "-qam", "two")
    assert "points at" in release_tool.tag_problem("v9.9.9", tmp_path)
    assert "git checkout v9.9.9" in release_tool.tag_problem("v9.9.9", tmp_path)


def test_make_release_without_the_tag_stops_before_writing_anything(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(release_tool, "tag_problem", lambda tag, root=ROOT: f"the tag {tag} does not exist")
    with pytest.raises(SystemExit) as exit_:
        release_tool.main(["--out", str(tmp_path / "release"), str(CHAPTERS[0])])
    assert exit_.value.code == 2 and "the tag v" in capsys.readouterr().err
    assert not (tmp_path / "release").exists()
