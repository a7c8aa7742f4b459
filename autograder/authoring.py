"""Convert nbgrader source notebooks to and from a plain-text percent format.

The format (documented in CONTRIBUTING.md) lets authors write a notebook as a ``.py`` file::

    # %% [markdown]
    # # Title
    # %% setup
    # %% locked id=imports
    import numpy as np
    # %% solution id=sigmoid
    def sigmoid(x): ...
    # %% tests id=test_sigmoid points=2
    assert ...

Conversion in both directions is lossless for everything the course uses (cell kinds, nbgrader metadata,
cell ids), so ``to_py(from_py(text)) == text`` for any text in canonical form.
"""

from __future__ import annotations

import re

import nbformat
from nbformat import NotebookNode

MARKER = re.compile(r"^# %%(?P<rest>(?: .*)?)$")
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KINDS = ("code", "markdown", "setup", "locked", "solution", "tests")
SETUP_ID = "setup"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}


class AuthoringError(ValueError):
    """The percent-format text is malformed; the message names the line."""


def _nbgrader_meta(kind: str, grade_id: str, points: float | None) -> dict:
    meta = {
        "grade": kind == "tests",
        "grade_id": grade_id,
        "locked": kind in ("tests", "locked", "setup"),
        "schema_version": 3,
        "solution": kind == "solution",
        "task": False,
    }
    if kind == "tests":
        meta["points"] = points
    return meta


def _parse_marker(rest: str, lineno: int) -> tuple[str, str | None, float | None]:
    words = rest.split()
    kind = "code"
    if words and words[0] == "[markdown]":
        kind = "markdown"
        words = words[1:]
    elif words and words[0] in ("setup", "locked", "solution", "tests"):
        kind = words[0]
        words = words[1:]
    options = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in ("id", "points"):
            raise AuthoringError(f"line {lineno}: unknown marker option {word!r} (expected id=NAME or points=P)")
        options[key] = value
    cell_id = options.get("id")
    if kind == "setup":
        cell_id = cell_id or SETUP_ID
    if cell_id is not None and not CELL_ID.match(cell_id):
        raise AuthoringError(f"line {lineno}: id {cell_id!r} must be 1-64 letters, digits, '_' or '-'")
    if kind in ("locked", "solution", "tests") and cell_id is None:
        raise AuthoringError(f"line {lineno}: a {kind} cell needs id=NAME")
    points = None
    if kind == "tests":
        if "points" not in options:
            raise AuthoringError(f"line {lineno}: a tests cell needs points=P")
        try:
            points = float(options["points"])
        except ValueError:
            raise AuthoringError(f"line {lineno}: points must be a number, got {options['points']!r}") from None
        if points <= 0:
            raise AuthoringError(f"line {lineno}: points must be positive")
        points = int(points) if points.is_integer() else points
    elif "points" in options:
        raise AuthoringError(f"line {lineno}: only tests cells carry points")
    return kind, cell_id, points


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def from_py(text: str, setup_source: str | None = None) -> NotebookNode:
    """Build a source notebook from percent-format ``text``.

    Args:
        text: the percent-format source.
        setup_source: code of the ``# %% setup`` cell (default: the course's standard setup cell).

    Raises:
        AuthoringError: on malformed markers, duplicate ids or markdown lines without ``#``.
    """
    if setup_source is None:
        from autograder.setup_cell import render_setup_cell

        setup_source = render_setup_cell()
    cells: list[tuple[int, str, str | None, float | None, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        match = MARKER.match(line)
        if match:
            cells.append((lineno, *_parse_marker(match.group("rest"), lineno), []))
        elif cells:
            cells[-1][4].append(line)
        elif line.strip():
            raise AuthoringError(f"line {lineno}: text before the first '# %%' marker")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    seen: set[str] = set()
    for index, (lineno, kind, cell_id, points, body) in enumerate(cells):
        body = _strip_blank(body)
        cell_id = cell_id or f"cell-{index:03d}"
        if cell_id in seen:
            raise AuthoringError(f"line {lineno}: duplicate id {cell_id!r}")
        seen.add(cell_id)
        if kind == "markdown":
            md = []
            for offset, line in enumerate(body):
                if line == "#":
                    md.append("")
                elif line.startswith("# "):
                    md.append(line[2:])
                else:
                    raise AuthoringError(
                        f"line {lineno + 1 + offset}: markdown lines must start with '# ' (got {line!r})"
                    )
            cell = nbformat.v4.new_markdown_cell("\n".join(md))
        else:
            source = setup_source if kind == "setup" else "\n".join(body)
            cell = nbformat.v4.new_code_cell(source)
        cell.id = cell_id
        if kind not in ("code", "markdown"):
            cell.metadata["nbgrader"] = _nbgrader_meta(kind, cell_id, points)
        nb.cells.append(cell)
    return nb


def cell_kind(cell: NotebookNode) -> str:
    """Return the authoring kind of a notebook cell (one of ``KINDS``)."""
    if cell.cell_type == "markdown":
        return "markdown"
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade"):
        return "tests"
    if meta.get("solution"):
        return "solution"
    if meta.get("locked"):
        return "setup" if meta.get("grade_id") == SETUP_ID else "locked"
    return "code"


def to_py(nb: NotebookNode) -> str:
    """Render a notebook in percent format (outputs and other metadata are dropped)."""
    blocks = []
    for index, cell in enumerate(nb.cells):
        kind = cell_kind(cell)
        cell_id = cell.get("id")
        parts = ["# %%"]
        if kind == "markdown":
            parts.append("[markdown]")
        elif kind != "code":
            parts.append(kind)
        if kind == "setup":
            pass
        elif kind in ("locked", "solution", "tests"):
            parts.append(f"id={cell.metadata['nbgrader']['grade_id']}")
        elif cell_id and cell_id != f"cell-{index:03d}":
            parts.append(f"id={cell_id}")
        if kind == "tests":
            parts.append(f"points={cell.metadata['nbgrader']['points']}")
        lines = [" ".join(parts)]
        if kind == "markdown":
            lines += ["# " + line if line else "#" for line in cell.source.splitlines()]
        elif kind != "setup":
            lines += cell.source.splitlines()
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_notebook(nb: NotebookNode, path) -> None:
    """Write ``nb`` in nbformat's canonical JSON (sorted keys, one-space indent, final newline)."""
    text = nbformat.writes(nb, version=4)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text if text.endswith("\n") else text + "\n")
