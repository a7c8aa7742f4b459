"""Integrity flags (:mod:`autograder.integrity`) without running any notebook: what they catch, and that
honest work -- every solution, every unsolved student version, every catalogued wrong answer -- is never
flagged (a flag holds the student's score at 0 until an instructor looks)."""

from __future__ import annotations

import importlib
import json

import nbformat
import pytest

from autograder.authoring import cell_kind
from autograder.course import NOTEBOOKS, assignments
from autograder.integrity import PROTECTED, code_flags, output_flags, static_flags
from tests.catalogue import build_submission

ASSIGNMENT = "01_activations"


def released(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4)


def variants(assignment: str) -> list:
    try:
        return list(importlib.import_module(f"tests.catalogue.{assignment}").VARIANTS)
    except ModuleNotFoundError:
        return []


@pytest.mark.parametrize("assignment", assignments())
def test_solutions_student_versions_and_wrong_answers_are_not_flagged(assignment: str) -> None:
    release = released(assignment)
    assert static_flags(build_submission(assignment, {}), release, assignment) == []
    assert static_flags(release, release, assignment) == []
    for variant in variants(assignment):
        flags = static_flags(build_submission(assignment, variant.replace), release, assignment)
        assert flags == [], f"{variant.name} is a wrong answer, not cheating, yet: {flags}"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("cm[np.asarray(y_true), np.asarray(y_pred)] += 1", ""),  # indexing with np calls is no patching
        ("a[len] = 3", ""),
        ("def f(x):\n    len = 3\n    return len", ""),  # a local variable shadows nothing the tests use
        ("np.testing.assert_allclose = lambda *a, **k: None", "assigns to `np.testing.assert_allclose`"),
        ("import lstm_course.checks as c\nc.check_close = print", "assigns to `c.check_close`"),
        ("from numpy import testing as t\nt.assert_allclose = print", "assigns to `t.assert_allclose`"),
        ("x, np.allclose = 1, max", "assigns to `np.allclose`"),
        ("len = lambda x: 3", "redefines `len`"),
        ("def check_close(*a, **k):\n    pass", "redefines `check_close`"),
        ("class A:\n    def __eq__(self, other):\n        return True", "defines `__eq__`"),
        ("A = type('A', (), {'__eq__': lambda s, o: True})", "names `__eq__` in a string"),
        ("exec('x = 1')", "calls `exec()`"),
        ("import builtins", "imports `builtins`"),
        ("import sys\nsys.modules['numpy'] = None", "uses `sys.modules`"),
    ],
)
def test_code_flags(code: str, expected: str) -> None:
    protected = set(PROTECTED) | {"check_close"}
    flags = code_flags(code, protected)
    if expected:
        assert any(expected in flag for flag in flags), flags
    else:
        assert flags == []


def test_changed_notebook_structure_is_flagged() -> None:
    release = released(ASSIGNMENT)
    tests_ids = [c.metadata["nbgrader"]["grade_id"] for c in release.cells if cell_kind(c) == "tests"]

    def submission() -> nbformat.NotebookNode:
        return build_submission(ASSIGNMENT, {})

    nb = submission()
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != tests_ids[0]]
    assert any("deleted" in f for f in static_flags(nb, release))
    nb = submission()
    index = next(i for i, c in enumerate(nb.cells) if cell_kind(c) == "tests")
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[index])))
    copy["id"] = "a-copy"
    nb.cells.insert(index, copy)
    assert any("duplicated" in f for f in static_flags(nb, release))
    nb = submission()
    next(c for c in nb.cells if cell_kind(c) == "tests").source += "\npass"
    assert any("edited" in f for f in static_flags(nb, release))
    nb = submission()
    next(c for c in nb.cells if cell_kind(c) == "tests")["id"] = "renamed"
    assert any("cell id" in f for f in static_flags(nb, release))
    nb = submission()
    nb.metadata["kernelspec"]["name"] = "python2"
    assert any("kernel changed" in f for f in static_flags(nb, release))


def test_fake_test_output_is_flagged_but_the_tests_own_messages_are_not() -> None:
    nb = build_submission(ASSIGNMENT, {})
    tests = next(c for c in nb.cells if cell_kind(c) == "tests")
    own = 'print("sigmoid: visible tests passed.")'
    tests.source += "\n" + own
    tests.outputs = [nbformat.v4.new_output("stream", name="stdout", text="sigmoid: visible tests passed.\n")]
    assert output_flags(nb) == []
    solution = next(c for c in nb.cells if cell_kind(c) == "solution")
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All tests passed! 10/10 points\n")]
    assert any("imitates a test result" in f for f in output_flags(nb))


def test_the_course_s_own_cells_may_print_success_messages() -> None:
    release = released("00_getting_started")
    nb = build_submission("00_getting_started", {})
    course_cell = next(c for c in nb.cells if c.cell_type == "code" and "checks passed" in c.source)
    course_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="mean_squared_error: checks passed.")]
    assert output_flags(nb, release) == [], "the course's own demonstration cell, as released"
    course_cell.source += "\n# edited by the student"
    assert output_flags(nb, release) != [], "once the student edits the cell, its output is the student's"
