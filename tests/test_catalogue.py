"""Every catalogued implementation is graded as designed, through real ``nbgrader autograde``.

Wrong implementations lose points on the tests cells they name; correct ones written differently get full
marks. The solution itself is graded too, in the same fast mode (``LSTM_COURSE_FAST=1``) as the variants.
"""

from __future__ import annotations

import pytest

from autograder.course import Course, assignments
from tests.catalogue import Variant, build_submission, catalogued_assignments, load_variants
from tests.conftest import environ
from tests.figure_audit import graded_solution

SOLUTION = Variant("solution", {}, loses=[])

CASES = [
    pytest.param(a, v, id=f"{a}-{v.name}", marks=pytest.mark.xdist_group(a))
    for a in catalogued_assignments()
    if a in assignments()
    for v in [SOLUTION, *load_variants(a)]
]

_graded: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}


def _grade_assignment(assignment: str, root) -> None:
    """Autograde every variant of ``assignment`` once (cached for the parametrized tests)."""
    course = Course(root=root)
    course.generate_assignment(assignment)
    # The solution's run (fast mode, figures audited) is shared with tests/test_figures.py.
    _graded[assignment, SOLUTION.name] = graded_solution(assignment, course).scores
    with environ(LSTM_COURSE_FAST="1"):
        for variant in load_variants(assignment):
            student = f"v-{variant.name}"
            course.submit(assignment, student, build_submission(assignment, variant.replace))
            result = course.autograde(assignment, student)
            assert result["success"], f"{variant.name}: autograde failed: {result.get('error') or result.get('log')}"
            _graded[assignment, variant.name] = {
                c.name: (c.score, c.max_score) for c in course.scores(assignment, student)
            }


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "variant"), CASES)
def test_variant_graded_as_designed(assignment: str, variant: Variant, tmp_path_factory) -> None:
    if (assignment, variant.name) not in _graded:
        _grade_assignment(assignment, tmp_path_factory.mktemp(f"catalogue-{assignment}"))
    scores = _graded[assignment, variant.name]
    unknown = set(variant.loses) - set(scores)
    assert not unknown, f"catalogue names tests cells that do not exist: {sorted(unknown)}"
    if not variant.loses:
        short = {name: s for name, s in scores.items() if s[0] < s[1]}
        assert not short, f"{variant.name} should get full marks but lost points: {short}"
    else:
        kept = {name: scores[name] for name in variant.loses if scores[name][0] >= scores[name][1]}
        assert not kept, f"{variant.name} should lose points on these tests cells but got full marks: {kept}"
