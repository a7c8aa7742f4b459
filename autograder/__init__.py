"""Instructor side of lstm-course: a command-line tool around nbgrader.

Run ``python -m autograder --help``. Modules:
    authoring   -- notebook <-> percent-format text, with nbgrader cell metadata
    setup_cell  -- the standard first code cell of every notebook (rendered from pyproject.toml)
    course      -- a course directory: release, autograde, scores, feedback, export
    hidefeedback -- nbconvert preprocessor that keeps hidden tests out of feedback
    cli         -- the command-line interface
"""
