"""The percent format converts to notebooks and back without losing anything the course uses."""

from __future__ import annotations

import nbformat
import pytest

from autograder.authoring import AuthoringError, cell_kind, from_py, to_py
from autograder.course import assignments, source_notebook

EXAMPLE = """\
# %% [markdown]
# # Title
#
# Text with $x^2$.

# %% setup

# %% locked id=imports
import numpy as np

# %% solution id=double
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% tests id=test_double points=2
assert double(1) == 2

# %% id=demo
print(double(3))
"""


def test_example_round_trips_and_carries_nbgrader_metadata() -> None:
    nb = from_py(EXAMPLE)
    assert to_py(nb) == EXAMPLE
    kinds = [cell_kind(c) for c in nb.cells]
    assert kinds == ["markdown", "setup", "locked", "solution", "tests", "code"]
    tests = nb.cells[4].metadata["nbgrader"]
    assert tests["grade"] and tests["locked"] and tests["points"] == 2 and tests["grade_id"] == "test_double"
    solution = nb.cells[3].metadata["nbgrader"]
    assert solution["solution"] and not solution["grade"] and not solution["locked"]
    assert [c.id for c in nb.cells] == ["cell-000", "setup", "imports", "double", "test_double", "demo"]
    nbformat.validate(nb)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# %% tests id=t\nx", "needs points"),
        ("# %% solution\nx", "needs id"),
        ("# %% [markdown]\nnot a comment", "must start with"),
        ("# %% id=a\n# %% id=a", "duplicate id"),
        ("# %% tests id=t points=0\nx", "positive"),
        ("# %% tests id=bad/id points=1\nx", "letters"),
        ("x = 1\n# %%", "before the first"),
        ("# %% solution id=s colour=red\nx", "unknown marker option"),
    ],
)
def test_malformed_text_is_rejected_with_the_line(text: str, message: str) -> None:
    with pytest.raises(AuthoringError, match=message):
        from_py(text)


@pytest.mark.parametrize("assignment", assignments())
def test_every_source_notebook_round_trips(assignment: str) -> None:
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    again = from_py(to_py(nb))
    assert [(c.cell_type, c.id, c.source, c.metadata.get("nbgrader")) for c in again.cells] == [
        (c.cell_type, c.id, c.source, c.metadata.get("nbgrader")) for c in nb.cells
    ]
