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


# -- issue 11: the static scan parses magics, follows aliases, and knows what NumPy-only exercises may use --


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("shell = exit._ip", "uses `exit._ip`"),  # IPython reached without writing get_ipython
        ("[get_ipython][0]().events", "uses `get_ipython`"),
        ("%time exit._ip.ast_transformers.append(None)", "uses `exit._ip`"),  # inside a magic line
        ("%%capture\nquit._ip.set_custom_exc((Exception,), print)", "uses `quit._ip`"),  # inside a cell magic
        ("%run -i payload.py", "uses the magic `%run`"),
        ("!python -c 'print(1)'", "runs a shell command"),
        ('vars()["check_close"] = print', "calls `vars()`"),
        ('globals()["check_close"] = print', "calls `globals()`"),
        ("import lstm_course.checks as c\nvars(c)['_fail'] = print", "calls `vars()`"),
        ("t = np.testing\nt.assert_allclose = print", "assigns to `t.assert_allclose`"),  # an alias by assignment
        ("import base64, code", "imports `base64`"),
        ("import os\nif os.environ.get('NBGRADER_EXECUTION'):\n    pass", "NBGRADER_EXECUTION"),
        ("f = getattr(exit, '_ip')", "names `_ip` in a string"),
        ("class A:\n    def __del__(self):\n        pass", "defines `__del__`"),
        ("%timeit -n 3 -r 2 np.sum(np.ones(3))", ""),  # an honest magic: its code is scanned and clean
        ("%matplotlib inline\nx = np.ones(3)", ""),
    ],
)
def test_code_flags_see_through_magics_and_aliases(code: str, expected: str) -> None:
    flags = code_flags(code, set(PROTECTED) | {"check_close"})
    if expected:
        assert any(expected in flag for flag in flags), flags
    else:
        assert flags == []


def test_honest_oddities_are_not_flagged() -> None:
    """Issue 11's false positives: an extra ``import sys`` cell, nbformat 4.4 (no cell ids), "test ok"."""
    release = released(ASSIGNMENT)
    nb = build_submission(ASSIGNMENT, {})
    nb.cells.insert(3, nbformat.v4.new_code_cell("import sys\nimport numpy as np"))
    assert static_flags(nb, release, ASSIGNMENT) == []
    nb = build_submission(ASSIGNMENT, {})
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    assert static_flags(nb, release, ASSIGNMENT) == []
    nb = build_submission(ASSIGNMENT, {})
    solution = next(c for c in nb.cells if cell_kind(c) == "solution")
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="test ok\nsigmoid(0) = 0.5\n")]
    assert output_flags(nb, release) == []


@pytest.mark.parametrize(
    "text",
    [
        "All t\u0435sts p\u0430ssed",  # Cyrillic е and а
        "Ａｌｌ ｔｅｓｔｓ ｐａｓｓｅｄ",  # fullwidth
        "All te\u200bsts passed",  # a zero-width space
    ],
)
def test_fake_results_in_look_alike_letters_are_flagged(text: str) -> None:
    nb = build_submission(ASSIGNMENT, {})
    solution = next(c for c in nb.cells if cell_kind(c) == "solution")
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    assert any("imitates a test result" in f or "mixing Latin" in f for f in output_flags(nb)), text


def test_a_fake_html_banner_is_flagged_and_its_css_and_scripts_are_not_kept() -> None:
    from autograder.outputsafety import sanitize_outputs

    banner = (
        "<style>.output_error {display: none}</style><script>alert(1)</script>"
        "<h2 style='color: green' onclick='x()'>Score: 10 / 10</h2>"
    )
    nb = build_submission(ASSIGNMENT, {})
    solution = next(c for c in nb.cells if cell_kind(c) == "solution")
    solution.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": banner, "application/javascript": "alert(2)"})
    ]
    assert any("Score: 10 / 10" in f for f in output_flags(nb))
    clean = sanitize_outputs(solution.outputs)[0]["data"]
    assert clean == {"text/html": "<h2>Score: 10 / 10</h2>"}, clean


FORWARD = "03_lstm_forward"
STEP_SIGNATURE = "def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    h, c = torch_lstm_step(x, h_prev, c_prev, Wx, Wh, b)\n    return h, c, None", "torch_lstm_step"),
        ("    import torch\n    return torch.zeros(1), None, None", "torch"),
        ("    lstm = keras.layers.LSTM(4)\n    return None, None, None", "keras"),
        ("    ref = torch_lstm\n    return ref(x[:, None], h_prev, c_prev, Wx, Wh, b)", "torch_lstm"),
        ("    from scipy.special import expit\n    return expit(x), None, None", "scipy.special"),
    ],
)
def test_a_numpy_exercise_solved_with_a_framework_or_the_reference_helpers_is_flagged(body, expected) -> None:
    nb = build_submission(FORWARD, {"lstm_step_forward": STEP_SIGNATURE + body})
    flags = static_flags(nb, released(FORWARD), FORWARD)
    assert any(f"uses `{expected}` in a NumPy-only exercise" in f for f in flags), flags


def test_a_helper_cell_added_to_a_numpy_exercise_is_held_to_the_same_rule() -> None:
    nb = build_submission(FORWARD, {})
    nb.cells.insert(5, nbformat.v4.new_code_cell("def my_step(*args):\n    return torch_lstm_step(*args)"))
    assert any("torch_lstm_step" in f for f in static_flags(nb, released(FORWARD), FORWARD))


def test_links_huge_notebooks_and_escape_sequences_are_refused_before_grading(tmp_path) -> None:
    import os

    from autograder.grading import admit, printable

    folder = tmp_path / "student"
    folder.mkdir()
    real = tmp_path / "elsewhere.ipynb"
    real.write_text(json.dumps({"cells": [{"cell_type": "code"}] * 50}))
    (folder / "link.ipynb").symlink_to(real)
    assert "symbolic link" in admit(folder / "link.ipynb", folder)
    os.link(real, folder / "hard.ipynb")
    assert "hard link" in admit(folder / "hard.ipynb", folder)
    own = folder / "own.ipynb"
    own.write_text(real.read_text())
    assert admit(own, folder, max_cells=100) == ""
    assert "50 cells" in admit(own, folder, max_cells=10)
    assert "\x1b" not in printable("\x1b[2Jred\x07\u202e.ipynb") and "\\x1b" in printable("\x1b[2J")
