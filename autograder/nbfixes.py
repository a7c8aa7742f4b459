"""Workarounds for nbgrader 0.9 bugs, wired into every autograde by :func:`autograder.course.load_config`.

nbgrader's ``DeduplicateIds`` turns the second copy of a graded cell into an ordinary cell by setting its
``nbgrader`` metadata to ``{}``; with ``OverwriteCells.add_missing_cells`` (this course's setting) nbgrader
then reads ``metadata["nbgrader"]["grade_id"]`` of every cell that has an ``nbgrader`` key and stops with
``KeyError: 'grade_id'``: a student who duplicated a cell could not be graded at all. :class:`ForgetEmptyMetadata`,
run right after ``DeduplicateIds``, removes the empty key, so the copy is an ordinary cell and the student
is graded (and, by ``python -m autograder grade``, flagged for the duplicate).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ForgetEmptyMetadata(Preprocessor):
    """Remove an empty ``nbgrader`` metadata dict (left by nbgrader's DeduplicateIds) from every cell."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"]:
            del cell.metadata["nbgrader"]
        return cell, resources


def sanitize_preprocessors() -> list[type]:
    """nbgrader's own sanitizing steps of ``autograde`` with :class:`ForgetEmptyMetadata` after DeduplicateIds."""
    from nbgrader.converters.autograde import Autograde

    steps = list(Autograde.class_traits()["sanitize_preprocessors"].default())
    names = [step.__name__ for step in steps]
    steps.insert(names.index("DeduplicateIds") + 1, ForgetEmptyMetadata)
    return steps
