"""The instructor's term end to end, through the command line: an LMS zip with a roster, due dates, late
penalties and extensions, feedback HTML, exports, copy detection.

One real grading run (notebook 01, three students from a Canvas zip); everything else reads what it wrote.
The fast, input-by-input tests of each module are in tests/test_lms.py, tests/test_similarity.py and
tests/test_cli_options.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile

import nbformat
import pytest

from autograder.course import Course
from tests.catalogue import build_submission
from tests.test_cli import SANDBOX, autograder

ASSIGNMENT = "01_activations"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("term")]
DUE = dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.timezone.utc)


def zip_time(when: dt.datetime) -> tuple[int, ...]:
    return when.astimezone(dt.timezone.utc).timetuple()[:6]


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("term")
    course_dir = tmp / "course"
    solution = nbformat.writes(build_submission(ASSIGNMENT, {}))
    roster = tmp / "roster.csv"
    roster.write_text(
        "id,name,email\n"
        "1001,Ada Lovelace,ada@example.edu\n"
        "1002,Alan Turing,alan@example.edu\n"
        "1003,Grace Hopper,grace@example.edu\n"
        "1004,Edsger Dijkstra,edsger@example.edu\n"
        "1005,Barbara Liskov,barbara@example.edu\n"  # hands nothing in
    )
    wrong = nbformat.writes(
        build_submission(ASSIGNMENT, {"tanh_derivative": "def tanh_derivative(t):\n    return 1 - t"})
    )
    archive = tmp / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, when in [
            (f"lovelaceada_1001_5001_{ASSIGNMENT}.ipynb", DUE - dt.timedelta(hours=2)),  # on time
            (f"turingalan_late_1002_5002_{ASSIGNMENT}-1.ipynb", DUE + dt.timedelta(hours=30)),  # 2 started days late
            (f"hoppergrace_late_1003_5003_{ASSIGNMENT}.ipynb", DUE + dt.timedelta(hours=30)),  # late, but extended
            ("someonenew_1999_5999_notes.txt", DUE),  # not a notebook: a warning
            (f"dijkstraedsger_1004_5004_{ASSIGNMENT}.ipynb", DUE - dt.timedelta(days=1)),  # wrong tanh_derivative
        ]:
            info = zipfile.ZipInfo(name, date_time=zip_time(when))
            zf.writestr(info, wrong if "1004" in name else solution)
    deadline = autograder(
        "deadline", ASSIGNMENT, "--due", "2026-03-01T23:59+00:00", "--penalty", "10", "--per", "day",
        "--extend", "1003=2d", "--course-dir", str(course_dir),
    )  # fmt: skip
    grade = autograder(
        "grade", ASSIGNMENT, str(archive), "--roster", str(roster), "--zip-timezone", "UTC",
        "--course-dir", str(course_dir), "--no-progress", *SANDBOX,
    )  # fmt: skip
    return {"tmp": tmp, "course_dir": course_dir, "roster": roster, "deadline": deadline, "grade": grade}


def test_deadline_is_set_in_the_gradebook(term) -> None:
    run = term["deadline"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "due 2026-03-01 23:59:00 UTC" in run.stdout and "10% of the score per started day" in run.stdout
    assert "extension: 1003 +2 days" in run.stdout


def test_a_canvas_zip_with_a_roster_is_graded_with_late_penalties(term) -> None:
    run = term["grade"]
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "collected 4 submission(s)" in out and "4 with the LMS's submission time" in out
    assert "someonenew_1999_5999_notes.txt: ignored, not a notebook" in out
    assert "handed nothing in: 1005" in out
    course = Course(root=term["course_dir"])
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        subs = {s: gb.find_submission(ASSIGNMENT, s) for s in ("1001", "1002", "1003")}
        full = subs["1001"].max_score
        assert subs["1001"].score == full > 0 and not subs["1001"].late_submission_penalty
        assert subs["1002"].total_seconds_late == 30 * 3600
        assert subs["1002"].late_submission_penalty == pytest.approx(0.2 * full)  # 2 started days x 10 %
        assert subs["1003"].total_seconds_late == 0 and not subs["1003"].late_submission_penalty  # extension
    assert re.search(r"^1002 .*late 30\.0 h, penalty", out, flags=re.M), out
    log = (term["course_dir"] / "logs" / ASSIGNMENT / "1001.log").read_text()
    assert "Attribute 'checksum'" not in log, "restoring hidden tests is expected: no warning (nbfixes)"


def test_export_defaults_under_the_course_folder_and_canvas_format(term) -> None:
    course_dir = term["course_dir"]
    run = autograder("export", "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {r["student_id"]: r for r in csv.DictReader((course_dir / "grades.csv").open())}
    assert float(rows["1002"]["late_submission_penalty"]) > 0
    run = autograder("export", "--format", "canvas", "--roster", str(term["roster"]), "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    lines = list(csv.reader((course_dir / "canvas_grades.csv").open()))
    assert lines[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] and lines[0][5] == ASSIGNMENT
    assert lines[1][0] == "Points Possible"
    by_id = {row[1]: row for row in lines[2:]}
    full = float(lines[1][5])
    assert by_id["1001"][0] == "Ada Lovelace" and by_id["1001"][3] == "ada@example.edu"
    assert float(by_id["1001"][5]) == full and float(by_id["1002"][5]) == pytest.approx(0.8 * full)
    assert by_id["1005"][5] == "", "a roster student with no submission has a blank, not a zero from nowhere"


def test_feedback_names_tests_cells_wraps_hints_and_needs_no_network(term) -> None:
    course_dir = term["course_dir"]
    run = autograder("feedback", ASSIGNMENT, "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    text = (course_dir / "feedback" / "1004" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "Test cell" not in text
    assert re.search(r"<code>test_tanh_derivative</code></a> \([\d.]+ points\): score 0\.0 / [\d.]+", text), text[:3000]
    assert "white-space: pre-wrap" in text and "AssertionError" in text
    assert "<math" in text and "<script" not in text.lower(), "formulas must render with no script (MathML)"
    remote = re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"']?(?:https?:)?//", text, flags=re.I)
    assert not remote, remote


def test_similarity_flags_the_class_copying_the_published_solution(term) -> None:
    course_dir = term["course_dir"]
    run = autograder("similarity", ASSIGNMENT, "--course-dir", str(course_dir))
    assert run.returncode == 1, run.stdout + run.stderr  # everyone handed in the solution
    assert "1001 ~ 1002: 100% similar" in run.stdout and "1001 ~ published solution" in run.stdout
    report = (course_dir / "similarity" / f"{ASSIGNMENT}.html").read_text()
    assert "<mark>" in report and "<script" not in report
