"""Every figure of every notebook has a title and labelled axes (colorbars included).

The solution runs once per assignment through real ``nbgrader autograde`` in fast mode with the
``lstm_course.figure_audit`` backend, which records each figure's labels into the cell that drew it
(``tests/figure_audit.py``; the catalogue's solution case reuses that run). A failure names the notebook, the
cell and the figure, and what it lacks.
"""

from __future__ import annotations

import pytest

from autograder.course import assignments
from lstm_course.figure_audit import problems
from tests.figure_audit import figure_records, graded_solution

PLOTTING = ("plt.", "plot_history", "plot_confusion_matrix", "plot_over_time", ".plot(")


def test_problems_names_each_missing_label() -> None:
    record = {
        "suptitle": "",
        "axes": [
            {"title": "", "xlabel": "t", "ylabel": "", "visible": True, "colorbar": None},
            {"title": "", "xlabel": "", "ylabel": "", "visible": True, "colorbar": "vertical"},
            {"title": "", "xlabel": "", "ylabel": "", "visible": False, "colorbar": None},
        ],
    }
    assert problems(record) == [
        "no title (neither a suptitle nor an axes title)",
        "axes 0: no ylabel",
        "axes 1: a colorbar without a label",
    ]
    record["suptitle"] = "loss"
    record["axes"][0]["ylabel"] = "loss"
    record["axes"][1]["ylabel"] = "probability"
    assert problems(record) == []


@pytest.mark.slow
@pytest.mark.parametrize("assignment", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignments()])
def test_every_figure_has_a_title_and_labelled_axes(assignment: str, tmp_path_factory) -> None:
    graded = graded_solution(assignment, root=tmp_path_factory.mktemp(f"figures-{assignment}"))
    records = figure_records(graded.notebook)
    draws = any(any(p in c.source for p in PLOTTING) for c in graded.notebook.cells if c.cell_type == "code")
    assert records or not draws, f"{assignment} draws figures but none was recorded: is the audit backend in use?"
    lacking = [
        f"{assignment} cell {index} (id {cell_id}) figure {k}: {problem}"
        for index, cell_id, k, record in records
        for problem in problems(record)
    ]
    assert not lacking, f"{len(lacking)} problems in {len(records)} figures:\n" + "\n".join(lacking)
