"""Copy detection: the solution cells of every pair of students, and of each student against the published
solutions, compared with winnowing fingerprints (`copydetect <https://pypi.org/project/copydetect/>`_).

For each submission in ``<course-dir>/submitted/<student>/<assignment>/`` the code of its solution cells (the
cells whose nbgrader ``grade_id`` is a solution cell of the released notebook) is one document. copydetect
tokenizes it with pygments, replaces every variable, function and class name by one letter and drops
comments and whitespace (so renaming variables or reformatting changes nothing), hashes every ``k``-gram of
tokens and keeps a winnowed subset. The starter code the released notebook gives (signatures, docstrings,
``raise NotImplementedError()``) is *boilerplate*: its fingerprints are removed before comparing, so
students are not similar for keeping the docstrings. A pair's similarity is the larger of the two shares
"tokens of this document found in the other" (copydetect's own measure); a pair at or above the threshold is
flagged. The solutions are public in this repository, so each student is also compared with them.

Similarity is evidence for a human to weigh, never a verdict: short exercises (``1 - t**2``) have few ways
to be written, and the report shows the code side by side so that you judge.
"""

from __future__ import annotations

import html
import io
import itertools
from dataclasses import dataclass, field

import nbformat

from autograder.authoring import cell_kind

#: Share of a document's tokens found in the other above which a pair is flagged (copydetect's display default
#: is 0.33; ours is higher because every student implements the same signatures).
THRESHOLD = 0.6
#: Length (in filtered tokens) of the k-grams fingerprinted; copydetect's default noise threshold.
K = 25
#: Winnowing window: any match of ``K + WINDOW - 1`` tokens or more is guaranteed to be found.
WINDOW = 1
#: Documents with fewer tokens than this (after removing the starter code) are not compared: nothing written.
MIN_TOKENS = 40
SOLUTION = "published solution"


@dataclass
class Document:
    """The solution code of one submission (or of the published solution)."""

    owner: str
    code: str
    fingerprint: object = None


@dataclass
class Match:
    """A compared pair: ``a``'s share found in ``b`` and ``b``'s found in ``a``, with the copied slices."""

    a: str
    b: str
    share_a: float
    share_b: float
    slices_a: object = None
    slices_b: object = None

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass
class Report:
    """Every compared pair, the flagged ones, who was skipped and why."""

    assignment: str
    threshold: float
    pairs: list[Match] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    @property
    def flagged(self) -> list[Match]:
        return sorted((m for m in self.pairs if m.similarity >= self.threshold), key=lambda m: -m.similarity)


def solution_ids(release_nb: nbformat.NotebookNode) -> list[str]:
    """grade_ids of the solution cells of a released notebook, in order."""
    return [c.metadata["nbgrader"]["grade_id"] for c in release_nb.cells if cell_kind(c) == "solution"]


def solution_code(nb: nbformat.NotebookNode, ids: list[str]) -> str:
    """The source of ``nb``'s cells with these grade_ids (or cell ids), in the order of ``ids``."""
    by_id: dict[str, str] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        key = meta.get("grade_id") or cell.get("id")
        if key in ids and key not in by_id:
            source = cell.get("source", "")
            by_id[key] = "".join(source) if isinstance(source, list) else source
    return "\n\n".join(by_id[i] for i in ids if i in by_id)


def published_solution(source_nb: nbformat.NotebookNode, ids: list[str]) -> str:
    """The solution cells of the source notebook, markers removed (what a student can copy from the repo)."""
    code = solution_code(source_nb, ids)
    return "\n".join(ln for ln in code.split("\n") if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)


def fingerprint(owner: str, code: str, boilerplate) -> object:
    from copydetect import CodeFingerprint

    return CodeFingerprint(f"{owner}.py", K, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code), language="python")


def compare(
    submissions: dict[str, str],
    starter: str,
    solution: str | None,
    assignment: str,
    threshold: float = THRESHOLD,
) -> Report:
    """Compare every pair of ``submissions`` (student -> solution code) and each with ``solution``.

    ``starter`` is the code the released notebook gives (not counted). Returns a :class:`Report`.
    """
    import numpy as np
    from copydetect import compare_files

    boilerplate = np.array(sorted(fingerprint("starter", starter, None).hashes), dtype=np.int64)
    report = Report(assignment, threshold)
    docs = dict(submissions)
    if solution is not None:
        docs[SOLUTION] = solution
    for owner, code in docs.items():
        fp = fingerprint(owner, code, boilerplate)
        if fp.token_coverage < MIN_TOKENS:
            if owner != SOLUTION:
                report.skipped[owner] = f"only {int(fp.token_coverage)} tokens of own code (nothing or little written)"
            continue
        report.documents[owner] = Document(owner, code, fp)
    for a, b in itertools.combinations(sorted(report.documents, key=lambda o: (o == SOLUTION, o)), 2):
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(
            report.documents[a].fingerprint, report.documents[b].fingerprint
        )
        report.pairs.append(Match(a, b, float(share_a), float(share_b), slices_a, slices_b))
    return report


def collect_submissions(course, assignment: str, ids: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """student -> solution code from ``<course-dir>/submitted``; student -> why unreadable."""
    from autograder.course import read_json_notebook

    codes, problems = {}, {}
    for student in course.students(assignment):
        path = course.path("submitted", student, assignment)
        try:
            codes[student] = solution_code(read_json_notebook(path), ids)
        except ValueError as exc:
            problems[student] = str(exc)
    return codes, problems


def run(course, assignment: str, threshold: float = THRESHOLD, with_solution: bool = True) -> Report:
    """Compare the submissions of ``assignment`` in ``course`` (see :func:`compare`)."""
    from autograder.course import NOTEBOOKS, source_notebook

    release_nb = nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4)
    ids = solution_ids(release_nb)
    codes, problems = collect_submissions(course, assignment, ids)
    solution = None
    if with_solution:
        solution = published_solution(nbformat.read(source_notebook(assignment, course.source), as_version=4), ids)
    report = compare(codes, solution_code(release_nb, ids), solution, assignment, threshold)
    report.skipped.update(problems)
    return report


def _side(doc: Document, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(doc.code)
    marked, _ = highlight_overlap(doc.code, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def to_html(report: Report) -> str:
    """A self-contained HTML page (no script, no remote resource): the flagged pairs side by side."""
    rows = []
    for m in report.flagged:
        rows.append(
            f"<h2>{html.escape(m.a)} &harr; {html.escape(m.b)}: {m.similarity:.0%}</h2>"
            f"<p>{m.share_a:.0%} of {html.escape(m.a)}'s code is found in {html.escape(m.b)}'s, "
            f"{m.share_b:.0%} of {html.escape(m.b)}'s in {html.escape(m.a)}'s (highlighted).</p>"
            '<div class="pair">'
            f"<div><h3>{html.escape(m.a)}</h3><pre>{_side(report.documents[m.a], m.slices_a)}</pre></div>"
            f"<div><h3>{html.escape(m.b)}</h3><pre>{_side(report.documents[m.b], m.slices_b)}</pre></div>"
            "</div>"
        )
    skipped = "".join(f"<li>{html.escape(s)}: {html.escape(why)}</li>" for s, why in sorted(report.skipped.items()))
    table = "".join(
        f"<tr><td>{html.escape(m.a)}</td><td>{html.escape(m.b)}</td><td>{m.similarity:.0%}</td></tr>"
        for m in sorted(report.pairs, key=lambda m: -m.similarity)[:50]
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Similarity: {html.escape(report.assignment)}</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }}
pre {{ background: #f6f6f6; padding: .5em; overflow-x: auto; white-space: pre-wrap; font-size: 85%; }}
mark {{ background: #ffd27f; }}
td, th {{ padding: 0 1em; text-align: left; }}
</style></head><body>
<h1>Similarity of the solution cells of {html.escape(report.assignment)}</h1>
<p>{len(report.documents)} documents compared ({len(report.pairs)} pairs) with copydetect (winnowing, k = {K},
names and comments ignored, the released starter code removed). Flagged: similarity at least
{report.threshold:.0%}, where similarity is the larger share of one document's tokens found in the other.
Evidence to weigh, not a verdict: short exercises have few ways to be written.</p>
<p><b>{len(report.flagged)} pair(s) flagged.</b></p>
{"".join(rows)}
<h2>Most similar pairs</h2><table><tr><th>a</th><th>b</th><th>similarity</th></tr>{table}</table>
<h2>Not compared</h2><ul>{skipped or "<li>none</li>"}</ul>
</body></html>
"""
