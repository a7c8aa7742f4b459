"""A course directory driven through nbgrader's Python API: release, autograde, scores, feedback, export.

Everything runs in-process through :class:`nbgrader.apps.NbGraderAPI` (no nbgrader start-up cost per
student); each notebook still executes in its own Jupyter kernel.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.authoring import SETUP_ID, cell_kind, write_notebook
from autograder.setup_cell import render_setup_cell

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO_ROOT / "solutions"
NOTEBOOKS = REPO_ROOT / "notebooks"
GRADING = REPO_ROOT / "grading"


def failure_detail(result: dict) -> str:
    """nbgrader's explanation of a failed step, with the real cause first.

    nbgrader's ``error`` often ends in "Please see the above traceback", while the traceback that says what
    went wrong (e.g. ``FileNotFoundError: ... 'alembic'``) is only in its ``log``: quote the log's errors.
    """
    import re

    error = (result.get("error") or "").strip()
    log = (result.get("log") or "").strip()
    causes = [
        line.strip()
        for line in log.splitlines()
        if re.match(r"^\s*[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b:?", line)
        and "NbGraderException" not in line
    ]
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]") and "Please see the" not in line]
    if causes or errors:
        lines = ([f"cause: {causes[-1]}"] if causes else []) + errors[-5:]
        return "\n".join(lines)
    return error or log or "no explanation given by nbgrader"


class GradingError(RuntimeError):
    """An nbgrader step failed; the message carries nbgrader's own explanation."""


class UnknownAssignment(ValueError):
    """An assignment name that has no source notebook."""


def ensure_tools_on_path() -> None:
    """Put this Python environment's ``bin/`` first on PATH: nbgrader runs ``alembic`` (and kernels) from it.

    Without it, a tool started as ``/venv/bin/python -m autograder`` from a shell where the environment is
    not activated fails deep inside nbgrader ("Please see the above traceback", with no traceback above).
    """
    import os
    import sys

    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if not parts or parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir, *[p for p in parts if p and p != bindir]])


def assignments(source: Path = SOLUTIONS) -> list[str]:
    """Names of the assignments that have a source notebook ``<source>/<name>/<name>.ipynb``, sorted."""
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def resolve_assignments(names: Iterable[str] | None, source: Path = SOLUTIONS) -> list[str]:
    """Return ``names`` (default: all assignments), failing clearly on an unknown one."""
    known = assignments(source)
    names = list(names or known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownAssignment(
            f"unknown assignment {', '.join(map(repr, unknown))}; known: {', '.join(known) or '(none)'}"
        )
    return names


def source_notebook(assignment: str, source: Path = SOLUTIONS) -> Path:
    """Path of an assignment's source notebook."""
    return source / assignment / f"{assignment}.ipynb"


def load_config(overrides: Config | None = None) -> Config:
    """The repository's ``nbgrader_config.py`` merged with ``overrides``."""
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    cfg.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "autograder.hidefeedback.HideHiddenTests",
        "autograder.feedbackhtml.MathToMathML",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    from autograder.feedbackhtml import configure

    configure(cfg)  # tests cells named, hints wrapped, formulas offline (see feedbackhtml)
    from autograder.nbfixes import sanitize_preprocessors

    cfg.Autograde.sanitize_preprocessors = sanitize_preprocessors()  # nbgrader's, plus a fix (see nbfixes)
    cfg.AssignLatePenalties.plugin_class = "autograder.late.LatePenalty"  # late_policy.json (see late.py)
    if overrides is not None:
        cfg.merge(overrides)
    return cfg


@dataclass
class CellScore:
    """Score of one graded (tests) cell."""

    name: str
    score: float
    max_score: float


@dataclass
class Course:
    """An nbgrader course directory.

    Attributes:
        root: where release/, submitted/, autograded/, feedback/ and gradebook.db live.
        source: the folder of source notebooks (``<source>/<assignment>/<assignment>.ipynb``).
        timeout: seconds one cell may run when autograding (default: nbgrader_config.py's).
        overrides: extra nbgrader configuration (e.g. the preprocessors of :mod:`autograder.parallel`).
    """

    root: Path = GRADING
    source: Path = SOLUTIONS
    timeout: int | None = None
    overrides: Config | None = None
    _api: object = field(default=None, init=False, repr=False)

    def config(self) -> Config:
        """nbgrader configuration for this course directory."""
        extra = Config()
        extra.CourseDirectory.root = str(Path(self.root).resolve())
        extra.CourseDirectory.source_directory = str(Path(self.source).resolve())
        extra.NbGraderAPI.log_level = logging.WARNING
        if self.timeout is not None:
            extra.Execute.timeout = int(self.timeout)
        if self.overrides is not None:
            extra.merge(self.overrides)
        return load_config(extra)

    @property
    def api(self):
        """The nbgrader API object (created on first use)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            ensure_tools_on_path()
            Path(self.root).mkdir(parents=True, exist_ok=True)
            self._api = NbGraderAPI(config=self.config())
        return self._api

    @property
    def db_url(self) -> str:
        return f"sqlite:///{Path(self.root).resolve() / 'gradebook.db'}"

    def path(self, step: str, student: str, assignment: str) -> Path:
        """Notebook path of ``assignment`` at an nbgrader ``step`` (release, submitted, autograded, ...)."""
        if step == "release":
            return Path(self.root) / "release" / assignment / f"{assignment}.ipynb"
        return Path(self.root) / step / student / assignment / f"{assignment}.ipynb"

    def _check(self, result: dict, what: str) -> dict:
        if not result.get("success"):
            raise GradingError(f"{what} failed:\n{failure_detail(result)}")
        return result

    def generate_assignment(self, assignment: str) -> Path:
        """Run ``nbgrader generate_assignment``: student version into release/, assignment into the gradebook."""
        resolve_assignments([assignment], self.source)
        self._check(
            self.api.generate_assignment(assignment, force=True, create=True),
            f"generate_assignment {assignment}",
        )
        return self.path("release", ".", assignment)

    def submit(self, assignment: str, student: str, notebook: Path | nbformat.NotebookNode) -> Path:
        """Place a notebook as ``student``'s submission of ``assignment`` (replacing any earlier one)."""
        dest = self.path("submitted", student, assignment)
        if dest.parent.exists():
            shutil.rmtree(dest.parent)
        dest.parent.mkdir(parents=True)
        if isinstance(notebook, nbformat.NotebookNode):
            write_notebook(notebook, dest)
        else:
            shutil.copyfile(notebook, dest)
        return dest

    def students(self, assignment: str) -> list[str]:
        """Students with a submission of ``assignment`` in submitted/, sorted."""
        base = Path(self.root) / "submitted"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())

    def autograde(self, assignment: str, student: str) -> dict:
        """Run ``nbgrader autograde`` for one student; returns nbgrader's result dict (success, log, error)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session handling, harmless
            return self.api.autograde(assignment, student, force=True, create=True)

    def scores(self, assignment: str, student: str, automatic: bool = False) -> list[CellScore]:
        """Per tests-cell scores of ``student``'s autograded submission, in notebook order of the gradebook.

        ``automatic``: the autograder's own scores, ignoring any manual score (e.g. a hold for review).
        """
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            submission = gb.find_submission(assignment, student)
            return [
                CellScore(
                    grade.name, float((grade.auto_score if automatic else grade.score) or 0.0), float(grade.max_score)
                )
                for notebook in submission.notebooks
                for grade in sorted(notebook.grades, key=lambda g: g.name)
                if grade.cell_type == "code"
            ]

    def generate_feedback(self, assignment: str, student: str | None = None) -> list[Path]:
        """Run ``nbgrader generate_feedback``; returns the HTML files of this assignment."""
        self._check(
            self.api.generate_feedback(assignment, student_id=student, force=True),
            f"generate_feedback {assignment}",
        )
        pattern = f"{student or '*'}/{assignment}/*.html"
        return sorted((Path(self.root) / "feedback").glob(pattern))

    def export_csv(self, dest: Path) -> Path:
        """Write every grade in the gradebook as CSV (nbgrader's CsvExportPlugin)."""
        from nbgrader.api import Gradebook
        from nbgrader.plugins import CsvExportPlugin

        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with Gradebook(self.db_url) as gb:
            CsvExportPlugin(to=str(dest)).export(gb)
        return dest


def sync_setup_cell(path: Path) -> bool:
    """Make the ``setup`` cell of a source notebook the standard one; return True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    wanted = render_setup_cell()
    changed = False
    for cell in nb.cells:
        if cell_kind(cell) == "setup" and cell.get("id") == SETUP_ID and cell.source != wanted:
            cell.source = wanted
            changed = True
    if changed:
        write_notebook(nb, path)
    return changed


def student_version(release_path: Path) -> str:
    """Canonical text of a generated student notebook (what ``notebooks/`` holds)."""
    nb = nbformat.read(release_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("celltoolbar", None)
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def render_releases(names: Iterable[str], source: Path = SOLUTIONS) -> dict[str, str]:
    """Generate the student versions of ``names`` in a scratch course; returns name -> notebook text."""
    names = resolve_assignments(names, source)
    with tempfile.TemporaryDirectory(prefix="lstm-release-") as tmp:
        course = Course(root=Path(tmp), source=source)
        return {name: student_version(course.generate_assignment(name)) for name in names}


def release(names: Iterable[str] | None = None, out: Path = NOTEBOOKS, source: Path = SOLUTIONS) -> list[Path]:
    """Regenerate ``notebooks/<name>.ipynb`` from the source notebooks (setup cells synced first).

    Deterministic: running it twice changes no byte. Returns the files that changed.
    """
    names = resolve_assignments(names, source)
    for name in names:
        sync_setup_cell(source_notebook(name, source))
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in render_releases(names, source).items():
        dest = out / f"{name}.ipynb"
        if not dest.exists() or dest.read_text(encoding="utf-8") != text:
            dest.write_bytes(text.encode("utf-8"))
            changed.append(dest)
    return changed


def read_json_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a submitted notebook, turning every way it can be broken into one clear ``ValueError``."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name} is not a valid notebook (broken JSON: {exc})") from None
    try:
        nb = nbformat.from_dict(data)
        if nb.get("nbformat") != 4:
            nb = nbformat.convert(nb, 4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises many types for malformed notebooks
        raise ValueError(f"{path.name} is not a valid notebook ({type(exc).__name__}: {exc})") from None
    return nb
