"""Which student notebook gives away an earlier assignment's answers (release it only after that deadline).

Later notebooks define, in ordinary or locked cells, the functions that earlier notebooks ask students to write
(e.g. notebook 04 ships a working ``lstm_forward`` so that the backward pass can be tested). Releasing 04 before
03 is due hands the class 03's answers. :func:`given_away` finds every such case in ``notebooks/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder.authoring import cell_kind


def given_away(notebooks: Path | None = None) -> list[tuple[str, str, list[str]]]:
    """(later assignment, earlier assignment, the earlier one's graded functions the later one defines)."""
    from autograder.course import NOTEBOOKS, assignments

    folder = notebooks or NOTEBOOKS
    names = [a for a in assignments() if (folder / f"{a}.ipynb").is_file()]
    asked, defined = {}, {}
    for name in names:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        asked[name] = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if cell_kind(c) == "solution"]
        defined[name] = {
            f
            for c in nb.cells
            if c.cell_type == "code" and cell_kind(c) != "solution"
            for f in re.findall(r"^def (\w+)", c.source, flags=re.M)
        }
    found = []
    for i, later in enumerate(names):
        for earlier in names[:i]:
            functions = [f for f in asked[earlier] if f in defined[later]]
            if functions:
                found.append((later, earlier, functions))
    return found
