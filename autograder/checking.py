"""``check``: prove an assignment is gradable before students see it.

For each assignment, in a scratch course directory:
1. ``notebooks/<a>.ipynb`` is byte-identical to a fresh release of the source notebook;
2. the source notebook (the solution) autogrades to full marks on every tests cell;
3. the committed student version autogrades to zero on every tests cell.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import NOTEBOOKS, SOLUTIONS, CellScore, Course, render_releases, source_notebook


@dataclass
class CheckResult:
    """Outcome of checking one assignment; ``problems`` is empty when all is well."""

    assignment: str
    solution: list[CellScore] = field(default_factory=list)
    student: list[CellScore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_assignment(
    assignment: str, notebooks: Path = NOTEBOOKS, source: Path = SOLUTIONS, timeout: int | None = None
) -> CheckResult:
    """Run the three checks of this module's docstring for one assignment."""
    result = CheckResult(assignment)
    released = notebooks / f"{assignment}.ipynb"
    fresh = render_releases([assignment], source)[assignment]
    if not released.is_file():
        result.problems.append(f"{released} is missing: run `python -m autograder release {assignment}`")
    elif released.read_bytes() != fresh.encode("utf-8"):
        result.problems.append(
            f"{released} is out of sync with its source: run `python -m autograder release {assignment}`"
        )
    with tempfile.TemporaryDirectory(prefix="lstm-check-") as tmp:
        course = Course(root=Path(tmp), source=source, timeout=timeout)
        course.generate_assignment(assignment)
        student_nb = released if released.is_file() else course.path("release", ".", assignment)
        for who, notebook in (("solution", source_notebook(assignment, source)), ("student", student_nb)):
            course.submit(assignment, who, notebook)
            outcome = course.autograde(assignment, who)
            if not outcome.get("success"):
                result.problems.append(
                    f"autograding the {who} version failed: {outcome.get('error') or outcome.get('log')}"
                )
                continue
            setattr(result, who, course.scores(assignment, who))
    for cell in result.solution:
        if cell.score < cell.max_score:
            result.problems.append(f"solution scores {cell.score:g}/{cell.max_score:g} on {cell.name}")
    for cell in result.student:
        if cell.score > 0:
            result.problems.append(f"unsolved student version scores {cell.score:g}/{cell.max_score:g} on {cell.name}")
    return result
