"""Copy detection (autograder/similarity.py, copydetect): a copied pair, a lightly disguised copy (renamed
variables, comments, reformatting) and independent honest work, on notebook 02's five functions; each student
against the published solution; the HTML report. No grading: fast."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder.course import NOTEBOOKS, Course, source_notebook
from autograder.similarity import SOLUTION, compare, published_solution, run, solution_code, solution_ids, to_html
from tests.catalogue import build_submission

A = "02_rnn"
#: An honest, independent implementation of notebook 02 (dict caches, np.dot, stacking, a different loop).
HONEST = """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = np.dot(x, Wx) + np.dot(h_prev, Wh)
    pre = pre + b[None, :]
    out = np.tanh(pre)
    return out, {"x": x, "hp": h_prev, "Wx": Wx, "Wh": Wh, "out": out}

def rnn_forward(x, h0, Wx, Wh, b):
    states = []
    caches = []
    state = h0
    for i in range(x.shape[1]):
        state, c = rnn_step_forward(x[:, i, :], state, Wx, Wh, b)
        states.append(state)
        caches.append(c)
    return np.stack(states, axis=1), caches

def rnn_step_backward(dh_next, cache):
    grad_pre = (1.0 - np.square(cache["out"])) * dh_next
    dx = np.dot(grad_pre, cache["Wx"].T)
    dprev = np.dot(grad_pre, cache["Wh"].T)
    dWx = np.dot(cache["x"].T, grad_pre)
    dWh = np.dot(cache["hp"].T, grad_pre)
    db = np.sum(grad_pre, axis=0)
    return dx, dprev, dWx, dWh, db

def rnn_backward(dh, cache):
    T = dh.shape[1]
    grads_x = [None] * T
    carry = np.zeros_like(dh[:, 0, :])
    total = None
    for i in range(T - 1, -1, -1):
        gx, carry, gWx, gWh, gb = rnn_step_backward(dh[:, i, :] + carry, cache[i])
        grads_x[i] = gx
        if total is None:
            total = [gWx.copy(), gWh.copy(), gb.copy()]
        else:
            total[0] += gWx; total[1] += gWh; total[2] += gb
    return np.stack(grads_x, axis=1), carry, total[0], total[1], total[2]

def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
    factor = min(1.0, max_norm / (norm + 1e-12))
    return [g * factor for g in grads], norm
"""


def split_functions(code: str) -> dict[str, str]:
    """function name -> its source, for build_submission."""
    parts = re.split(r"(?m)^(?=def )", code.strip())
    return {re.match(r"def (\w+)", p).group(1): p.strip() + "\n" for p in parts if p.strip()}


def disguise(code: str) -> str:
    """What a student does to hide a copy: rename variables, add comments, change spacing."""
    for old, new in [("h_next", "hn"), ("h_prev", "hp"), ("cache", "memo"), ("caches", "memos"), ("dh_prev", "g"),
                     ("da", "delta"), ("dx_t", "gx"), ("t", "step")]:  # fmt: skip
        code = re.sub(rf"\b{old}\b", new, code)
    return code.replace("    N, T, _ = x.shape", "    # my own shapes\n    N, T, _ = x.shape  # batch, time")


@pytest.fixture(scope="module")
def codes() -> dict[str, str]:
    release = nbformat.read(NOTEBOOKS / f"{A}.ipynb", as_version=4)
    ids = solution_ids(release)
    solution = published_solution(nbformat.read(source_notebook(A), as_version=4), ids)
    return {"ids": ids, "starter": solution_code(release, ids), "solution": solution}


def test_copied_disguised_and_honest_work(codes) -> None:
    sol = codes["solution"]
    report = compare(
        {"alice": sol, "bob": sol, "carol": disguise(sol), "dave": HONEST, "erin": codes["starter"]},
        codes["starter"],
        sol,
        A,
    )
    flagged = {frozenset((m.a, m.b)) for m in report.flagged}
    assert frozenset(("alice", "bob")) in flagged, "an identical copy must be flagged"
    assert frozenset(("alice", "carol")) in flagged, "renaming variables must not hide a copy"
    assert frozenset(("carol", SOLUTION)) in flagged, "copying the published solution must be flagged"
    assert not any("dave" in pair for pair in flagged), "independent work must not be flagged"
    dave = max(m.similarity for m in report.pairs if "dave" in (m.a, m.b))
    assert dave < 0.3, f"honest work came out {dave:.0%} similar"
    assert "erin" in report.skipped and "tokens of own code" in report.skipped["erin"], "the unsolved notebook"


def test_the_starter_code_does_not_count(codes) -> None:
    """Two students who only keep the docstrings and write a different one-liner each are not similar."""
    report = compare({"x": codes["starter"], "y": codes["starter"]}, codes["starter"], None, A)
    assert not report.flagged and set(report.skipped) == {"x", "y"}


def test_run_on_a_course_folder_and_the_html_report(tmp_path: Path, codes) -> None:
    course = Course(root=tmp_path / "course")
    course.submit(A, "alice", build_submission(A, {}))
    course.submit(A, "dave", build_submission(A, split_functions(HONEST)))
    course.submit(
        A, "frank", build_submission(A, {k: disguise(v) for k, v in split_functions(codes["solution"]).items()})
    )
    broken = course.path("submitted", "zoe", A)
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    report = run(course, A)
    pairs = {frozenset((m.a, m.b)) for m in report.flagged}
    assert pairs == {frozenset(p) for p in [("alice", "frank"), ("alice", SOLUTION), ("frank", SOLUTION)]}
    assert "not a valid notebook" in report.skipped["zoe"]
    page = to_html(report)
    assert page.count('<div class="pair">') == 3 and "<mark>" in page
    assert "<script" not in page and "http" not in page.split("<body>")[1]
