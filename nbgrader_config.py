"""nbgrader configuration of lstm-course (read by ``nbgrader`` run from this folder and by ``python -m autograder``).

Layout: the source notebooks are ``solutions/<assignment>/<assignment>.ipynb``; every instructor run-time file
(release/, submitted/, autograded/, feedback/, gradebook.db, logs) lives in the git-ignored ``grading/``.
"""

import os

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "lstm-course"
c.CourseDirectory.root = os.path.join(_here, "grading")
c.CourseDirectory.source_directory = os.path.join(_here, "solutions")

# Seconds one cell may run when autograding; the training cells of notebooks 05-08 take up to ~2 minutes.
c.Execute.timeout = 300
# A kernel that does not start in time is an error for that student, not a hang.
c.Execute.startup_timeout = 120
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Student versions carry no outputs.
c.ClearOutput.enabled = True
# A submission whose tests cells were deleted gets them back (and their points are earned only by passing).
c.OverwriteCells.add_missing_cells = True
