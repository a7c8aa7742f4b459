"""Feedback HTML that a student can read anywhere, offline: formulas as MathML, tests cells named, hints visible.

nbgrader's feedback page loads MathJax from a CDN (no formulas without network), lists every tests cell as
"Test cell", and prints a long error message on one line that runs off the screen. Wired in by
:func:`configure` (called from :func:`autograder.course.load_config`):

- :class:`MathToMathML` turns ``$...$`` and ``$$...$$`` in markdown cells and markdown outputs into MathML with
  `latex2mathml <https://pypi.org/project/latex2mathml/>`_ (browsers render MathML natively, no script);
- the template ``templates/feedback/lstm_feedback.html.j2`` (nbgrader's, extended) names each tests cell by
  its grade id and points in the contents, wraps error messages and loads nothing from the network.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool
from traitlets.config import Config

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILE = "lstm_feedback.html.j2"
#: Code spans and fenced blocks, left as they are; then display math, then inline math.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$", re.S)


def tex_to_mathml(tex: str, display: bool) -> str:
    """MathML of ``tex``; a formula latex2mathml cannot read stays visible as TeX in a ``<code>``."""
    try:
        from latex2mathml.converter import convert

        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # an unknown macro, or latex2mathml missing: show the TeX rather than lose it
        return f"<code>{html.escape(tex)}</code>"


def markdown_with_mathml(text: str) -> str:
    """``text`` (markdown) with its math replaced by MathML, code spans untouched."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside code
        parts[i] = _MATH.sub(
            lambda m: tex_to_mathml(m.group(1), True) if m.group(1) is not None else tex_to_mathml(m.group(2), False),
            parts[i],
        )
    return "".join(parts)


class MathToMathML(Preprocessor):
    """Replace TeX math in markdown cells and in ``text/markdown`` outputs by MathML (see the module docstring)."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = markdown_with_mathml(cell.source)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    value = data["text/markdown"]
                    data["text/markdown"] = markdown_with_mathml("".join(value) if isinstance(value, list) else value)
                if "text/latex" in data and "text/html" not in data:
                    value = data["text/latex"]
                    tex = ("".join(value) if isinstance(value, list) else value).strip().strip("$")
                    data["text/html"] = tex_to_mathml(tex, True)
                    del data["text/latex"]
        return cell, resources


def configure(cfg: Config) -> None:
    """Use the ``lstm_feedback`` template for ``generate_feedback``.

    nbgrader's API forces ``HTMLExporter.template_name = "feedback"`` (its own template); ours is a
    ``template_file`` in a ``feedback`` folder of our own, searched first, that extends nbgrader's.
    """
    import nbgrader

    nbgrader_templates = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
    cfg.HTMLExporter.template_file = TEMPLATE_FILE
    cfg.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates)]
