"""Instructor side of lstm-course: a command-line tool around nbgrader.

Run ``python -m autograder --help``. Modules:
    authoring   -- notebook <-> percent-format text, with nbgrader cell metadata
    setup_cell  -- the standard first code cell of every notebook (rendered from pyproject.toml)
    course      -- a course directory: release, autograde, scores, feedback, export
    hidefeedback -- nbconvert preprocessor that keeps hidden tests out of feedback
    grading     -- serial grading of a folder of submissions, score table
    parallel    -- parallel, sandboxed, resumable grading of a class; review of flagged work
    worker      -- entry point of a grading worker process
    sandbox     -- the kernel inside bubblewrap with resource limits (nbgrader Execute replacement)
    nbfixes     -- workarounds for nbgrader bugs (duplicated graded cells)
    integrity   -- flags for submissions that try to fool the tests
    cli         -- the command-line interface
"""
