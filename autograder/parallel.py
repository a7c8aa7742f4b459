"""Grade a class in parallel, sandboxed, with integrity flags, resumable after a crash.

Design (one writer, many executors):

- The parent process owns the course directory: it alone writes ``gradebook.db``, ``autograded/`` and the
  per-student marker files. It runs nbgrader's ``generate_assignment`` once, copies the gradebook to a
  *template*, and hands students to ``workers`` worker processes.
- Each student's execution is a task (:func:`autograder.executors.run_task`) that carries everything as bytes
  and returns the executed notebook and logs; an executor runs the tasks: the local pool by default, or a
  Dask cluster (``Options.cluster``), behind one interface (:mod:`autograder.executors`).
- A worker process per slot (``python -m autograder.worker --serve``, reused student after student) builds
  a private scratch course for each student (a copy of the template gradebook and of the submission) and
  runs real ``nbgrader autograde`` there with :class:`autograder.sandbox.SandboxExecute` as the only step
  after nbgrader's sanitizing steps (the kernel inside bubblewrap with resource limits). Nothing it does
  touches the real course; the kernel itself sees neither course. A worker over its time is killed with its
  kernel, and a new one takes the next student.
- The parent then runs ``nbgrader autograde`` on the real course with the Execute step replaced by
  :class:`InjectExecuted`, which copies the worker's cell outputs into the freshly sanitized notebook (after
  checking that it is the same notebook, cell by cell). nbgrader's own steps compute and save the scores:
  they are the scores serial ``nbgrader autograde`` gives.
- Integrity flags (:mod:`autograder.integrity`) put a submission on hold: its grades get a manual score of 0
  and "needs manual grade" in the gradebook (nbgrader's formgrader shows them; exports show 0) until the
  instructor runs ``python -m autograder review ASSIGNMENT --accept STUDENT``.
- Each graded student ends with ``autograded/<student>/<assignment>/.autograder.json`` (sha256 of the
  submission, status, scores, flags), written atomically after the gradebook commit. A rerun skips students
  whose marker matches their current submission (except errors, which are retried), so a crash (even
  ``kill -9``) loses at most the students being graded at that moment, and those are graded again on the
  next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer, Unicode
from traitlets.config import Config

from autograder.course import REPO_ROOT, CellScore, Course, read_json_notebook
from autograder.grading import StudentResult, admit, max_cells, printable
from autograder.outputsafety import sanitize_outputs
from autograder.sandbox import SANDBOX_UID_BASE, Limits, UidLease, cap_outputs

MARKER = ".autograder.json"
#: Seconds a worker may take beyond the notebook's time limit (kernel start-up, nbgrader) before it is killed.
WORKER_GRACE = 180


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces, and the unsafe mode was not asked for."""


class GradingBusy(RuntimeError):
    """Another ``grade`` run holds the course (it writes the same gradebook and scratch folders)."""


_HELD: set[Path] = set()


@contextlib.contextmanager
def course_lock(course: Course) -> Iterator[None]:
    """Hold ``<course>/.grading.lock`` (an flock, released by the system even if the grader is killed).

    Raises:
        GradingBusy: another process holds it.
    """
    path = Path(course.root).resolve() / ".grading.lock"
    if path in _HELD:  # this process holds it already (the CLI locks before importing submissions)
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise GradingBusy(
                f"{holder} is grading in {course.root} right now; wait for it to finish (or stop it) and run "
                "this command again"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"grader pid {os.getpid()}")
        fh.flush()
        _HELD.add(path)
        try:
            yield
        finally:
            _HELD.discard(path)
            fcntl.flock(fh, fcntl.LOCK_UN)


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Options:
    """How to grade: workers, limits, sandbox, whether to regrade what is already graded.

    Attributes:
        workers: students graded at the same time.
        limits: per-submission limits.
        sandbox: run kernels inside bubblewrap (False: resource limits only, for trusted work).
        force: regrade students whose submission has not changed since they were graded.
        cluster: run the sandboxed executions on Dask instead of local worker processes: a scheduler address
            (``tcp://scheduler:8786``) or ``local:N`` for a LocalCluster of N one-thread worker processes on this
            machine (see :mod:`autograder.executors`); ``workers`` is then ignored.
    """

    workers: int = field(default_factory=default_workers)
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    force: bool = False
    cluster: str | None = None


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def marker_path(course: Course, assignment: str, student: str) -> Path:
    """Where the record of a student's last grading is kept."""
    return Path(course.root) / "autograded" / student / assignment / MARKER


def executed_path(scratch: Path, student: str, assignment: str, notebook: str | None = None) -> Path:
    """Where a student's executed notebook lies in their scratch folder (the worker's nbgrader writes it there,
    the grader's :class:`InjectExecuted` and :func:`finish_student` read it)."""
    return scratch / "course" / "autograded" / student / assignment / f"{notebook or assignment}.ipynb"


def read_marker(course: Course, assignment: str, student: str) -> dict | None:
    """The record of a student's last grading, or None."""
    return _read_json(marker_path(course, assignment, student))


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# -- worker side ------------------------------------------------------------------------------------------


def die_with_parent(parent: int) -> None:
    """In a worker: SIGKILL when the grader (pid ``parent``) dies, even by ``kill -9`` (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the grader died before prctl took effect
        os._exit(1)


def grade_one(spec: dict) -> dict:
    """Execute one student's notebook in a scratch course (see the module docstring).

    Returns nbgrader's result (``success``, ``log``, ``error``); never raises for a bad submission.
    """
    scratch = Path(spec["scratch"])
    assignment, student = spec["assignment"], spec["student"]
    limits = Limits(**spec["limits"])
    root = scratch / "course"
    runtime = Path(spec["runtime"])  # short: it holds the kernel's Unix sockets
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec["template_db"], root / "gradebook.db")
    dest = root / "submitted" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec["submitted"], dest / f"{assignment}.ipynb")
    # Files released with the assignment besides the notebook (data files) go to the kernel's working folder.
    work = scratch / "box" / "work"
    work.mkdir(parents=True, exist_ok=True)
    src = Path(spec["source"]) / assignment
    for path in src.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            target = work / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    from autograder.sandbox import SandboxExecute, course_cell_digests

    extra = Config()
    extra.Autograde.autograde_preprocessors = [SandboxExecute]
    extra.SandboxExecute.notebook_timeout = limits.notebook_timeout
    extra.SandboxExecute.output_kb = limits.output_kb
    extra.SandboxExecute.notebook_output_kb = limits.notebook_output_kb
    extra.SandboxExecute.report_path = str(scratch / "report.json")
    if spec.get("course_cells") is not None:  # computed by the grader: the worker never sees the solutions
        extra.SandboxExecute.course_cells = list(spec["course_cells"])
    else:
        with contextlib.suppress(OSError, ValueError):
            extra.SandboxExecute.course_cells = course_cell_digests(src / f"{assignment}.ipynb")
    extra.SandboxKernelManager.scratch = str(scratch / "box")
    extra.SandboxKernelManager.runtime = str(runtime)
    extra.SandboxKernelManager.use_bwrap = bool(spec["sandbox"])
    extra.SandboxKernelManager.uid = int(spec["uid"])
    extra.SandboxKernelManager.memory_mb = limits.memory_mb
    extra.SandboxKernelManager.nproc = limits.nproc
    extra.SandboxKernelManager.fsize_mb = limits.fsize_mb
    course = Course(root=root, source=Path(spec["source"]), timeout=limits.cell_timeout, overrides=extra)
    try:
        result = course.autograde(assignment, student)
    except Exception as exc:  # nbgrader itself failing: reported, never fatal to the class
        result = {"success": False, "log": "", "error": f"{type(exc).__name__}: {exc}"}
    return {k: result.get(k) for k in ("success", "log", "error")}


def serve(requests: Iterable[str]) -> int:
    """The worker loop: for each line (a spec file), grade that student, with this process's output in the
    student's ``worker.log``, and write ``result.json`` last (the grader waits for it)."""
    for line in requests:
        spec_path = Path(line.strip())
        if not line.strip():
            continue
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        scratch = Path(spec["scratch"])
        with open(scratch / "worker.log", "w", encoding="utf-8") as log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(log.fileno(), 1)  # the kernel's own output (it inherits these) lands there too
            os.dup2(log.fileno(), 2)
            try:
                result = grade_one(spec)
            except Exception as exc:  # the worker's own failure: this student's error, and on to the next
                result = {"success": False, "log": "", "error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.flush()
            sys.stderr.flush()
        write_json_atomic(scratch / "result.json", result)
    return 0


def worker_main(spec_path: Path) -> int:
    """Grade the one student of ``spec_path`` (as :func:`serve` does); returns an exit code."""
    return serve([str(spec_path)])


# -- parent side ------------------------------------------------------------------------------------------


class InjectExecuted(Preprocessor):
    """Stands in for nbgrader's Execute in the parent: takes the cell outputs a worker produced.

    The worker ran the same sanitizing steps on the same submission, so its executed notebook must match the
    sanitized one cell by cell (type and source); if it does not, or the worker produced nothing, every code
    cell gets an error output saying why, so every tests cell scores 0.
    """

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors").tag(config=True)
    executed_root = Unicode("", help="WORK_DIR holding <student>/course/autograded/...").tag(config=True)
    output_kb = Integer(Limits.output_kb, help="output kept per cell (KiB)").tag(config=True)
    notebook_output_kb = Integer(Limits.notebook_output_kb, help="output kept per notebook (KiB)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        student, assignment, notebook = info["student"], info["assignment"], info["notebook"]
        scratch = Path(self.executed_root) / student
        executed = executed_path(scratch, student, assignment, notebook)
        result = _read_json(scratch / "result.json") or {}
        if not result.get("success"):
            problem = explain(result, "the grading worker stopped before it finished")
        elif not executed.is_file():
            problem = "the grading worker produced no executed notebook"
        else:
            done = nbformat.read(executed, as_version=4)
            same = len(done.cells) == len(nb.cells) and all(
                a.cell_type == b.cell_type and a.source == b.source for a, b in zip(done.cells, nb.cells, strict=False)
            )
            if same:
                left = self.notebook_output_kb * 1024
                for mine, theirs in zip(nb.cells, done.cells, strict=True):
                    if mine.cell_type == "code":
                        # Saved and rendered as feedback: no scripts or styles, within the byte caps.
                        outputs = sanitize_outputs(list(theirs.get("outputs", [])))
                        mine.outputs, used, _ = cap_outputs(outputs, self.output_kb * 1024, left)
                        left -= used
                        mine.execution_count = theirs.get("execution_count")
                if "language_info" in done.metadata:
                    nb.metadata["language_info"] = done.metadata["language_info"]
                return nb, resources
            problem = "the executed notebook does not match the submission"
        write_json_atomic(scratch / "inject.json", {"problem": problem})  # the student's row says why
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    nbformat.v4.new_output("error", ename="GradingError", evalue=problem, traceback=[problem])
                ]
        return nb, resources


def last_line(text: str | None, fallback: str) -> str:
    """The last non-blank line of ``text`` (nbgrader's and Python's errors end with the useful one)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else fallback


#: Exceptions of nbclient that end a notebook's grading, in words an instructor can act on.
KNOWN_FAILURES = {
    "DeadKernelError": "the kernel died (the submission ended its own process, or crashed)",
    "CellTimeoutError": "a cell ran past the time limit and did not stop when interrupted",
    "CellControlSignal": "the kernel stopped answering",
}


def explain(result: dict, fallback: str) -> str:
    """Why an nbgrader run failed, in one line: the last exception it logged (not nbgrader's generic
    "see the above traceback"), with a plain explanation of nbclient's own failures."""
    text = "\n".join(str(result.get(k) or "") for k in ("log", "error"))
    found = ""
    for line in text.splitlines():
        line = line.strip()
        name = line.split(":", 1)[0].rsplit(".", 1)[-1]
        if ":" in line and (name.endswith(("Error", "Exception")) or name in KNOWN_FAILURES):
            if name != "NbGraderException" and not line.startswith(("[", "File ")):
                found = line
    if not found:
        return last_line(result.get("error") or result.get("log"), fallback)
    name = found.split(":", 1)[0].rsplit(".", 1)[-1]
    return f"{KNOWN_FAILURES[name]} ({found})" if name in KNOWN_FAILURES else found


def parent_course(course: Course, work: Path, limits: Limits | None = None) -> Course:
    """The course as the parent grades it: nbgrader's autograde with :class:`InjectExecuted` for Execute."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    extra = Config()
    extra.Autograde.autograde_preprocessors = [
        InjectExecuted,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    extra.InjectExecuted.executed_root = str(Path(work).resolve())
    limits = limits or Limits()
    extra.InjectExecuted.output_kb = limits.output_kb
    extra.InjectExecuted.notebook_output_kb = limits.notebook_output_kb
    return Course(root=course.root, source=course.source, timeout=course.timeout, overrides=extra)


def snapshot_gradebook(course: Course, dest: Path) -> Path:
    """A consistent copy of the gradebook (SQLite backup API) for the workers to start from."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(Path(course.root) / "gradebook.db")
    out = sqlite3.connect(dest)
    with out:
        src.backup(out)
    src.close()
    out.close()
    return dest


#: A worker process is replaced after this many students (bounds whatever nbgrader leaks between runs).
STUDENTS_PER_WORKER = 50


class Worker:
    """One worker process (``python -m autograder.worker``) grading student after student for one slot.

    Each slot has its own uid for the sandboxed kernels (:data:`SANDBOX_UID_BASE` + slot), so that the
    process limit of one submission never counts another's processes. A worker that takes longer than the
    hard time limit, or has to stop, is killed with its process group (its kernel dies with it) and a new
    one is started for the next student.
    """

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.proc: subprocess.Popen | None = None
        self.served = 0
        # As root the kernels of this slot run as a uid no other grading run on the machine uses.
        self.lease = UidLease() if os.geteuid() == 0 else None

    @property
    def uid(self) -> int:
        """The uid of this slot's sandboxed kernels (when the grader runs as root)."""
        return self.lease.uid if self.lease is not None else SANDBOX_UID_BASE + self.slot

    def _start(self) -> subprocess.Popen:
        pythonpath = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", OMP_NUM_THREADS="1", PYTHONPATH=pythonpath)
        env["AUTOGRADER_PARENT_PID"] = str(os.getpid())
        self.served = 0
        return subprocess.Popen(
            [sys.executable, "-m", "autograder.worker", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # each student's output goes to its own worker.log
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=str(REPO_ROOT),
            start_new_session=True,  # its own process group: killed as a whole
            text=True,
        )

    def kill(self) -> None:
        """Kill the worker and everything in its process group."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def close(self, release: bool = False) -> None:
        """Let an idle worker finish (end of input), or kill it if it does not within a few seconds;
        ``release``: give the slot's uid back too (the end of the run)."""
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
                self.proc = None
            except subprocess.TimeoutExpired:
                self.kill()
        if release and self.lease is not None:
            self.lease.release()

    def grade(self, spec: dict, hard_timeout: float, stop: threading.Event) -> float:
        """Have the worker grade ``spec``'s student; returns the seconds it took.

        ``<scratch>/result.json`` holds the outcome; written here with an error if the worker died, was
        killed after ``hard_timeout`` seconds, or ``stop`` was set.
        """
        scratch = Path(spec["scratch"])
        result_path = scratch / "result.json"
        spec_path = scratch / "spec.json"
        write_json_atomic(spec_path, spec)
        start = time.monotonic()
        if self.proc is None or self.proc.poll() is not None or self.served >= STUDENTS_PER_WORKER:
            self.close()
            self.proc = self._start()
        self.served += 1
        error = ""
        try:
            self.proc.stdin.write(f"{spec_path}\n")
            self.proc.stdin.flush()
        except OSError:
            error = "the grading worker could not be started"
        while not error and not result_path.exists():
            if self.proc.poll() is not None:
                error = f"the grading worker died (exit code {self.proc.returncode})"
            elif stop.is_set():
                error = "grading was interrupted"
            elif time.monotonic() - start > hard_timeout:
                error = f"the grading worker was killed after {hard_timeout:.0f} s"
            else:
                time.sleep(0.1)
        if error:
            self.kill()
            write_json_atomic(result_path, {"success": False, "log": "", "error": error})
        return time.monotonic() - start


def hold_for_review(course: Course, assignment: str, student: str, hold: bool, decided: bool = False) -> None:
    """Put the automatically graded cells of a submission on hold, or release them.

    ``hold``: manual score 0 and "needs manual grade" (nbgrader's formgrader lists it; exports count 0);
    else the manual score is cleared (the automatic score stands). ``decided``: the 0 stands but no longer
    needs a manual grade (rejected after review). Manually graded cells, if an assignment has any, are left
    to the formgrader.
    """
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        submission = gb.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None:  # a manually graded cell
                    continue
                grade.manual_score = 0.0 if hold else None
                grade.needs_manual_grade = bool(hold) and not decided
        gb.db.commit()


def result_from_marker(marker: dict, student: str, note: str = "") -> StudentResult:
    """The :class:`StudentResult` a marker records (``note`` is prefixed to its message)."""
    cells = [CellScore(**c) for c in marker.get("cells", [])]
    status = marker.get("status", "graded")
    message = marker.get("message", "")
    if status in ("review", "rejected") and marker.get("flags"):
        message = "; ".join(x for x in (message, "FLAGGED: " + " | ".join(marker["flags"])) if x)
    message = "; ".join(x for x in (note, message) if x)
    auto = sum(c.score for c in cells)
    return StudentResult(
        student,
        status,
        score=0.0 if status in ("review", "rejected") else auto,
        max_score=sum(c.max_score for c in cells),
        message=message,
        cells=cells,
        seconds=marker.get("seconds", 0.0),
        flags=list(marker.get("flags", [])),
        auto_score=auto,
    )


def finish_student(
    course: Course,
    parent: Course,
    assignment: str,
    student: str,
    work: Path,
    release_nb: nbformat.NotebookNode,
    seconds: float,
    limits: Limits,
) -> StudentResult:
    """Parent side, after the worker: save grades (nbgrader), flags, hold, log and marker for one student."""
    from autograder.integrity import output_flags, probe_flags, static_flags

    scratch = work / student
    submitted = course.path("submitted", student, assignment)
    digest = sha256(submitted)
    result = _read_json(scratch / "result.json") or {"success": False, "error": "the grading worker crashed"}
    flags: list[str] = []
    try:
        flags += static_flags(read_json_notebook(submitted), release_nb, assignment)
    except ValueError as exc:
        result = {"success": False, "log": result.get("log"), "error": str(exc)}
    report = _read_json(scratch / "report.json") or {}
    flags += probe_flags(report)
    executed = executed_path(scratch, student, assignment)
    if executed.is_file():
        try:
            flags += output_flags(nbformat.read(executed, as_version=4), release_nb)
        except Exception:  # an unreadable executed notebook is reported by InjectExecuted
            pass
    flags = [printable(f) for f in flags]  # they quote the student's code and output: no escape sequences
    previous = read_marker(course, assignment, student) or {}
    try:
        parent_result = parent.autograde(assignment, student)
    except Exception as exc:  # reported as this student's error
        parent_result = {"success": False, "log": "", "error": f"{type(exc).__name__}: {exc}"}
    status, notes = "graded", []
    if not result.get("success"):
        status = "error"
        notes.append(explain(result, "autograde failed"))
    elif not parent_result.get("success"):
        status = "error"
        notes.append(explain(parent_result, "saving grades failed"))
    elif (injected := _read_json(scratch / "inject.json")) is not None:
        status = "error"  # every tests cell was given 0: say why
        notes.append(str(injected.get("problem")))
    if report.get("notebook_timeout"):
        notes.append(
            f"notebook time limit ({limits.notebook_timeout} s) reached, {len(report['not_run'])} cell(s) not run"
        )
    if report.get("truncated_cells"):
        notes.append(f"output beyond {limits.output_kb} KiB cut in {len(report['truncated_cells'])} cell(s)")
    try:
        cells = course.scores(assignment, student, automatic=True) if parent_result.get("success") else []
    except Exception:  # no submission in the gradebook: nothing to save or hold
        cells = []
    if flags and cells:
        hold_for_review(course, assignment, student, True)
        status = "review"
    elif cells and previous.get("status") in ("review", "rejected"):
        hold_for_review(course, assignment, student, False)  # our own hold of an earlier version
    log_dir = Path(course.root) / "logs" / assignment
    log_dir.mkdir(parents=True, exist_ok=True)
    worker_log = scratch / "worker.log"
    lines = [
        f"student {student}, assignment {assignment}: {status} in {seconds:.1f} s",
        f"submission sha256 {digest}",
        f"limits: {json.dumps(asdict(limits))}",
        "flags:" + ("".join(f"\n  - {f}" for f in flags) or " none"),
        "notes:" + ("".join(f"\n  - {n}" for n in notes) or " none"),
        f"sandbox report: {json.dumps(report)}",
        "--- worker: sanitize and execute (nbgrader autograde, sandboxed kernel) ---",
        (result.get("log") or "") + (("\n" + result["error"]) if result.get("error") else ""),
        worker_log.read_text(encoding="utf-8", errors="replace") if worker_log.exists() else "",
        "--- parent: sanitize again and save the grades (nbgrader autograde) ---",
        (parent_result.get("log") or "") + (("\n" + parent_result["error"]) if parent_result.get("error") else ""),
    ]
    (log_dir / f"{student}.log").write_text("\n".join(lines), encoding="utf-8")
    marker = {
        "sha256": digest,
        "status": status,
        "message": "; ".join(notes),
        "flags": flags,
        "cells": [asdict(c) for c in cells],
        "seconds": round(seconds, 2),
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_json_atomic(marker_path(course, assignment, student), marker)
    shutil.rmtree(scratch, ignore_errors=True)
    return result_from_marker(marker, student)


SOCKETS_PREFIX = "autograder-sockets-"


def socket_folder() -> Path:
    """A new private folder for the kernels' ZeroMQ sockets, in the system's temporary folder.

    Unix socket paths must fit in 107 bytes, which a course folder often does not; each student gets a
    subfolder, removed after grading, and the folder itself at the end of the run. A grader killed outright
    leaves its folder behind: the next run removes the folders of graders that are no longer running.
    """
    for old in Path(tempfile.gettempdir()).glob(SOCKETS_PREFIX + "*"):
        try:
            pid = int((old / "pid").read_text(encoding="utf-8"))
            if old.is_symlink() or old.stat().st_uid != os.geteuid() or pid == os.getpid():
                continue
            os.kill(pid, 0)  # raises ProcessLookupError when that grader is gone
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (OSError, ValueError):
            continue  # not ours, or being created right now
    folder = Path(tempfile.mkdtemp(prefix=SOCKETS_PREFIX))
    (folder / "pid").write_text(str(os.getpid()), encoding="utf-8")
    return folder


def check_sandbox(options: Options) -> str | None:
    """The bwrap path, None in unsafe mode; raises :class:`SandboxUnavailable` if it is needed but unusable."""
    if not options.sandbox or options.cluster:  # on a cluster every worker checks its own (and refuses)
        return None
    from autograder.sandbox import bwrap_status

    exe, reason = bwrap_status()
    if exe is None:
        raise SandboxUnavailable(
            f"{reason}, so student code cannot be isolated. Install bubblewrap (Debian/Ubuntu: "
            "apt-get install -y bubblewrap; as a non-root user it also needs unprivileged user namespaces, "
            "sysctl kernel.unprivileged_userns_clone=1), or, only for submissions you trust, pass "
            "--unsafe-no-sandbox (resource limits and integrity checks still apply)."
        )
    return exe


def grade_class(
    course: Course,
    assignment: str,
    students: Iterable[str] | None = None,
    options: Options | None = None,
    explicit: bool = False,
    on_done: Callable[[StudentResult], None] | None = None,
) -> list[StudentResult]:
    """Grade ``students`` (default: all in submitted/) of ``assignment`` in parallel; see the module docstring.

    Args:
        course: the course directory (the parent's; ``course.timeout`` is ignored, see ``options.limits``).
        assignment: assignment name.
        students: which students (default: all with a submission).
        options: workers, limits, sandbox, force.
        explicit: the students were named by the instructor: grade them even if already graded.
        on_done: called in the parent with each student's result as it is known (progress bar).

    Raises:
        SandboxUnavailable: the sandbox is asked for and cannot be used.
        GradingBusy: another grading run is using the course.
        autograder.executors.ClusterError: ``options.cluster`` cannot be reached, has no worker, or has workers
            of another course version or without bubblewrap.
    """
    options = options or Options()
    check_sandbox(options)
    with course_lock(course):
        return _grade_class(course, assignment, students, options, explicit, on_done)


def _grade_class(
    course: Course,
    assignment: str,
    students: Iterable[str] | None,
    options: Options,
    explicit: bool,
    on_done: Callable[[StudentResult], None] | None,
) -> list[StudentResult]:
    """:func:`grade_class` once the course is locked."""
    # Absolute paths only: nbgrader changes the process's folder while it grades, and worker threads compute
    # paths meanwhile.
    course = dataclasses.replace(course, root=Path(course.root).resolve(), source=Path(course.source).resolve())
    course.generate_assignment(assignment)
    release_nb = nbformat.read(course.path("release", ".", assignment), as_version=4)
    names = list(students) if students is not None else course.students(assignment)
    work = Path(course.root).resolve() / ".work" / assignment  # absolute: nbgrader changes folders
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    template = snapshot_gradebook(course, work / "template.db")
    # Students' scratch folders apart from the grader's own files: a student named "template.db" is a student.
    work = work / "students"
    work.mkdir()
    parent = parent_course(course, work, options.limits)
    results: list[StudentResult] = []
    todo: list[str] = []
    limit = max_cells(course, assignment)
    for student in names:
        submitted = course.path("submitted", student, assignment)
        if not submitted.is_file():
            results.append(StudentResult(student, "error", message="no submission in submitted/"))
            continue
        refused = admit(submitted, submitted.parent.parent, limit)
        if refused:  # e.g. a symbolic link put into submitted/ by hand or by an exchange
            results.append(StudentResult(student, "error", message=refused))
            continue
        marker = read_marker(course, assignment, student)
        done = bool(marker) and marker.get("status") != "error"  # errors are retried: they may have been transient
        if done and not options.force and not explicit and marker.get("sha256") == sha256(submitted):
            results.append(result_from_marker(marker, student, "unchanged since last graded (--force regrades)"))
            continue
        todo.append(student)
    for r in results:
        if on_done:
            on_done(r)
    limits = options.limits
    startup = course.config().Execute.get("startup_timeout", 120)
    from autograder.executors import make_bundle, make_executor, run_task, unpack_outcome

    if todo:  # else everyone is unchanged since last graded: no bundle to build, no pool, no cluster to reach
        hard = float(limits.notebook_timeout + int(startup) + WORKER_GRACE)
        bundle = make_bundle(course, assignment, template, limits, options.sandbox, hard)
        executor = make_executor(options)  # raises GradingBusy (no sandbox uid) or ClusterError (unfit workers)
        try:
            executor.check(bundle)
            shared = executor.share(bundle)

            def job(student: str) -> dict:
                return {"student": student, "submission": course.path("submitted", student, assignment).read_bytes()}

            for student, outcome in executor.run_all(run_task, todo, job, shared):
                unpack_outcome(outcome, work / student, student, assignment)
                result = finish_student(course, parent, assignment, student, work, release_nb, outcome.seconds, limits)
                results.append(result)
                if on_done:
                    on_done(result)
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)  # the running gradings stop; finished ones keep grades
            raise
        else:
            executor.shutdown(wait=True)
    shutil.rmtree(work.parent, ignore_errors=True)
    with contextlib.suppress(OSError):
        work.parent.parent.rmdir()  # .work/, unless another assignment is being graded
    return sorted(results, key=lambda r: r.student)


# -- review ---------------------------------------------------------------------------------------------------


def flagged(course: Course, assignment: str) -> list[StudentResult]:
    """Students of ``assignment`` whose last grading is held for review, with their flags."""
    results = []
    for student in course.students(assignment):
        marker = read_marker(course, assignment, student)
        if marker and marker.get("status") == "review":
            results.append(result_from_marker(marker, student))
    return results


def decide(course: Course, assignment: str, student: str, accept: bool) -> StudentResult:
    """Accept (release the automatic scores) or reject (keep 0) a submission held for review.

    Raises:
        ValueError: the student has no graded submission held for review or already decided.
    """
    marker = read_marker(course, assignment, student)
    if not marker or marker.get("status") not in ("review", "rejected", "graded") or not marker.get("flags"):
        raise ValueError(f"{student} has no flagged submission of {assignment} to review")
    hold_for_review(course, assignment, student, hold=not accept, decided=True)
    marker["status"] = "graded" if accept else "rejected"
    marker["message"] = "; ".join(
        x for x in (marker.get("message", ""), "accepted after review" if accept else "rejected after review") if x
    )
    marker["reviewed_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_json_atomic(marker_path(course, assignment, student), marker)
    return result_from_marker(marker, student)
