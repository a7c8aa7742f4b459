"""Grade a folder of submissions, one student at a time, so that no student's problem stops the others.

A submissions folder holds one folder per student. Inside it the notebook is found as
``<assignment>.ipynb``, ``<assignment>/<assignment>.ipynb`` (nbgrader's layout) or, failing both, the only
``.ipynb`` in the folder (students rename files). Every student ends with a :class:`StudentResult`:
``graded`` with a score, or ``error`` with a message; nothing a submission does is fatal to the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import CellScore, Course, failure_detail, read_json_notebook

#: Characters allowed in a student id (nbgrader puts it in paths and in the gradebook).
SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@")
#: Largest notebook file accepted (MB): a bigger one is not graded (its outputs would be carried everywhere).
MAX_NOTEBOOK_MB = 64
#: Cells a submission may have beyond the released notebook's: ``max(MIN_EXTRA_CELLS, EXTRA_CELLS_FACTOR x
#: released)``. 100,000 cells would take the worker past its time limit and feedback minutes and gigabytes.
MIN_EXTRA_CELLS, EXTRA_CELLS_FACTOR = 300, 3


def printable(text: object) -> str:
    """``text`` safe to print on a terminal: control characters (escape sequences, carriage returns, bidi
    overrides) shown as ``\\x1b``-style escapes."""
    import unicodedata

    out = []
    for ch in str(text):
        if ch in "\t" or (unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def admit(path: Path, folder: Path, max_cells: int | None = None) -> str:
    """Why the notebook at ``path`` in the student's ``folder`` must not be graded ('' if it may).

    Refused: a symbolic or hard link (to the solutions, to another student's notebook), a path that leaves
    the student's folder, a file over :data:`MAX_NOTEBOOK_MB`, more than ``max_cells`` cells.
    """
    import os

    folder = Path(folder)
    if folder.is_symlink():
        return "the student's folder is a symbolic link: not graded"
    for part in [path, *path.parents]:
        if part == folder:
            break
        if part.is_symlink():
            return f"{printable(path.name)} is a symbolic link, not the student's own file: not graded"
    try:
        info = os.stat(path, follow_symlinks=False)
        inside = path.resolve().is_relative_to(folder.resolve())
    except OSError as exc:
        return f"{printable(path.name)} cannot be read ({exc.strerror})"
    if not inside:
        return f"{printable(path.name)} is outside the student's folder: not graded"
    if info.st_nlink > 1:
        return f"{printable(path.name)} is a hard link to another file, not the student's own: not graded"
    if info.st_size > MAX_NOTEBOOK_MB * 1024 * 1024:
        return f"{printable(path.name)} is {info.st_size / 1024**2:.0f} MB (at most {MAX_NOTEBOOK_MB} MB): not graded"
    if max_cells is not None:
        import json

        try:
            cells = json.loads(path.read_bytes()).get("cells", [])
        except (ValueError, AttributeError):
            return ""  # a broken notebook: read_json_notebook says what is wrong
        if isinstance(cells, list) and len(cells) > max_cells:
            return f"the notebook has {len(cells)} cells (at most {max_cells} accepted): not graded"
    return ""


def max_cells(course: Course, assignment: str) -> int | None:
    """Cells a submission of ``assignment`` may have (see :data:`MIN_EXTRA_CELLS`), None if unknown."""
    from autograder.course import source_notebook

    try:
        released = len(read_json_notebook(source_notebook(assignment, Path(course.source))).cells)
    except (OSError, ValueError):
        return None
    return released + max(MIN_EXTRA_CELLS, EXTRA_CELLS_FACTOR * released)


@dataclass
class StudentResult:
    """What happened to one student's submission."""

    student: str
    status: str  # "graded", "review" (integrity flags: score held at 0) or "error"
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    cells: list[CellScore] = field(default_factory=list)
    seconds: float = 0.0
    flags: list[str] = field(default_factory=list)
    auto_score: float | None = None


def find_notebook(folder: Path, assignment: str) -> tuple[Path | None, str]:
    """Locate a student's notebook of ``assignment`` in ``folder``; returns (path or None, note)."""
    for candidate in (folder / f"{assignment}.ipynb", folder / assignment / f"{assignment}.ipynb"):
        if candidate.is_file():
            return candidate, ""
    notebooks = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if len(notebooks) == 1:
        return notebooks[0], f"used {printable(notebooks[0].name)} (expected {assignment}.ipynb)"
    if not notebooks:
        return None, f"no notebook: expected {assignment}.ipynb in {printable(folder)}"
    names = ", ".join(printable(p.name) for p in notebooks[:5])
    return None, f"{len(notebooks)} notebooks and none named {assignment}.ipynb ({names})"


def submission_timestamp(folder: Path) -> str | None:
    """The text of nbgrader's ``timestamp.txt`` in ``folder`` if it holds a time nbgrader can read, else None."""
    from nbgrader.utils import parse_utc

    path = Path(folder) / "timestamp.txt"
    try:
        text = path.read_text(encoding="utf-8").strip()
        parse_utc(text)
    except (OSError, UnicodeDecodeError, ValueError, OverflowError):
        return None
    return text or None


def import_submissions(
    course: Course, assignment: str, folder: Path
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Copy each student's notebook from ``folder`` into the course's submitted/ folder.

    Returns:
        (imported students, student -> problem for those not imported (missing, corrupt, bad folder name;
        any earlier submission of theirs is left as it was), student -> note for the imported ones).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    imported: list[str] = []
    problems: dict[str, str] = {}
    notes: dict[str, str] = {}
    limit = max_cells(course, assignment)
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        if not set(student) <= SAFE_ID:
            problems[student] = "folder name is not a valid student id (letters, digits, _ - . @)"
            continue
        path, note = find_notebook(student_dir, assignment)
        if path is None:
            problems[student] = note
            continue
        refused = admit(path, student_dir, limit)
        if refused:
            problems[student] = refused
            continue
        try:
            nb = read_json_notebook(path)
        except ValueError as exc:
            problems[student] = printable(exc)
            continue
        stamp = submission_timestamp(path.parent)
        course.submit(assignment, student, nb)
        if stamp is not None:  # nbgrader's own record of when it was handed in (late penalties)
            (course.path("submitted", student, assignment).parent / "timestamp.txt").write_text(stamp)
        elif (path.parent / "timestamp.txt").is_file():
            note = "; ".join(filter(None, [note, "timestamp.txt unreadable: graded as on time"]))
        imported.append(student)
        if note:
            notes[student] = note
    return imported, problems, notes


def grade_student(course: Course, assignment: str, student: str) -> StudentResult:
    """Autograde one student's submission already in submitted/; never raises for a bad submission."""
    start = time.monotonic()
    submitted = course.path("submitted", student, assignment)
    try:
        read_json_notebook(submitted)
    except ValueError as exc:
        return StudentResult(student, "error", message=str(exc), seconds=time.monotonic() - start)
    try:
        result = course.autograde(assignment, student)
    except Exception as exc:  # nbgrader itself failing must not stop the class
        result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
    elapsed = time.monotonic() - start
    log_dir = Path(course.root) / "logs" / assignment
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / f"{student}.log").write_text(
        (result.get("log") or "") + ("\n" + result["error"] if result.get("error") else ""), encoding="utf-8"
    )
    if not result.get("success"):
        lines = [ln for ln in failure_detail(result).splitlines() if ln.strip()]  # the cause, not "see above"
        return StudentResult(student, "error", message=(lines[0] if lines else "autograde failed"), seconds=elapsed)
    cells = course.scores(assignment, student)
    return StudentResult(
        student,
        "graded",
        score=sum(c.score for c in cells),
        max_score=sum(c.max_score for c in cells),
        cells=cells,
        seconds=elapsed,
    )


def grade(
    course: Course,
    assignment: str,
    students: Iterable[str] | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> list[StudentResult]:
    """Autograde ``students`` (default: every student in submitted/) one after the other.

    Args:
        course: the course directory.
        assignment: assignment name.
        students: which students (default all with a submission).
        progress: wraps the iteration, e.g. ``tqdm``.
    """
    course.generate_assignment(assignment)
    names = list(students) if students is not None else course.students(assignment)
    results = []
    for student in progress(names) if progress else names:
        if not course.path("submitted", student, assignment).is_file():
            results.append(StudentResult(student, "error", message="no submission in submitted/"))
            continue
        results.append(grade_student(course, assignment, student))
    return results


def format_table(results: list[StudentResult]) -> str:
    """A plain-text score table, one row per student."""
    if not results:
        return "(no students)"
    width = max(7, *(len(printable(r.student)) for r in results))
    rows = [f"{'student':<{width}}  {'status':<8}  {'score':>11}  {'time':>6}  note"]
    for r in results:
        if r.status == "graded":
            score = f"{r.score:g} / {r.max_score:g}"
        elif r.status == "review":
            score = f"0 (auto {r.auto_score or 0:g}) / {r.max_score:g}"
        elif r.status == "rejected":
            score = f"0 / {r.max_score:g}"
        else:
            score = "-"
        student, message = printable(r.student), printable(r.message)
        rows.append(f"{student:<{width}}  {r.status:<8}  {score:>11}  {r.seconds:5.1f}s  {message}")
    counts = {s: sum(r.status == s for r in results) for s in ("graded", "review", "rejected", "error")}
    rows.append(
        f"{counts['graded']} graded, {counts['review']} held for review (score 0 until accepted), "
        f"{counts['rejected']} rejected after review, {counts['error']} with errors"
    )
    return "\n".join(rows)
