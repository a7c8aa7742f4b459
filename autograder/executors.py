"""Where a class's sandboxed executions run: local worker processes or a Dask cluster, behind one interface.

The grading process (:func:`autograder.parallel.grade_class`) stays the single writer of the gradebook,
``autograded/`` and the markers. What it hands out is one *task* per student: :func:`run_task` with the
student's job (the sanitised submission, as bytes) and the assignment's *bundle* (shared by the whole class:
the gradebook template nbgrader needs, which holds the release notebook's cells and checksums, the files
released with it, the course cells' digests, the limits, the course version). A task returns an
:class:`Outcome`: nbgrader's result, the sandbox report, the worker's log and the executed notebook, as bytes.
Nothing in it assumes a filesystem shared with the grader.

Two executors implement :class:`GradingExecutor` (a :class:`concurrent.futures.Executor`):

- :class:`LocalPool`, the default: threads of the grading process, each driving a worker process
  (:class:`autograder.parallel.Worker`) on this machine;
- :class:`DaskPool`: ``grade --cluster tcp://scheduler:8786`` (an existing Dask cluster: Slurm, Kubernetes,
  a few machines) or ``--cluster local:N`` (a ``LocalCluster`` of N one-thread worker processes). The task
  runs in a Dask worker, which drives a worker process of its own machine exactly as the local pool does: the
  bubblewrap sandbox and the limits apply there, and a worker without bubblewrap, or with another version of
  the course (:func:`course_version`), refuses the task with a clear error.

Faults on Dask: a worker lost mid-task (killed, out of memory, its machine gone) has its task run again on
another worker by the scheduler; a task that loses ``allowed-failures + 1`` workers (2 with the setting this
module gives a LocalCluster, and autograder/README.md asks of a cluster) is reported as that student's error
and the others are graded. The parent killed mid-run resumes from its markers, as with the local pool.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import logging
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.course import REPO_ROOT, Course
from autograder.sandbox import Limits, bwrap_status, course_cell_digests, make_scratch

#: What a grading worker's behaviour depends on, hashed into :func:`course_version`: the grader and sandbox
#: code, the helper package and data the notebooks import and read, nbgrader's configuration.
COURSE_FILES = ("autograder", "lstm_course", "datasets", "nbgrader_config.py", "pyproject.toml")
#: Installed packages whose versions count too (a different NumPy or torch may change a score).
COURSE_PACKAGES = (
    "nbgrader", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "traitlets", "numpy",
    "scipy", "pandas", "matplotlib", "scikit-learn", "torch", "tensorflow", "keras", "librosa",
)  # fmt: skip
#: Scheduler settings of a LocalCluster (and what autograder/README.md asks of a cluster's scheduler): a task
#: whose worker dies is run once more elsewhere, then reported (KilledWorker); a one-thread worker is given
#: one task at a time, so that a worker's death counts against the one task it was running only.
SCHEDULER_CONFIG = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
#: Seconds ``grade --cluster ADDRESS`` waits for a first worker to join (a batch queue may take a while).
WAIT_FOR_WORKERS = 300
#: Characters of a worker's log sent back (its end: where the errors are).
LOG_KEEP = 256 * 1024


class ClusterError(RuntimeError):
    """The Dask cluster cannot grade: unreachable, no worker, or workers of another course version or
    without bubblewrap."""


# -- course version -----------------------------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    for name in COURSE_FILES:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.is_file() and "__pycache__" not in sub.parts and sub.suffix != ".pyc":
                    yield sub


@functools.cache
def course_version(root: Path = REPO_ROOT) -> str:
    """A short hash of this installation of the course: every file of :data:`COURSE_FILES`, the versions of
    :data:`COURSE_PACKAGES` and Python's. Two machines with the same value grade alike."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in _files(Path(root)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in COURSE_PACKAGES:
        try:
            found = version(name)
        except PackageNotFoundError:
            found = "-"
        digest.update(f"{name}=={found}\0".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


@functools.cache
def course_commit(root: Path = REPO_ROOT) -> str:
    """The git commit of this installation ("" outside a git checkout), to say which one differs."""
    try:
        run = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return run.stdout.strip() if run.returncode == 0 else ""


def _describe(version: str, commit: str) -> str:
    return f"{version} (commit {commit})" if commit else version


@functools.cache
def _sandbox_status(chosen_bwrap: str | None) -> tuple[str | None, str]:
    return bwrap_status()


def sandbox_status() -> tuple[str | None, str]:
    """:func:`autograder.sandbox.bwrap_status`, once per process (and per ``$AUTOGRADER_BWRAP``)."""
    return _sandbox_status(os.environ.get("AUTOGRADER_BWRAP"))


def where() -> str:
    """This process as a grading worker: the Dask worker's address and host, or the host."""
    host = socket.gethostname()
    if "distributed" not in sys.modules:  # not a Dask worker (and no need to import Dask to know it)
        return host
    try:
        from distributed import get_worker

        return f"Dask worker {get_worker().address} on {host}"
    except ValueError:
        return host


def worker_facts() -> dict:
    """What the grader checks of every Dask worker before it hands out tasks (run there by ``client.run``)."""
    _exe, reason = sandbox_status()
    return {"version": course_version(), "commit": course_commit(), "host": socket.gethostname(), "bwrap": reason}


def refusal(bundle: dict) -> str:
    """Why this process must not run the bundle's tasks ("" if it may): another course version, or the
    sandbox is asked for and bubblewrap cannot run here."""
    mine = course_version()
    if bundle["course_version"] != mine:
        return (
            f"refused by the grading worker ({where()}): it has course version {_describe(mine, course_commit())}, "
            f"the grader {_describe(bundle['course_version'], bundle.get('commit', ''))}; install the grader's "
            "commit of the course and the same packages on every worker (autograder/README.md)"
        )
    if bundle["sandbox"]:
        exe, reason = sandbox_status()
        if exe is None:
            return (
                f"refused by the grading worker ({where()}): {reason}, so it cannot isolate student code; install "
                "bubblewrap there (apt-get install -y bubblewrap)"
            )
    return ""


# -- tasks ----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one task sends back: everything the grader needs, nothing left on the worker.

    Attributes:
        result: nbgrader's result in the worker (``success``, ``log``, ``error``).
        report: what the sandbox observed (:class:`autograder.sandbox.SandboxExecute`), or None.
        worker_log: the end of the worker process's output for this student (nbgrader, the kernel).
        executed: the executed notebook (JSON bytes), or None.
        seconds: wall time of the execution.
        where: the worker that ran it.
    """

    result: dict
    report: dict | None = None
    worker_log: str = ""
    executed: bytes | None = None
    seconds: float = 0.0
    where: str = ""


def failed(error: str, where_: str = "") -> Outcome:
    """An outcome with no execution: ``error`` is the student's error row."""
    return Outcome({"success": False, "log": "", "error": error}, where=where_)


#: Gradebook tables of students and their grades, emptied in the copy workers get (:func:`worker_gradebook`).
STUDENT_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment", "student")


def worker_gradebook(template: Path) -> bytes:
    """The gradebook a worker starts from: the assignments, notebooks and cells of ``template`` (what nbgrader
    needs to autograde: the release notebook's cells and checksums), without any student, name or grade.

    Small whatever the class size, so that every task can carry it; and no worker learns about the class.
    """
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="autograder-template-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        shutil.copyfile(template, copy)
        db = sqlite3.connect(copy)
        try:
            with db:
                for table in STUDENT_TABLES:
                    db.execute(f"DELETE FROM {table}")  # table names from the constant above
            db.execute("VACUUM")
        finally:
            db.close()
        return copy.read_bytes()


def make_bundle(course: Course, assignment: str, template: Path, limits: Limits, sandbox: bool, hard: float) -> dict:
    """What every task of ``assignment`` shares: see the module docstring. ``hard``: seconds after which a
    worker process is killed (the notebook's time limit plus kernel start-up and nbgrader)."""
    src = Path(course.source) / assignment
    files = {
        path.relative_to(src).as_posix(): path.read_bytes()
        for path in sorted(src.rglob("*"))
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts
    }
    try:
        cells = course_cell_digests(src / f"{assignment}.ipynb")
    except (OSError, ValueError):
        cells = None
    return {
        "assignment": assignment,
        "template_db": worker_gradebook(template),
        "files": files,
        "course_cells": cells,
        "limits": asdict(limits),
        "sandbox": bool(sandbox),
        "hard_timeout": float(hard),
        "course_version": course_version(),
        "commit": course_commit(),
    }


class Slots:
    """The worker processes (:class:`autograder.parallel.Worker`) of one executor, reused student after
    student; ``stop`` makes the running ones kill their worker and return."""

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self._all: list = []
        self._lock = threading.Lock()
        self.stop = threading.Event()

    def add(self):
        """A new slot (as root: a sandbox uid leased for it; RuntimeError when none is free)."""
        from autograder.parallel import Worker

        with self._lock:
            worker = Worker(len(self._all))
            self._all.append(worker)
            return worker

    def prestart(self, n: int) -> None:
        """Create ``n`` slots now (so that a lack of sandbox uids is known before grading starts)."""
        for _ in range(n):
            self._idle.put(self.add())

    @contextlib.contextmanager
    def take(self) -> Iterator:
        """An idle slot's worker, or a new slot's."""
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = self.add()
        try:
            yield worker
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        """End every worker process and give back the uids."""
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.close(release=True)


_LOCAL = threading.local()
_PROCESS_SLOTS: Slots | None = None
_PROCESS_LOCK = threading.Lock()


def current_slots() -> Slots:
    """The slots of the executor running this thread: the local pool's, else this process's own (a Dask
    worker's, closed when the process exits)."""
    global _PROCESS_SLOTS
    slots = getattr(_LOCAL, "slots", None)
    if slots is not None:
        return slots
    with _PROCESS_LOCK:
        if _PROCESS_SLOTS is None:
            _PROCESS_SLOTS = Slots()
            atexit.register(_PROCESS_SLOTS.close)
        return _PROCESS_SLOTS


def run_task(job: dict, bundle: dict) -> Outcome:
    """Execute one student's submission here, sandboxed, from bytes alone (see the module docstring).

    Never raises for a bad submission or a worker's trouble: the outcome says what happened.
    """
    from autograder.parallel import _read_json, executed_path, socket_folder

    here = where()
    refused = refusal(bundle)
    if refused:
        return failed(refused, here)
    assignment, student = bundle["assignment"], job["student"]
    start = time.monotonic()
    base = socket_folder()  # private, short (it holds the kernel's sockets), removed by the next run if we die
    try:
        scratch, runtime = make_scratch(base / "s"), make_scratch(base / "k")
        (base / "template.db").write_bytes(bundle["template_db"])
        (base / "submission.ipynb").write_bytes(job["submission"])
        source = base / "source"
        (source / assignment).mkdir(parents=True)
        for rel, data in bundle["files"].items():
            target = (source / assignment / rel).resolve()
            if not target.is_relative_to(source / assignment):
                raise ValueError(f"file {rel!r} of the assignment is outside its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        spec = {
            "assignment": assignment,
            "student": student,
            "scratch": str(scratch),
            "runtime": str(runtime),
            "template_db": str(base / "template.db"),
            "submitted": str(base / "submission.ipynb"),
            "source": str(source),
            "course_cells": bundle["course_cells"],
            "limits": bundle["limits"],
            "sandbox": bundle["sandbox"],
        }
        slots = current_slots()
        with slots.take() as worker:
            spec["uid"] = worker.uid
            seconds = worker.grade(spec, bundle["hard_timeout"], slots.stop)
        executed = executed_path(scratch, student, assignment)
        log = scratch / "worker.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        return Outcome(
            result=_read_json(scratch / "result.json") or {"success": False, "error": "the grading worker crashed"},
            report=_read_json(scratch / "report.json"),
            worker_log=text[-LOG_KEEP:],
            executed=executed.read_bytes() if executed.is_file() else None,
            seconds=seconds,
            where=here,
        )
    except Exception as exc:  # the worker's own trouble: this student's error row
        outcome = failed(f"the grading worker could not run: {type(exc).__name__}: {exc}", here)
        outcome.seconds = time.monotonic() - start
        return outcome
    finally:
        shutil.rmtree(base, ignore_errors=True)


def unpack_outcome(outcome: Outcome, scratch: Path, student: str, assignment: str) -> None:
    """In the grader: lay ``outcome`` out in ``scratch`` as :func:`autograder.parallel.finish_student` reads it."""
    from autograder.parallel import executed_path, write_json_atomic

    scratch.mkdir(parents=True, exist_ok=True)
    write_json_atomic(scratch / "result.json", outcome.result)
    if outcome.report is not None:
        write_json_atomic(scratch / "report.json", outcome.report)
    header = f"executed by {outcome.where}\n" if outcome.where else ""
    (scratch / "worker.log").write_text(header + outcome.worker_log, encoding="utf-8")
    if outcome.executed is not None:
        executed = executed_path(scratch, student, assignment)
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_bytes(outcome.executed)


# -- executors ------------------------------------------------------------------------------------------------


class GradingExecutor(Executor):
    """An executor of grading tasks: :meth:`submit` as any ``concurrent.futures.Executor``, plus what the
    grader needs to feed it (:meth:`run_all`)."""

    def capacity(self) -> int:
        """Tasks it runs at once (the grader keeps no more in flight)."""
        raise NotImplementedError

    def share(self, value: object) -> object:
        """``value`` (the bundle) as tasks receive it. Dask gets it by value in every task, not scattered once:
        a scattered copy is lost when every worker holding it dies, and the bundle is small."""
        return value

    def check(self, bundle: dict) -> None:
        """Raise :class:`ClusterError` if it cannot run the bundle's tasks (before anything is handed out)."""

    def submit_named(self, name: str, fn: Callable, *args: object) -> Future:
        """:meth:`submit` with a name for the task (Dask shows it on its dashboard)."""
        return self.submit(fn, *args)

    def explain_failure(self, exc: BaseException) -> str:
        """A student's error row for a task that raised ``exc`` instead of returning an outcome."""
        return f"the grading task failed: {type(exc).__name__}: {exc}"

    def run_all(
        self, fn: Callable, students: Iterable[str], job: Callable[[str], dict], shared: object
    ) -> Iterator[tuple[str, Outcome]]:
        """``fn(job(student), shared)`` for every student, at most :meth:`capacity` at a time; yields
        ``(student, outcome)`` as each finishes. A feeder thread hands out the next task as soon as one
        finishes, while the caller saves grades."""
        students = list(students)
        done: queue.Queue = queue.Queue()
        changed = threading.Condition()
        inflight = [0]
        stopped = threading.Event()

        def finished(student: str, future: Future) -> None:
            with changed:
                inflight[0] -= 1
                changed.notify_all()
            done.put((student, future))

        def feed() -> None:
            for student in students:
                counted = False
                try:
                    while not stopped.is_set():
                        room = self.capacity()  # outside the lock: on Dask it asks the scheduler
                        with changed:
                            if inflight[0] < room:
                                inflight[0] += 1
                                counted = True
                                break
                            changed.wait(timeout=1.0)  # a worker may join meanwhile
                    if stopped.is_set():
                        return
                    future = self.submit_named(f"grade-{student}", fn, job(student), shared)
                except Exception as exc:  # e.g. the submission cannot be read, the scheduler is gone
                    future = Future()
                    future.set_exception(exc)
                    if not counted:
                        with changed:
                            inflight[0] += 1  # finished() counts it out again
                future.add_done_callback(functools.partial(finished, student))

        feeder = threading.Thread(target=feed, name="autograder-feeder", daemon=True)
        feeder.start()
        try:
            for _ in students:
                while True:
                    try:
                        student, future = done.get(timeout=0.5)
                        break
                    except queue.Empty:
                        continue
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = failed(self.explain_failure(exc))
                yield student, outcome
        finally:
            stopped.set()
            with changed:
                changed.notify_all()


class LocalPool(GradingExecutor):
    """``workers`` worker processes on this machine, driven by threads of the grading process."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self.slots = Slots()
        try:
            self.slots.prestart(self.workers)  # as root, one sandbox uid each: none free is an error now
        except RuntimeError:
            self.slots.close()
            raise
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="autograder-slot")

    def capacity(self) -> int:
        return self.workers

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._pool.submit(self._call, fn, args, kwargs)

    def _call(self, fn: Callable, args: tuple, kwargs: dict) -> object:
        _LOCAL.slots = self.slots
        try:
            return fn(*args, **kwargs)
        finally:
            _LOCAL.slots = None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            self.slots.stop.set()  # running gradings kill their worker process and return
        self._pool.shutdown(wait=True, cancel_futures=cancel_futures)
        self.slots.close()


class DaskPool(GradingExecutor):
    """Tasks on a Dask cluster: ``address`` is a scheduler's (``tcp://host:8786``) or ``local:N``."""

    def __init__(self, address: str, wait: float = WAIT_FOR_WORKERS) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ClusterError(f"--cluster needs Dask ({exc}): pip install -r requirements-instructor.txt") from None
        self.address, self.wait, self.cluster = address, wait, None
        if address.startswith("local:"):
            try:
                n = int(address.removeprefix("local:"))
            except ValueError:
                n = 0
            if n < 1:
                raise ClusterError(f"--cluster {address}: expected local:N with N >= 1 worker processes")
            with dask.config.set(SCHEDULER_CONFIG):
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)  # fmt: skip
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=30)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._executor = self.client.get_executor(pure=False)

    def capacity(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # the scheduler is briefly unreachable: one task at a time meanwhile
            return 1

    def check(self, bundle: dict) -> None:
        try:
            self.client.wait_for_workers(1, timeout=self.wait)
        except TimeoutError:
            raise ClusterError(
                f"no Dask worker joined the scheduler at {self.address} within {self.wait:.0f} s: start the "
                "workers first (autograder/README.md)"
            ) from None
        facts = self.client.run(worker_facts)
        problems = []
        for address, fact in sorted(facts.items()):
            if fact["version"] != bundle["course_version"]:
                problems.append(
                    f"{address} on {fact['host']} has course version {_describe(fact['version'], fact['commit'])}, "
                    f"this grader {_describe(bundle['course_version'], bundle['commit'])}"
                )
            if bundle["sandbox"] and fact["bwrap"]:
                problems.append(f"{address} on {fact['host']}: {fact['bwrap']}, so it cannot isolate student code")
        if problems:
            raise ClusterError(
                "these Dask workers cannot grade this course: "
                + "; ".join(problems)
                + ". Install the grader's commit of the course, the same packages and bubblewrap on every worker "
                "(autograder/README.md), or stop those workers."
            )

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def submit_named(self, name: str, fn: Callable, *args: object) -> Future:
        return self._executor.submit(fn, *args, key=f"{name}-{uuid.uuid4().hex[:12]}")

    def explain_failure(self, exc: BaseException) -> str:
        from distributed.scheduler import KilledWorker

        if isinstance(exc, KilledWorker):
            return (
                f"its grading was lost with the Dask worker running it {exc.allowed_failures + 1} times (killed, "
                "out of memory or its machine lost), so it is not tried again; the other students are graded"
            )
        return f"the Dask task failed: {type(exc).__name__}: {exc}"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with contextlib.suppress(Exception):
            self._executor.shutdown(wait=wait and not cancel_futures)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def make_executor(options) -> GradingExecutor:
    """The executor ``options`` ask for (:class:`autograder.parallel.Options`): Dask with ``cluster``, else
    the local pool.

    Raises:
        GradingBusy: no sandbox uid is free for the local pool's workers.
        ClusterError: the cluster cannot be reached or used.
    """
    if options.cluster:
        return DaskPool(options.cluster)
    from autograder.parallel import GradingBusy

    try:
        return LocalPool(options.workers)
    except RuntimeError as exc:  # no free sandbox uid: other grading runs hold them all
        raise GradingBusy(str(exc)) from None
