"""The hand-in of an exercise notebook (gan_course.handin): on Colab the notebook the browser holds, in Jupyter the
file the kernel runs, whatever its name; a clear error where neither can be found. Grading what it hands in is tested
in tests/test_release.py."""

from __future__ import annotations

import json

import nbformat
import pytest

from gan_course import handin
from gan_course.handin import HandInError, hand_in


def _notebook(text: str) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"answer = {text!r}")])
    return json.loads(nbformat.writes(nb))


@pytest.fixture
def colab(fake_colab):
    fake_colab["sent"] = _notebook("in the browser")
    return fake_colab


def test_on_colab_the_notebook_the_browser_holds_is_written_and_downloaded(colab, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "06_dcgan.ipynb").write_text(json.dumps(_notebook("the file on disk")))  # not what is handed in
    path = hand_in("06_dcgan")
    assert path.name == "06_dcgan-submission.ipynb" and colab["downloaded"] == [str(path)]
    assert colab["requests"][0][0] == "get_ipynb"
    handed = nbformat.read(path, as_version=4)
    assert handed.cells[0].source == "answer = 'in the browser'"
    assert handed.metadata.otter.assignment_name == "06_dcgan"  # the autograder checks it; Colab may drop it


def test_on_colab_a_notebook_colab_does_not_send_is_an_error_saying_how_to_download_it(colab, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    colab["sent"] = TimeoutError("no reply in 60 s")
    with pytest.raises(HandInError, match="File > Download > Download .ipynb"):
        hand_in("06_dcgan")
    colab["sent"] = {"cells": "not a notebook"}
    with pytest.raises(HandInError, match="not a Jupyter notebook"):
        hand_in("06_dcgan")
    assert not colab["downloaded"] and not list(tmp_path.iterdir())


def test_in_jupyter_the_notebook_the_kernel_runs_is_handed_in_whatever_its_name(tmp_path, monkeypatch, capsys):
    original = tmp_path / "06_dcgan.ipynb"
    original.write_text(json.dumps(_notebook("untouched stub")))
    copy = tmp_path / "my copy (2).ipynb"
    copy.write_text(json.dumps(_notebook("the student's work")))
    monkeypatch.setenv("JPY_SESSION_NAME", str(copy))  # Jupyter server names the kernel's notebook so
    path = hand_in("06_dcgan")
    assert path == tmp_path / "06_dcgan-submission.ipynb"
    assert nbformat.read(path, as_version=4).cells[0].source == "answer = \"the student's work\""
    assert "my copy (2).ipynb, as last saved" in capsys.readouterr().out
    handed = hand_in("06_dcgan", notebook=original, folder=tmp_path / "..")
    assert handed.parent == tmp_path.parent and "untouched stub" in handed.read_text()


def test_the_hand_in_names_its_chapter_for_the_autograder_and_refuses_another_chapters_notebook(tmp_path):
    named = _notebook("work")
    named["metadata"]["otter"] = {"assignment_name": "06_dcgan"}
    (tmp_path / "named.ipynb").write_text(json.dumps(named))
    assert hand_in("06_dcgan", notebook=tmp_path / "named.ipynb").read_bytes() == (tmp_path / "named.ipynb").read_bytes()
    (tmp_path / "unnamed.ipynb").write_text(json.dumps(_notebook("work")))  # as a front end may save it
    handed = json.loads(hand_in("06_dcgan", notebook=tmp_path / "unnamed.ipynb").read_text())
    assert handed["metadata"]["otter"]["assignment_name"] == "06_dcgan"
    with pytest.raises(HandInError, match="holds the exercises of 06_dcgan, not of 09_wgan"):
        hand_in("09_wgan", notebook=tmp_path / "named.ipynb")


def test_a_notebook_that_cannot_be_found_is_an_error_naming_the_way_out(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setattr(handin, "running_notebook", lambda: None)
    with pytest.raises(HandInError, match=r"hand_in\('06_dcgan', notebook='<your notebook>.ipynb'\)"):
        hand_in("06_dcgan")
    with pytest.raises(HandInError, match="renamed or moved"):
        hand_in("06_dcgan", notebook=tmp_path / "gone.ipynb")
    (tmp_path / "notes.ipynb").write_text("{not json")
    with pytest.raises(HandInError, match="not a readable notebook"):
        hand_in("06_dcgan", notebook=tmp_path / "notes.ipynb")
    with pytest.raises(ValueError, match="chapter's file stem"):
        hand_in("book/06_dcgan")


def test_the_running_notebook_is_read_from_jupyter_or_vs_code(tmp_path, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "a.ipynb"))
    assert handin.running_notebook() == tmp_path / "a.ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", "console-1")  # a console, not a notebook
    assert handin.running_notebook() is None
