"""Run named code cells of a solution notebook, so that a benchmark measures exactly what the notebook teaches.

The benchmarks run as scripts (``python benchmarks/<name>.py``), so they import this module from their folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def run_solution_cells(notebook: Path, cell_ids: Iterable[str], namespace: dict) -> dict:
    """Execute the cells with ``cell_ids`` of ``notebook``, in that order, in ``namespace``; return it.

    ``namespace`` provides what the cells take from the notebook's import cell (e.g. ``{"np": numpy}``).
    Exits with a message naming the notebook if a cell id is missing.
    """
    import nbformat

    cell_ids = list(cell_ids)
    nb = nbformat.read(notebook, as_version=4)
    by_id = {cell.get("id"): cell for cell in nb.cells}
    missing = [c for c in cell_ids if c not in by_id]
    if missing:
        raise SystemExit(f"{notebook}: no cell with id {missing}")
    for cell_id in cell_ids:
        exec(compile(by_id[cell_id].source, f"{notebook.name}#{cell_id}", "exec"), namespace)
    return namespace
