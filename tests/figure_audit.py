"""The solution of an assignment, autograded once per test process in fast mode with the figure-audit backend.

``tests/test_catalogue.py`` grades the solution this way anyway (its ``solution`` case), and
``tests/test_figures.py`` reads the same autograded notebook: one nbgrader run serves both when they share an
xdist group (both group by assignment name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Course
from lstm_course.figure_audit import MIME
from tests.catalogue import build_submission
from tests.conftest import environ

BACKEND = "module://lstm_course.figure_audit"


@dataclass
class GradedSolution:
    """Scores (tests cell -> (score, max)) and the autograded notebook of a solution."""

    scores: dict[str, tuple[float, float]]
    notebook: nbformat.NotebookNode


_cache: dict[str, GradedSolution] = {}


def graded_solution(assignment: str, course: Course | None = None, root: Path | None = None) -> GradedSolution:
    """Autograde the solution as student ``v-solution`` (fast mode, audited figures); cached per process.

    ``course``: a course with the assignment generated; else a new one is made in ``root`` when needed.
    """
    if assignment not in _cache:
        if course is None:
            course = Course(root=root)
            course.generate_assignment(assignment)
        notebook = build_submission(assignment, {})
        with environ(LSTM_COURSE_FAST="1", MPLBACKEND=BACKEND):
            course.submit(assignment, "v-solution", notebook)
            result = course.autograde(assignment, "v-solution")
        assert result["success"], f"solution: autograde failed: {result.get('error') or result.get('log')}"
        _cache[assignment] = GradedSolution(
            {c.name: (c.score, c.max_score) for c in course.scores(assignment, "v-solution")},
            nbformat.read(course.path("autograded", "v-solution", assignment), as_version=4),
        )
    return _cache[assignment]


def figure_records(notebook: nbformat.NotebookNode) -> list[tuple[int, str, int, dict]]:
    """Every audited figure: (cell index, cell id, figure number within the cell, record)."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        records = [o["data"][MIME] for o in cell.get("outputs", []) if MIME in o.get("data", {})]
        found += [(index, cell.get("id", "?"), k, record) for k, record in enumerate(records, start=1)]
    return found
