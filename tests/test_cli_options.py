"""The command line's plumbing, without grading (fast): options after positional arguments, the tools' own bin/
on PATH, the real cause of an nbgrader failure, Python 3.10 without tomllib, late-penalty arithmetic and its
inputs, offline formulas, a flat folder or zip that `grade` used to call "(no students)" or "does not exist"."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.cli import build_parser, is_lms_download, printable
from autograder.course import REPO_ROOT, ensure_tools_on_path, failure_detail
from autograder.feedbackhtml import markdown_with_mathml
from autograder.late import Policy, parse_due, parse_duration

A = "01_activations"


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env or dict(os.environ),
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", A, "--workers", "1", "subs", "--roster", "r.csv"],
        ["grade", A, "subs", "--workers", "1", "--roster", "r.csv"],
        ["grade", "--workers", "1", "--roster", "r.csv", A, "subs"],
    ],
)
def test_options_are_accepted_anywhere(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.assignment, args.submissions, args.workers, args.roster) == (A, "subs", 1, "r.csv")


def test_export_and_deadline_options_parse_in_any_order() -> None:
    args = build_parser().parse_args(["export", "--format", "canvas", "--to", "x.csv"])
    assert (args.format, args.to) == ("canvas", "x.csv")
    args = build_parser().parse_args(["deadline", "--extend", "a=1d", A, "--due", "2026-03-01T23:59"])
    assert (args.assignment, args.extend, args.due) == (A, ["a=1d"], "2026-03-01T23:59")


def test_the_environment_bin_goes_first_on_path(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    ensure_tools_on_path()
    assert os.environ["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    ensure_tools_on_path()
    assert os.environ["PATH"].count(str(Path(sys.executable).parent)) == 1


def test_grade_finds_alembic_without_an_activated_environment(tmp_path: Path) -> None:
    """Started by full path from a shell whose PATH lacks the environment (cron, a systemd unit)."""
    if shutil.which("alembic", path="/usr/bin:/bin"):
        pytest.skip("alembic is on the system PATH here: the case cannot be reproduced")
    env = dict(os.environ, PATH="/usr/bin:/bin")
    run = run_cli("deadline", "00_getting_started", "--course-dir", str(tmp_path / "c"), env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Please see the" not in run.stderr


def test_the_real_cause_of_an_nbgrader_failure_is_shown() -> None:
    result = {
        "success": False,
        "error": "Traceback ...\nnbgrader.converters.base.NbGraderException: Please see the the above traceback",
        "log": "[ERROR] There was an error processing assignment: x\n[ERROR] Traceback (most recent call last):\n"
        "      File 'api.py', line 37\n    FileNotFoundError: [Errno 2] No such file or directory: 'alembic'\n"
        "[ERROR] Please see the the above traceback for details on the specific errors on the above failures.",
    }
    detail = failure_detail(result)
    assert detail.startswith("cause: FileNotFoundError: [Errno 2] No such file or directory: 'alembic'")
    assert "Please see the" not in detail
    assert failure_detail({"success": False, "error": "plain error"}) == "plain error"


def test_setup_cell_without_tomllib_reads_the_same_url() -> None:
    """Python 3.10 has no tomllib: the fallback must give the same URL (run with tomllib blocked)."""
    code = (
        "import sys; sys.modules['tomllib'] = None\n"
        "from autograder.setup_cell import repository_url, tomllib\n"
        "assert tomllib is None\nprint(repository_url())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    from autograder.setup_cell import repository_url

    assert out.stdout.strip() == repository_url()


def test_setup_cell_on_python_3_10() -> None:
    candidates = [shutil.which("python3.10"), *map(str, Path.home().glob(".pyenv/versions/3.10*/bin/python3.10"))]
    runnable = [c for c in candidates if c and subprocess.run([c, "-c", "pass"], capture_output=True).returncode == 0]
    if not runnable:
        pytest.skip("no Python 3.10 on this machine")
    python310 = runnable[0]
    out = subprocess.run(
        [python310, "-c", "from autograder.setup_cell import render_setup_cell; print(render_setup_cell())"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert out.returncode == 0, out.stderr
    from autograder.setup_cell import render_setup_cell

    assert out.stdout.rstrip("\n") == render_setup_cell()


@pytest.mark.parametrize(
    ("policy", "hours", "penalty"),
    [
        (Policy(10, "day"), 0.0, 0.0),
        (Policy(10, "day"), 0.01, 1.0),  # one started day
        (Policy(10, "day"), 30, 2.0),
        (Policy(10, "day", max_percent=30), 24 * 9, 3.0),
        (Policy(5, "hour", grace_minutes=15), 0.2, 0.0),  # 12 min, within grace
        (Policy(5, "hour", grace_minutes=15), 2.25, 1.0),  # 2 started hours past grace: 10 %
        (Policy(0, "day"), 100, 0.0),
    ],
)
def test_late_penalty_arithmetic(policy: Policy, hours: float, penalty: float) -> None:
    assert policy.penalty(10.0, hours * 3600) == pytest.approx(penalty)


def test_bad_durations_and_dates_are_clear_errors() -> None:
    assert parse_duration("48h") == dt.timedelta(hours=48) and parse_duration("2 days") == dt.timedelta(days=2)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    assert parse_due("2026-03-01T23:59+01:00") == dt.datetime(2026, 3, 1, 22, 59)
    with pytest.raises(ValueError, match="not a date and time"):
        parse_due("next friday")


def test_deadline_command_rejects_bad_input(tmp_path: Path) -> None:
    run = run_cli("deadline", A, "--extend", "alice", "--course-dir", str(tmp_path / "c"))
    assert run.returncode == 2 and "STUDENT=DURATION" in run.stderr
    run = run_cli("deadline", A, "--due", "tomorrow", "--course-dir", str(tmp_path / "c"))
    assert run.returncode == 2 and "not a date and time" in run.stderr and "Traceback" not in run.stderr


def test_formulas_become_mathml_and_code_is_left_alone() -> None:
    html = markdown_with_mathml(r"The gate $i_t = \sigma(z)$ and $$c_t = f_t \odot c_{t-1}$$ cost `$HOME` $5.")
    assert html.count("<math") == 2 and 'display="block"' in html and "`$HOME`" in html and "$5." in html
    assert "<code>" in markdown_with_mathml(r"$\notamacro{x}$") or "<math" in markdown_with_mathml(r"$\notamacro{x}$")


def test_terminal_escapes_are_never_printed_raw() -> None:
    assert printable("evil\x1b[2Jname\x07") == "evil\\x1b[2Jname\\x07"


def test_a_flat_folder_or_zip_is_an_lms_download_and_one_folder_per_student_is_not(tmp_path: Path) -> None:
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / f"ada_1_2_{A}.ipynb").write_text("{}")
    (tmp_path / "folders" / "alice").mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "s.zip", "w"):
        pass
    assert is_lms_download(tmp_path / "flat") and is_lms_download(tmp_path / "s.zip")
    assert not is_lms_download(tmp_path / "folders")


def test_grade_on_a_folder_with_no_submission_is_an_error_not_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("nothing here")
    run = run_cli("grade", A, str(tmp_path / "empty"), "--course-dir", str(tmp_path / "c"), "--unsafe-no-sandbox")
    assert run.returncode == 1 and "no submission of 01_activations found" in run.stderr, run.stdout + run.stderr
    assert "(no students)" not in run.stdout


def test_an_unsafe_zip_stops_grade_with_a_clear_error(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr(f"../ada_1_2_{A}.ipynb", "{}")
    run = run_cli("grade", A, str(tmp_path / "evil.zip"), "--course-dir", str(tmp_path / "c"), "--unsafe-no-sandbox")
    assert run.returncode == 2 and "unsafe, nothing was extracted" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "c" / f"ada_1_2_{A}.ipynb").exists()


def test_release_order_in_the_guide_is_what_the_notebooks_give_away() -> None:
    from autograder.releaseorder import given_away

    found = {(later, earlier): functions for later, earlier, functions in given_away()}
    guide = (REPO_ROOT / "autograder" / "README.md").read_text()
    assert found[("04_lstm_backward", "03_lstm_forward")] == [
        "lstm_step_forward",
        "lstm_forward",
        "peephole_lstm_step_forward",
    ]
    assert found[("05_lstm_training", "04_lstm_backward")] == ["lstm_backward"]
    assert found[("05_lstm_training", "02_rnn")] == ["rnn_forward", "rnn_backward", "clip_by_global_norm"]
    for (later, earlier), functions in found.items():
        assert all(f"`{f}`" in guide for f in functions), (
            f"{later} gives away {earlier}'s {functions}: not in the guide"
        )
    assert not any(earlier > later for later, earlier in found)
