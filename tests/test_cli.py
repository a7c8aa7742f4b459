"""The instructor tool from the command line, fed good and bad input.

One grading run over a class with a correct, an unsolved, a renamed, an empty, a corrupt, a looping and a
kernel-killing submission: every good one is graded, every bad one gets a clear message, the exit code says
something failed, and the gradebook, feedback and CSV export hold the right scores.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.authoring import cell_kind, write_notebook
from autograder.course import NOTEBOOKS, REPO_ROOT, Course
from autograder.sandbox import bwrap_status
from tests.catalogue import build_submission

ASSIGNMENT = "01_activations"
#: Grade in the sandbox where bubblewrap runs (tests/test_grading_safety.py tests what it stops), else without.
SANDBOX = [] if bwrap_status()[0] else ["--unsafe-no-sandbox"]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli")]  # one worker grades the class once


def autograder(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=600
    )


def first_solution_cell(assignment: str) -> str:
    nb = nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4)
    return next(c.metadata["nbgrader"]["grade_id"] for c in nb.cells if cell_kind(c) == "solution")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "submissions"
    target = first_solution_cell(ASSIGNMENT)

    def put(student: str, nb=None, name: str = f"{ASSIGNMENT}.ipynb", raw: bytes | None = None) -> None:
        folder = subs / student
        folder.mkdir(parents=True)
        if raw is not None:
            (folder / name).write_bytes(raw)
        elif nb is not None:
            write_notebook(nb, folder / name)

    put("alice", build_submission(ASSIGNMENT, {}))
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / f"{ASSIGNMENT}.ipynb").write_bytes((NOTEBOOKS / f"{ASSIGNMENT}.ipynb").read_bytes())
    put("carol")  # empty folder
    put("dave", raw=b'{"cells": [ this is not json')
    put("erin", build_submission(ASSIGNMENT, {}), name=f"{ASSIGNMENT} (1).ipynb")
    put("frank", build_submission(ASSIGNMENT, {target: "import os\nos._exit(1)"}))
    put("grace", build_submission(ASSIGNMENT, {target: "while True:\n    pass"}))
    put("bad name!", build_submission(ASSIGNMENT, {}))
    unsolved = nbformat.read(NOTEBOOKS / f"{ASSIGNMENT}.ipynb", as_version=4)
    unsolved.cells = [c for c in unsolved.cells if cell_kind(c) != "tests"]
    put("ivan", unsolved)  # deleted every tests cell of the unsolved notebook
    course_dir = tmp / "course"
    run = autograder(
        "grade", ASSIGNMENT, str(subs), "--course-dir", str(course_dir), "--timeout", "10", "--no-progress", *SANDBOX
    )
    return {"run": run, "course": Course(root=course_dir), "course_dir": course_dir, "subs": subs}


def row(output: str, student: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(student + " "))


def test_grade_reports_every_student_and_fails_overall(graded_class) -> None:
    run = graded_class["run"]
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "graded" in row(out, "alice") and "error" not in row(out, "alice")
    assert "no notebook" in row(out, "carol")
    assert "not a valid notebook" in row(out, "dave") and "broken JSON" in row(out, "dave")
    assert "error" in row(out, "frank")
    assert "not a valid student id" in row(out, "bad name!")
    assert "Traceback" not in run.stderr


def test_good_submissions_get_their_scores_in_the_gradebook(graded_class) -> None:
    course = graded_class["course"]
    alice = course.scores(ASSIGNMENT, "alice")
    assert alice and all(c.score == c.max_score for c in alice)
    assert all(c.score == 0 for c in course.scores(ASSIGNMENT, "bob"))
    ivan = course.scores(ASSIGNMENT, "ivan")
    assert len(ivan) == len(alice) and all(c.score == 0 for c in ivan), "deleting tests cells must not earn points"
    assert all(c.score == c.max_score for c in course.scores(ASSIGNMENT, "erin")), "renamed notebook not graded"
    grace = course.scores(ASSIGNMENT, "grace")
    assert grace[0].score == 0 or any(c.score < c.max_score for c in grace), "infinite loop must not score full"
    assert any(c.score > 0 for c in grace), "the loop was stopped by the timeout and the rest still graded"


def test_regrading_one_student_leaves_the_others_untouched(graded_class) -> None:
    course, course_dir = graded_class["course"], graded_class["course_dir"]
    before = {s: course.scores(ASSIGNMENT, s) for s in ("alice", "erin")}
    run = autograder(
        "grade", ASSIGNMENT, "--student", "bob", "--course-dir", str(course_dir), "--no-progress", *SANDBOX
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert {s: course.scores(ASSIGNMENT, s) for s in ("alice", "erin")} == before


def test_feedback_hides_hidden_tests_and_export_writes_csv(graded_class) -> None:
    course_dir = graded_class["course_dir"]
    run = autograder("feedback", ASSIGNMENT, "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    html = course_dir / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    text = html.read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "hidden tests ran here" in text
    dest = graded_class["course_dir"] / "grades.csv"
    run = autograder("export", "--course-dir", str(course_dir), "--to", str(dest))
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(dest.open())}
    assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) > 0
    assert float(rows["bob"]["score"]) == 0


def test_unknown_assignment_and_missing_folder_are_clear_errors(tmp_path: Path) -> None:
    run = autograder("grade", "99_nope", str(tmp_path), "--course-dir", str(tmp_path / "c"))
    assert run.returncode == 2 and "unknown assignment '99_nope'" in run.stderr and "01_activations" in run.stderr
    assert "Traceback" not in run.stderr
    run = autograder("grade", ASSIGNMENT, str(tmp_path / "missing"), "--course-dir", str(tmp_path / "c"))
    assert run.returncode == 2 and "does not exist" in run.stderr


@pytest.mark.parametrize(
    "command",
    [
        *["list", "release", "check", "grade", "review", "feedback", "export", "to-py", "from-py"],
        *["collect", "deadline", "similarity"],
    ],
)
def test_every_command_has_help(command: str) -> None:
    run = autograder(command, "--help")
    assert run.returncode == 0 and "usage:" in run.stdout
