"""Catalogues of wrong and alternative implementations of the graded functions.

``tests/catalogue/<assignment>.py`` defines ``VARIANTS``, a list of :class:`Variant`. Each variant is graded
through real ``nbgrader autograde`` by ``tests/test_catalogue.py``: its submission is the student version
with every solution cell filled in from the solution, except the cells it replaces.
"""

from __future__ import annotations

import importlib.util
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.authoring import cell_kind
from autograder.course import NOTEBOOKS, SOLUTIONS, source_notebook

CATALOGUE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Variant:
    """One implementation of some graded functions and what grading must make of it.

    Attributes:
        name: short identifier, shown in test ids.
        replace: solution cell grade_id -> the cell's whole new source.
        loses: the tests cells that must lose points; empty means the variant must get full marks.
    """

    name: str
    replace: dict[str, str]
    loses: list[str] = field(default_factory=list)


def combine(*variants: Variant) -> Variant:
    """One submission carrying several variants' cells; each variant's tests cells must still lose points.

    Only for variants of functions whose tests cells do not use each other, so that every lost point is still
    the named variant's own. Each nbgrader run costs seconds of kernel start and imports; a submission that
    carries three independent mistakes proves as much as three submissions, in a third of the time. Correct
    variants (``loses=[]``) are only combined with other correct ones: all of them must keep full marks.
    """
    if len({not v.loses for v in variants}) > 1:
        raise ValueError("combine wrong variants with wrong ones and correct ones with correct ones")
    replace: dict[str, str] = {}
    for v in variants:
        if set(replace) & set(v.replace):
            raise ValueError(f"{v.name} replaces a cell another variant already replaces")
        replace.update(v.replace)
    loses = list(dict.fromkeys(cell for v in variants for cell in v.loses))
    return Variant("+".join(v.name for v in variants), replace, loses=loses)


def catalogued_assignments() -> list[str]:
    """Assignments that have a catalogue file, sorted."""
    return sorted(p.stem for p in CATALOGUE_DIR.glob("[0-9]*.py"))


def load_variants(assignment: str) -> list[Variant]:
    """The ``VARIANTS`` of ``tests/catalogue/<assignment>.py``."""
    path = CATALOGUE_DIR / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"catalogue_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.VARIANTS)


def build_submission(
    assignment: str, replace: dict[str, str], notebooks: Path = NOTEBOOKS, source: Path = SOLUTIONS
) -> nbformat.NotebookNode:
    """A student's submission: the student version with solution cells from the solution or ``replace``.

    Raises:
        KeyError: if ``replace`` names a cell that is not a solution cell of the assignment.
    """
    solution = nbformat.read(source_notebook(assignment, source), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells if cell_kind(c) == "solution"}
    unknown = set(replace) - set(answers)
    if unknown:
        raise KeyError(f"{assignment}: no solution cell named {sorted(unknown)}; cells: {sorted(answers)}")
    nb = nbformat.read(notebooks / f"{assignment}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell_kind(cell) == "solution":
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            if grade_id in replace:
                cell.source = textwrap.dedent(replace[grade_id]).strip("\n")
            else:
                cell.source = answers[grade_id]
    return nb
