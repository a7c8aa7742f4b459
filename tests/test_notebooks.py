"""Source and student notebooks: in sync, clean, well-formed.

``notebooks/`` must be exactly what ``python -m autograder release`` generates from ``solutions/``, carry no
outputs, no solutions and no hidden tests, and every notebook has unique cell ids, the python3 kernel and the
standard setup cell first.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.authoring import cell_kind
from autograder.course import NOTEBOOKS, SOLUTIONS, assignments, release, render_releases, source_notebook
from autograder.setup_cell import render_setup_cell

ASSIGNMENTS = assignments()
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def all_notebooks() -> list[Path]:
    return [source_notebook(a) for a in ASSIGNMENTS] + [NOTEBOOKS / f"{a}.ipynb" for a in ASSIGNMENTS]


def test_there_are_assignments() -> None:
    assert "01_activations" in ASSIGNMENTS, ASSIGNMENTS


def test_every_student_notebook_has_a_source_and_back() -> None:
    students = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert students == ASSIGNMENTS, "notebooks/ and solutions/ list different assignments: run the release command"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_is_in_sync_with_its_source(assignment: str) -> None:
    fresh = render_releases([assignment])[assignment]
    committed = (NOTEBOOKS / f"{assignment}.ipynb").read_text(encoding="utf-8")
    assert committed == fresh, f"notebooks/{assignment}.ipynb is stale: run `python -m autograder release {assignment}`"


def test_release_is_deterministic(tmp_path: Path) -> None:
    source = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, source)
    out = tmp_path / "notebooks"
    first = release(ASSIGNMENTS[:2], out=out, source=source)
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    second = release(ASSIGNMENTS[:2], out=out, source=source)
    assert first and not second, "a second release changed files"
    assert snapshot == {p.name: p.read_bytes() for p in out.iterdir()}
    assert all((source / a / f"{a}.ipynb").read_bytes() == source_notebook(a).read_bytes() for a in ASSIGNMENTS[:2]), (
        "release rewrote an up-to-date source notebook"
    )


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_well_formed(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids)), "duplicate cell ids"
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(grade_ids) == len(set(grade_ids)), "duplicate nbgrader grade ids"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and cell_kind(code[0]) == "setup" and code[0].source == render_setup_cell(), (
        "the first code cell must be the standard setup cell (python -m autograder release syncs it)"
    )
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, f"cell {cell.id} has outputs: clear them"
        if cell_kind(cell) == "tests":
            assert cell.metadata["nbgrader"]["points"] > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_has_no_solution_and_no_hidden_tests(assignment: str) -> None:
    student_text = (NOTEBOOKS / f"{assignment}.ipynb").read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in student_text
    source = nbformat.read(source_notebook(assignment), as_version=4)
    outside = "\n".join(SOLUTION_REGION.sub("", c.source) for c in source.cells)
    student = nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4)
    student_code = "\n".join(c.source for c in student.cells)
    for cell in source.cells:
        for region in SOLUTION_REGION.findall(cell.source):
            for line in region.splitlines():
                line = line.strip()
                if len(line) >= 20 and line not in outside:
                    assert line not in student_code, f"solution line leaked into the student version: {line!r}"
        if cell_kind(cell) == "tests" and "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            for line in hidden.splitlines():
                line = line.strip()
                if len(line) >= 20 and line not in outside.replace(hidden, ""):
                    assert line not in student_code, f"hidden test line leaked into the student version: {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_graded_notebooks_have_tests_for_their_solutions(assignment: str) -> None:
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    kinds = [cell_kind(c) for c in nb.cells]
    if "tests" in kinds:
        assert "solution" in kinds
        assert all("### BEGIN SOLUTION" in c.source for c in nb.cells if cell_kind(c) == "solution"), (
            "a solution cell without BEGIN/END SOLUTION markers is replaced whole by the stub"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_readme_row_matches_the_notebook_title(assignment: str) -> None:
    """README's notebook table lists each notebook once, with the minutes its title cell states."""
    readme = (SOLUTIONS.parent / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("|") and f"(notebooks/{assignment}.ipynb)" in line]
    assert len(rows) == 1, f"README.md should have one table row for notebooks/{assignment}.ipynb, has {len(rows)}"
    title = nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4).cells[0].source
    stated = re.findall(r"(\d+)\s*min", title)
    assert stated, f"the title cell of {assignment} states no estimated minutes"
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert stated[0] in cells, f"README.md gives {assignment} other minutes than its title cell ({stated[0]} min)"
