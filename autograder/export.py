"""Grades out of the gradebook: nbgrader's CSV, or a CSV that Canvas's gradebook imports.

Canvas's "Import" of a gradebook CSV matches rows by ``ID`` (Canvas user id), ``SIS User ID`` or
``SIS Login ID``; the first columns are ``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per
assignment, and an optional second row ``Points Possible``. Scores are nbgrader's final ones: the late penalty
is subtracted, work held for review counts 0 until accepted.
"""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.lms import Student

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def gradebook_rows(course) -> tuple[list[str], dict[str, dict[str, float]], dict[str, float]]:
    """(assignment names in due-date order, student -> assignment -> score, assignment -> max score)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url) as gb:
        assignments = [a.name for a in gb.assignments]
        maxima = {a.name: float(a.max_score) for a in gb.assignments}
        scores: dict[str, dict[str, float]] = {}
        for student in gb.students:
            for name in assignments:
                try:
                    submission = gb.find_submission(name, student.id)
                except MissingEntry:
                    continue
                if submission.notebooks and any(nb.grades for nb in submission.notebooks):
                    penalty = float(submission.late_submission_penalty or 0.0)
                    scores.setdefault(student.id, {})[name] = max(0.0, float(submission.score) - penalty)
    return assignments, scores, maxima


def export_canvas(course, dest: Path, roster: list[Student] | None = None) -> tuple[Path, list[str]]:
    """Write a Canvas-gradebook CSV of every graded assignment; returns (path, warnings).

    With a roster, every roster student gets a row (blank where not graded) and names and emails come from
    it; graded students missing from the roster are still written, with a warning.
    """
    assignments, scores, maxima = gradebook_rows(course)
    warnings = []
    people = {s.id: s for s in roster or []}
    ids = list(people) + sorted(s for s in scores if s not in people)
    if roster is not None:
        strangers = [s for s in scores if s not in people]
        if strangers:
            warnings.append(f"{len(strangers)} graded student(s) not on the roster: {', '.join(sorted(strangers))}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CANVAS_COLUMNS + assignments)
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{maxima[a]:g}" for a in assignments])
        for sid in ids:
            person = people.get(sid, Student(sid))
            marks = scores.get(sid, {})
            writer.writerow(
                [person.name or sid, sid, person.sis_id, person.email, ""]
                + [f"{marks[a]:g}" if a in marks else "" for a in assignments]
            )
    return dest, warnings
