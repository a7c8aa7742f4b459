"""Every assignment, through real ``nbgrader autograde`` in full (not fast) mode: the solution gets full marks
on every tests cell, the committed unsolved student version gets zero on every tests cell, and the student
version is in sync with its source. This is ``python -m autograder check``."""

from __future__ import annotations

import pytest

from autograder.checking import check_assignment
from autograder.course import assignments


@pytest.mark.slow
@pytest.mark.parametrize(
    "assignment", [pytest.param(a, marks=pytest.mark.xdist_group(f"check-{a}")) for a in assignments()]
)
def test_solution_full_marks_student_version_zero(assignment: str) -> None:
    result = check_assignment(assignment)
    assert result.ok, "\n".join(result.problems)
    graded = [c for c in result.solution]
    assert all(c.score == c.max_score for c in graded)
    assert all(c.score == 0 for c in result.student)
    assert len(result.student) == len(result.solution)
