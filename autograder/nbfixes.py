"""Workarounds for nbgrader 0.9 bugs, wired into every autograde by :func:`autograder.course.load_config`.

nbgrader's ``DeduplicateIds`` turns the second copy of a graded cell into an ordinary cell by setting its
``nbgrader`` metadata to ``{}``; with ``OverwriteCells.add_missing_cells`` (this course's setting) nbgrader
then reads ``metadata["nbgrader"]["grade_id"]`` of every cell that has an ``nbgrader`` key and stops with
``KeyError: 'grade_id'``: a student who duplicated a cell could not be graded at all. :class:`ForgetEmptyMetadata`,
run right after ``DeduplicateIds``, removes the empty key, so the copy is an ordinary cell and the student
is graded (and, by ``python -m autograder grade``, flagged for the duplicate).

nbgrader's ``OverwriteCells`` restores every tests cell from the source notebook, hidden tests included, and
warns "Attribute 'checksum' for cell test_x has changed!" for each one: the student version has its hidden
tests removed, so its checksum always differs (4 warnings per autograde of notebook 01, twice per student
in the parallel grader's log). :class:`RestoreTestsCells` says that at info level when the cell is exactly
the released one (hidden tests removed), and keeps nbgrader's warning when the student changed the cell.
"""

from __future__ import annotations

import copy

from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells
from traitlets import Bool


class ForgetEmptyMetadata(Preprocessor):
    """Remove an empty ``nbgrader`` metadata dict (left by nbgrader's DeduplicateIds) from every cell."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"]:
            del cell.metadata["nbgrader"]
        return cell, resources


class RestoreTestsCells(OverwriteCells):
    """nbgrader's OverwriteCells, quiet about the expected checksum change of a tests cell with hidden tests."""

    _expected: str | None = None

    def preprocess_cell(self, cell, resources, cell_index):
        self._expected = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and cell.cell_type == "code":
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except Exception:  # nbgrader itself reports a missing cell
                source = None
            if source is not None and source.locked:
                released = copy.deepcopy(cell)
                released.source = source.source
                ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
                if released.source != source.source and released.source.strip() == cell.source.strip():
                    self._expected = grade_id
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new) -> None:
        if attr == "checksum" and name == self._expected:
            self.log.info("Tests cell %s: hidden tests restored from the source notebook (as intended)", name)
            return
        super().report_change(name, attr, old, new)


def sanitize_preprocessors() -> list[type]:
    """nbgrader's own sanitizing steps of ``autograde`` with :class:`ForgetEmptyMetadata` after DeduplicateIds
    and :class:`RestoreTestsCells` for OverwriteCells."""
    from nbgrader.converters.autograde import Autograde

    steps = list(Autograde.class_traits()["sanitize_preprocessors"].default())
    names = [step.__name__ for step in steps]
    steps.insert(names.index("DeduplicateIds") + 1, ForgetEmptyMetadata)
    steps = [RestoreTestsCells if step is OverwriteCells else step for step in steps]
    return steps
