"""Where PyTorch is missing (some Colab or lab images), notebooks 02-04 still run and grade what does not need it.

Each notebook's code runs in a fresh interpreter whose import of ``torch`` fails, as it does where it is not
installed. The imports cell must get through (``lstm_course.checks.optional_import``), every tests cell must
either pass or fail with the message that says to install PyTorch, and the NumPy-only tests must pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

from autograder.authoring import cell_kind
from autograder.course import source_notebook

RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, sys

    import nbformat

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}")

    sys.meta_path.insert(0, Block())
    nb = nbformat.read(sys.argv[1], as_version=4)
    namespace, results = {"__name__": "__main__"}, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", cell.get("id"))
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(cell.source, grade_id, "exec"), namespace)
            results.append([grade_id, "ok", out.getvalue()[-2000:]])
        except BaseException as exc:
            results.append([grade_id, type(exc).__name__, str(exc)[:2000]])
    print(json.dumps(results))
    """
)

#: Tests cells that need no framework and must pass without PyTorch.
NUMPY_ONLY = {
    "02_rnn": ["test_clip_by_global_norm"],
    "03_lstm_forward": [],
    "04_lstm_backward": ["test_lstm_step_backward", "test_lstm_backward", "test_peephole_lstm_step_backward"],
}


def run_without_torch(assignment: str) -> dict[str, tuple[str, str]]:
    env = dict(os.environ, LSTM_COURSE_FAST="1", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, str(source_notebook(assignment))],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {name: (status, text) for name, status, text in json.loads(run.stdout.splitlines()[-1])}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(NUMPY_ONLY))
def test_notebook_without_torch_grades_its_numpy_exercises(assignment: str) -> None:
    results = run_without_torch(assignment)
    status, text = results["imports"]
    assert status == "ok", f"the imports cell fails without torch: {status}: {text}"
    assert "pip install torch" in text, "the imports cell should say that PyTorch is missing and how to install it"
    tests = {
        c.metadata["nbgrader"]["grade_id"]
        for c in nbformat.read(source_notebook(assignment), 4).cells
        if cell_kind(c) == "tests"
    }
    for name in sorted(tests):
        status, text = results[name]
        assert status == "ok" or (status == "ImportError" and "pip install torch" in text), (
            f"{assignment}/{name} without torch: {status}: {text}"
        )
    for name in NUMPY_ONLY[assignment]:
        assert results[name][0] == "ok", f"{assignment}/{name} needs no torch but fails: {results[name]}"
