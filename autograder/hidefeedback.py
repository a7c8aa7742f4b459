"""Keep hidden tests out of the feedback students get back.

nbgrader's feedback HTML is made from the autograded notebook, which contains the hidden tests. This
preprocessor (wired into ``GenerateFeedback.preprocessors`` by :func:`autograder.course.load_config`)
removes every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region, and shortens the error
output of a cell that had one to its last line (``AssertionError: <message>``): a traceback would quote the
hidden test's code.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

NOTICE = "# (hidden tests ran here; their code is not shown)"


class HideHiddenTests(Preprocessor):
    """Remove hidden test code and tracebacks that would show it."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)
    begin = Unicode("### BEGIN HIDDEN TESTS").tag(config=True)
    end = Unicode("### END HIDDEN TESTS").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or self.begin not in cell.source:
            return cell, resources
        kept, hidden = [], False
        for line in cell.source.split("\n"):
            if self.begin in line:
                hidden = True
                kept.append(line[: len(line) - len(line.lstrip())] + NOTICE)
            elif self.end in line:
                hidden = False
            elif not hidden:
                kept.append(line)
        cell.source = "\n".join(kept)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
