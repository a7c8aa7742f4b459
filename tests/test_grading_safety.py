"""Grading a class that tries to break, fool or escape the grader (``python -m autograder grade``).

One class of 01_activations submissions holds two honest reference students and a catalogue of adversarial
ones (infinite loop, sleep, a loop that ignores interrupts, fork bomb, memory bomb, huge output, failing
import, corrupt JSON, deleted and duplicated cells, tampered tests, changed cell id and kernel, monkeypatched
checks, always-equal objects, fake test output, writing to the gradebook, reading solutions and other
students' work, network calls, a kernel that kills itself). The class is graded once, in parallel and
sandboxed, with small limits; then:

- every adversarial submission is graded as designed (:data:`ADVERSARIES`);
- the reference students get exactly the scores serial nbgrader gives them when graded alone;
- the gradebook, the solutions and the other students' files are intact;
- flagged work is held at 0 until ``review --accept``; ``review --reject`` keeps 0;
- a grader killed mid-run (SIGKILL) loses nothing already graded and resumes with the rest.

Without bubblewrap (or where it cannot create namespaces) the class is graded with --unsafe-no-sandbox and
the submissions that only the sandbox stops (fork bomb, file access, network) are skipped, with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.authoring import cell_kind, write_notebook
from autograder.course import NOTEBOOKS, REPO_ROOT, Course, source_notebook
from autograder.parallel import SOCKETS_PREFIX as SOCKETS
from autograder.parallel import course_lock
from autograder.sandbox import bwrap_status
from tests.catalogue import build_submission

ASSIGNMENT = "01_activations"
BWRAP, NO_BWRAP_REASON = bwrap_status()
SANDBOX = BWRAP is not None
LIMITS = ["--timeout", "10", "--notebook-timeout", "60", "--memory", "1536", "--workers", "2"]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading_safety")]

_RELEASED = nbformat.read(NOTEBOOKS / f"{ASSIGNMENT}.ipynb", as_version=4)
_ORDER = [
    (cell_kind(c), c.metadata["nbgrader"]["grade_id"]) for c in _RELEASED.cells if cell_kind(c) in ("solution", "tests")
]
SOLUTIONS_IDS = [g for k, g in _ORDER if k == "solution"]
TESTS_IDS = [g for k, g in _ORDER if k == "tests"]
FIRST, LAST = SOLUTIONS_IDS[0], SOLUTIONS_IDS[-1]
#: Tests cells before the last solution cell: they do not depend on it and keep full marks when it breaks.
BEFORE_LAST = [g for k, g in _ORDER[: _ORDER.index(("solution", LAST))] if k == "tests"]
AFTER_LAST = [g for g in TESTS_IDS if g not in BEFORE_LAST]
_SOLUTION_NB = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
ANSWERS = {c.metadata["nbgrader"]["grade_id"]: c.source for c in _SOLUTION_NB.cells if cell_kind(c) == "solution"}


def autograder(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python -m autograder ARGS`` from the repository root."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Adversary:
    """An adversarial submission and what grading must make of it.

    Attributes:
        name: the student id.
        status: the row's status: graded, review (flagged, held at 0) or error.
        loses: tests cells whose automatic score must be 0 (all others full) -- for graded and review rows.
        sandbox_only: only the sandbox stops it (skipped, with the reason, without bubblewrap).
        note: text the row's note must contain.
        flag: text one of its integrity flags must contain (review rows).
    """

    name: str
    status: str
    loses: tuple[str, ...] = ()
    sandbox_only: bool = False
    note: str = ""
    flag: str = ""


def with_last(prefix: str) -> dict[str, str]:
    """Replace the last solution cell with ``prefix`` followed by its correct solution."""
    return {LAST: prefix.strip("\n") + "\n\n" + ANSWERS[LAST]}


# The submissions that read, write or connect report success by raising: a row with full marks proves the
# attempt failed. Paths and the port are filled in by the fixture.
ESCAPE = """
import socket
reached = []
for path in PATHS_TO_READ:
    try:
        with open(path, "rb") as fh:
            fh.read(10)
        reached.append("read " + path)
    except OSError:
        pass
for path in PATHS_TO_WRITE:
    try:
        with open(path, "r+b") as fh:
            fh.write(b"overwritten by a student")
        reached.append("wrote " + path)
    except OSError:
        pass
if PORT:
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=3).close()
        reached.append("connected to the grader's port")
    except OSError:
        pass
if reached:
    raise RuntimeError("escaped the sandbox: " + "; ".join(reached))
"""

FORK_BOMB = """
import os, time
children = 0
try:
    while children < 100000:
        if os.fork() == 0:
            time.sleep(20)
            os._exit(0)
        children += 1
except OSError as exc:
    print(f"fork refused after {children} children: {exc}")
"""

# A loop the per-cell interrupt cannot stop: nbgrader gives up on the notebook (0 points, an error row).
IGNORE_INTERRUPTS = """
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
"""

FAKE_CHECKS = """
def check_close(*args, **kwargs):
    return None


check_close_diagnosed = check_shape = check_dtype = check_unchanged = check_close


def check_no_warnings(f, *args, **kwargs):
    return f(*args)


np.testing.assert_allclose = check_close
"""

ALWAYS_EQUAL = """
class Anything(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float)).view(Anything)
"""


ZEROS = {g: f"def {g}(x):\n    return np.zeros_like(np.asarray(x, dtype=float))" for g in SOLUTIONS_IDS}


def zeros_with(prefix: str) -> dict[str, str]:
    """Every function returns zeros; ``prefix`` (the attack) comes before the first one."""
    return {**ZEROS, FIRST: prefix.strip("\n") + "\n\n" + ZEROS[FIRST]}


# IPython's machinery, reached without writing its name: each makes the tests cells pass however wrong the
# answers (all zeros here) -- unless the grader resets the hooks before every tests cell.
INPUT_TRANSFORMER = """
shell = exit._ip
shell.input_transformers_post.append(lambda lines: ["pass\\n"] if "check_" in "".join(lines) else lines)
"""
AST_TRANSFORMER = """
import ast as _a
class _Blank(_a.NodeTransformer):
    def visit_Module(self, node):
        return _a.Module(body=[_a.Pass()], type_ignores=[]) if "check_" in _a.dump(node) else node
[get_ipython][0]().ast_transformers.append(_Blank())
"""
# Inside a magic line: the error is forgotten and the outputs cleared after every cell.
EVENTS = """
%time forget = lambda r: (setattr(r, "error_in_exec", None), __import__("IPython").display.clear_output())
%time shell = exit._ip; shell.events.register("post_run_cell", forget)
"""
CUSTOM_EXC = """
exit._ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
"""
# Only when NBGRADER_EXECUTION says it is grading time, a base64 payload run by code.InteractiveInterpreter.
ENCODED = """
import base64, code, os
if os.environ.get("NBGRADER_EXECUTION"):
    code.InteractiveInterpreter({"exit": exit}).runsource(base64.b64decode(PAYLOAD).decode(), symbol="exec")
""".replace(
    "PAYLOAD",
    repr(__import__("base64").b64encode(b"exit._ip.set_custom_exc((BaseException,), lambda *a, **k: None)").decode()),
)
# The checks rebound through the namespace's dictionaries, and the checks module's private helper patched.
VARS_REBIND = """
vars()["check_close_diagnosed"] = lambda *args, **kwargs: None
globals()["check_close"] = lambda *args, **kwargs: None
"""
PATCH_PRIVATE = """
import lstm_course.checks as lc
vars(lc)["_fail"] = lambda message, hint=None: None
"""
# A fake result: a banner whose CSS also hides the error boxes of the feedback.
HTML_BANNER = """
from IPython.display import HTML, display
display(HTML("<style>.output_error, .jp-RenderedText[data-mime-type*=stderr] {display: none !important}</style>"
             "<h2 style='color: green'>Score: 10 / 10</h2>"))
"""
HOMOGLYPH = 'print("All t\u0435sts p\u0430ssed")'  # Cyrillic е and а
FLOOD_ERROR = 'raise ValueError("x" * 20_000_000)'
FLOOD_METADATA = """
from IPython.display import display
display({"text/plain": "a plot"}, metadata={"junk": "y" * 20_000_000}, raw=True)
"""
# Extra cells that sleep: the notebook's time budget (60 s here) runs out before the last tests cells.
SLEEP_CELL = "import time\ntime.sleep(9)"


def build_class(subs: Path, course_dir: Path, port: int) -> dict[str, Adversary]:
    """Write every student's folder into ``subs``; returns the adversaries by name."""

    def put(student: str, nb: nbformat.NotebookNode | None = None, raw: bytes | None = None) -> None:
        folder = subs / student
        folder.mkdir(parents=True)
        if isinstance(nb, Path):  # a symbolic link to that file
            (folder / f"{ASSIGNMENT}.ipynb").symlink_to(nb)
            return
        if isinstance(nb, tuple):  # (file name, notebook)
            write_notebook(nb[1], folder / nb[0])
            return
        if raw is not None:
            (folder / f"{ASSIGNMENT}.ipynb").write_bytes(raw)
        else:
            write_notebook(nb, folder / f"{ASSIGNMENT}.ipynb")

    put("ref_full", build_submission(ASSIGNMENT, {}))
    put("ref_partial", build_submission(ASSIGNMENT, {LAST: "# not done yet\nraise NotImplementedError()"}))
    adversaries: list[tuple[Adversary, nbformat.NotebookNode | bytes]] = []

    def add(adv: Adversary, nb: nbformat.NotebookNode | bytes) -> None:
        adversaries.append((adv, nb))

    add(
        Adversary("infinite_loop", "graded", tuple(AFTER_LAST)),
        build_submission(ASSIGNMENT, with_last("while True:\n    pass")),
    )
    add(
        Adversary("sleeper", "graded", tuple(AFTER_LAST)),
        build_submission(ASSIGNMENT, with_last("import time\ntime.sleep(3600)")),
    )
    add(Adversary("fork_bomb", "graded", sandbox_only=True), build_submission(ASSIGNMENT, with_last(FORK_BOMB)))
    add(
        Adversary("memory_bomb", "graded", tuple(AFTER_LAST)),
        build_submission(ASSIGNMENT, with_last("hog = [bytearray(256 * 1024**2) for _ in range(64)]")),
    )
    add(
        Adversary("huge_output", "graded", note="output beyond"),
        build_submission(ASSIGNMENT, with_last("for _ in range(100_000):\n    print('spam ' * 40)")),
    )
    add(
        Adversary("import_error", "graded", tuple(AFTER_LAST)),
        build_submission(ASSIGNMENT, with_last("import a_module_that_does_not_exist")),
    )
    add(
        Adversary("ignores_interrupt", "error", note="did not stop when interrupted"),
        build_submission(ASSIGNMENT, with_last(IGNORE_INTERRUPTS)),
    )
    add(Adversary("corrupt_json", "error", note="broken JSON"), b'{"cells": [ {"cell_type": "code", ')
    add(Adversary("kills_kernel", "error"), build_submission(ASSIGNMENT, {FIRST: "import os\nos._exit(1)"}))

    nb = build_submission(ASSIGNMENT, {})
    nb.cells = [c for c in nb.cells if cell_kind(c) != "tests" or c.metadata["nbgrader"]["grade_id"] != TESTS_IDS[-1]]
    add(Adversary("deleted_tests", "review", flag="deleted"), nb)

    nb = build_submission(ASSIGNMENT, {})
    index = next(i for i, c in enumerate(nb.cells) if cell_kind(c) == "solution")
    copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[index])))
    copy["id"] = "copy-of-solution"
    nb.cells.insert(index + 1, copy)
    add(Adversary("duplicated_cell", "review", flag="duplicated"), nb)

    nb = build_submission(ASSIGNMENT, {})
    for cell in nb.cells:
        if cell_kind(cell) == "tests":
            cell.source = "# the tests were too strict\npass"
    add(Adversary("tampered_tests", "review", flag="edited"), nb)

    nb = build_submission(ASSIGNMENT, {})
    next(c for c in nb.cells if cell_kind(c) == "tests")["id"] = "renamed-tests-cell"
    add(Adversary("changed_cell_id", "review", flag="cell id"), nb)

    nb = build_submission(ASSIGNMENT, {})
    nb.metadata["kernelspec"] = {"name": "python2", "display_name": "Python 2", "language": "python"}
    add(Adversary("changed_kernel", "review", flag="kernel changed"), nb)

    wrong = {g: f"def {g}(x):\n    return np.zeros_like(np.asarray(x))" for g in SOLUTIONS_IDS}
    wrong[FIRST] = FAKE_CHECKS + "\n\n" + wrong[FIRST]
    add(Adversary("monkeypatched_checks", "review", flag="redefines"), build_submission(ASSIGNMENT, wrong))

    # The course's checks compare values, not with ==: the trick fails (sigmoid loses its points; tanh no
    # longer builds on sigmoid since it is computed with expm1) and is flagged anyway.
    add(
        Adversary("always_equal", "review", ("test_sigmoid",), flag="__eq__"),
        build_submission(ASSIGNMENT, {FIRST: ALWAYS_EQUAL}),
    )
    add(
        Adversary("fake_output", "review", flag="imitates a test result"),
        build_submission(ASSIGNMENT, with_last('print("All tests passed! 10/10 points")')),
    )

    # -- issue 11: IPython machinery, namespace rebinding, private helpers (all answers are zeros) -----------
    add(Adversary("input_transformer", "review", tuple(TESTS_IDS), flag="_ip"),
        build_submission(ASSIGNMENT, zeros_with(INPUT_TRANSFORMER)))  # fmt: skip
    add(Adversary("ast_transformer", "review", tuple(TESTS_IDS), flag="get_ipython"),
        build_submission(ASSIGNMENT, zeros_with(AST_TRANSFORMER)))  # fmt: skip
    add(Adversary("events_in_magic", "review", tuple(TESTS_IDS), flag="_ip"),
        build_submission(ASSIGNMENT, zeros_with(EVENTS)))  # fmt: skip
    add(Adversary("custom_exception", "review", tuple(TESTS_IDS), flag="IPython custom exception handler"),
        build_submission(ASSIGNMENT, zeros_with(CUSTOM_EXC)))  # fmt: skip
    add(Adversary("encoded_payload", "review", tuple(TESTS_IDS), flag="NBGRADER_EXECUTION"),
        build_submission(ASSIGNMENT, zeros_with(ENCODED)))  # fmt: skip
    add(Adversary("vars_rebind", "review", tuple(TESTS_IDS), flag="notebook name check_close"),
        build_submission(ASSIGNMENT, zeros_with(VARS_REBIND)))  # fmt: skip
    add(Adversary("patched_private", "review", tuple(TESTS_IDS), flag="lstm_course.checks._fail"),
        build_submission(ASSIGNMENT, zeros_with(PATCH_PRIVATE)))  # fmt: skip
    # -- fake results, floods, budget -------------------------------------------------------------------------
    add(Adversary("html_banner", "review", flag="Score: 10 / 10"), build_submission(ASSIGNMENT, with_last(HTML_BANNER)))
    add(Adversary("homoglyph", "review", flag="imitates a test result"),
        build_submission(ASSIGNMENT, with_last(HOMOGLYPH)))  # fmt: skip
    add(Adversary("error_flood", "graded", tuple(AFTER_LAST)), build_submission(ASSIGNMENT, with_last(FLOOD_ERROR)))
    add(Adversary("metadata_flood", "graded", note="output beyond"),
        build_submission(ASSIGNMENT, with_last(FLOOD_METADATA)))  # fmt: skip
    nb = build_submission(ASSIGNMENT, {})
    index = next(i for i, c in enumerate(nb.cells) if cell_kind(c) == "solution")
    nb.cells[index + 1 : index + 1] = [nbformat.v4.new_code_cell(SLEEP_CELL) for _ in range(7)]
    add(Adversary("time_budget", "graded", tuple(TESTS_IDS), note="notebook time limit (60 s) reached"), nb)
    nb = build_submission(ASSIGNMENT, {})
    extra = nbformat.v4.new_code_cell("x = 1")  # one validated cell, copied (validating 100,000 takes minutes)
    nb.cells += [{**extra, "id": f"extra-{i}"} for i in range(100_000)]
    add(Adversary("many_cells", "error", note="100"), json.dumps(nb).encode())
    # -- links and names --------------------------------------------------------------------------------------
    add(Adversary("link_to_solution", "error", note="symbolic link"), source_notebook(ASSIGNMENT))
    add(Adversary("link_to_other", "error", note="symbolic link"), subs / "ref_full" / f"{ASSIGNMENT}.ipynb")
    add(Adversary("template.db", "graded"), build_submission(ASSIGNMENT, {}))
    add(
        Adversary("escape_name", "graded"),
        ("\x1b[2J\x1b[31mred\x1b]0;owned\x07.ipynb", build_submission(ASSIGNMENT, {})),
    )
    # -- honest work that must not be flagged -----------------------------------------------------------------
    nb = build_submission(ASSIGNMENT, {})
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    add(Adversary("nbformat_4_4", "graded"), nb)
    nb = build_submission(ASSIGNMENT, {})
    nb.cells.insert(3, nbformat.v4.new_code_cell("import sys"))
    add(Adversary("extra_import_sys", "graded"), nb)
    add(Adversary("prints_test_ok", "graded"), build_submission(ASSIGNMENT, with_last('print("test ok")')))

    gradebook = course_dir / "gradebook.db"
    other = course_dir / "submitted" / "ref_full" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solution = source_notebook(ASSIGNMENT)

    def escape(reads: list[Path], writes: list[Path], use_port: int) -> nbformat.NotebookNode:
        code = (
            ESCAPE.replace("PATHS_TO_READ", repr([str(p) for p in reads]))
            .replace("PATHS_TO_WRITE", repr([str(p) for p in writes]))
            .replace("PORT", str(use_port))
        )
        return build_submission(ASSIGNMENT, with_last(code))

    add(Adversary("writes_gradebook", "graded", sandbox_only=True), escape([], [gradebook, other], 0))
    add(Adversary("reads_solutions", "graded", sandbox_only=True), escape([solution, other, gradebook], [], 0))
    add(Adversary("network", "graded", sandbox_only=True), escape([], [], port))

    for adv, nb in adversaries:
        if adv.sandbox_only and not SANDBOX:
            continue
        if isinstance(nb, bytes):
            put(adv.name, raw=nb)
        elif isinstance(nb, (Path, tuple)):
            put(adv.name, nb)
        else:
            put(adv.name, nb)
    return {adv.name: adv for adv, _ in adversaries}


class Listener:
    """A TCP server on the grader's loopback that records every connection (none may come from a sandbox)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("safety")
    subs, course_dir = tmp / "submissions", tmp / "course"
    listener = Listener()
    adversaries = build_class(subs, course_dir, listener.port)
    solution_sha = sha(source_notebook(ASSIGNMENT))
    sandbox = [] if SANDBOX else ["--unsafe-no-sandbox"]
    start = time.monotonic()
    try:
        run = autograder("grade", ASSIGNMENT, str(subs), "--course-dir", str(course_dir), *LIMITS, *sandbox,
                         "--no-progress")  # fmt: skip
    finally:
        listener.close()
    seconds = time.monotonic() - start
    # The honest students alone, graded by plain serial nbgrader: the reference scores.
    ref_subs = tmp / "reference"
    for student in ("ref_full", "ref_partial"):
        (ref_subs / student).mkdir(parents=True)
        notebook = f"{ASSIGNMENT}.ipynb"
        (ref_subs / student / notebook).write_bytes((subs / student / notebook).read_bytes())
    ref_dir = tmp / "reference_course"
    ref = autograder("grade", ASSIGNMENT, str(ref_subs), "--course-dir", str(ref_dir), "--timeout", "10",
                     "--serial", "--no-progress")  # fmt: skip
    return {
        "run": run,
        "seconds": seconds,
        "course": Course(root=course_dir),
        "course_dir": course_dir,
        "subs": subs,
        "adversaries": adversaries,
        "listener": listener,
        "solution_sha": solution_sha,
        "reference": ref,
        "reference_course": Course(root=ref_dir),
    }


def row(output: str, student: str) -> str:
    """The score-table row of ``student``."""
    return next(line for line in output.splitlines() if line.startswith(student + " "))


def marker(course_dir: Path, student: str) -> dict:
    return json.loads((course_dir / "autograded" / student / ASSIGNMENT / ".autograder.json").read_text())


def auto_scores(course_dir: Path, student: str) -> dict[str, tuple[float, float]]:
    """grade_id -> (automatic score, max score), as the grader recorded them."""
    return {c["name"]: (c["score"], c["max_score"]) for c in marker(course_dir, student)["cells"]}


def test_the_run_finishes_and_reports_every_student(graded) -> None:
    run = graded["run"]
    assert run.returncode == 1, run.stdout + run.stderr  # errors and held work: the exit code says so
    assert "Traceback" not in run.stderr, run.stderr
    assert "\x1b" not in run.stdout + run.stderr, "a file name's escape sequences reached the terminal"
    for student in ["ref_full", "ref_partial", *graded["adversaries"]]:
        if graded["adversaries"].get(student, Adversary("", "")).sandbox_only and not SANDBOX:
            continue
        row(run.stdout, student)  # every student has a row
    # Two workers, 42 students, one 60 s time budget and a few 10 s loops and sleeps, everything else seconds:
    # far below one notebook limit each (665 s measured on 2 cores shared with six other sessions' tests).
    assert graded["seconds"] < 1200


ADVERSARIES = [
    "infinite_loop", "sleeper", "ignores_interrupt", "fork_bomb", "memory_bomb", "huge_output", "import_error",
    "corrupt_json",
    "kills_kernel", "deleted_tests", "duplicated_cell", "tampered_tests", "changed_cell_id", "changed_kernel",
    "monkeypatched_checks", "always_equal", "fake_output", "writes_gradebook", "reads_solutions", "network",
    "input_transformer", "ast_transformer", "events_in_magic", "custom_exception", "encoded_payload", "vars_rebind",
    "patched_private", "html_banner", "homoglyph", "error_flood", "metadata_flood", "time_budget", "many_cells",
    "link_to_solution", "link_to_other", "template.db", "escape_name", "nbformat_4_4", "extra_import_sys",
    "prints_test_ok",
]  # fmt: skip
#: Honest submissions in unusual shapes: full marks, no flag.
HONEST_ODDITIES = ["template.db", "escape_name", "nbformat_4_4", "extra_import_sys", "prints_test_ok"]


def test_the_catalogue_is_complete(graded) -> None:
    assert sorted(graded["adversaries"]) == sorted(ADVERSARIES) and len(ADVERSARIES) >= 15


@pytest.mark.parametrize("name", ADVERSARIES)
def test_each_adversary_is_graded_as_designed(graded, name: str) -> None:
    adv: Adversary = graded["adversaries"][name]
    if adv.sandbox_only and not SANDBOX:
        pytest.skip(f"only the sandbox stops {name}, and it cannot run here: {NO_BWRAP_REASON}")
    check_as_designed(adv, graded["run"].stdout, graded["course_dir"], graded["course"])


def check_as_designed(adv: Adversary, out: str, course_dir: Path, course: Course) -> None:
    """Assert that ``adv`` was graded as designed, from the score table ``out`` and the course folder."""
    name = adv.name
    line = row(out, name)
    assert line.split()[1] == adv.status, line
    if adv.note:
        assert adv.note in line, line
    if adv.status == "error":  # 0 points in the gradebook, if the submission got that far
        if (course_dir / "autograded" / name).exists():
            assert all(c.score == 0 for c in course.scores(ASSIGNMENT, name))
        return
    cells = auto_scores(course_dir, name)
    assert set(cells) == set(TESTS_IDS), cells
    for grade_id, (score, max_score) in cells.items():
        if grade_id in adv.loses:
            assert score == 0, f"{name}: {grade_id} should score 0, got {score}/{max_score}"
        elif name != "monkeypatched_checks":  # its functions are wrong: what its fake checks earn is held anyway
            assert score == max_score, f"{name}: {grade_id} should score full, got {score}/{max_score}"
    if adv.status == "review":
        assert adv.flag in line, line
        held = course.scores(ASSIGNMENT, name)
        assert held and all(c.score == 0 for c in held), "flagged work must be held at 0 in the gradebook"


def test_honest_students_get_the_scores_serial_nbgrader_gives_them(graded) -> None:
    ref = graded["reference"]
    assert ref.returncode == 0, ref.stdout + ref.stderr
    for student in ("ref_full", "ref_partial"):
        in_class = graded["course"].scores(ASSIGNMENT, student)
        alone = graded["reference_course"].scores(ASSIGNMENT, student)
        assert in_class == alone and in_class
    full = graded["course"].scores(ASSIGNMENT, "ref_full")
    assert all(c.score == c.max_score for c in full)
    partial = {c.name: c.score for c in graded["course"].scores(ASSIGNMENT, "ref_partial")}
    assert all(partial[g] == 0 for g in AFTER_LAST) and any(partial[g] > 0 for g in BEFORE_LAST)


def test_gradebook_solutions_and_other_students_are_intact(graded) -> None:
    course_dir = graded["course_dir"]
    with sqlite3.connect(course_dir / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sha(source_notebook(ASSIGNMENT)) == graded["solution_sha"], "solutions/ was changed"
    other = course_dir / "submitted" / "ref_full" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert b"overwritten by a student" not in other.read_bytes()
    assert graded["listener"].connections == 0, "a submission reached the grader's network"
    assert not (course_dir / ".work").exists(), "scratch folders are removed after the run"


def test_regrading_is_skipped_when_nothing_changed_and_one_student_leaves_others_untouched(graded) -> None:
    course_dir = graded["course_dir"]
    before = {s: marker(course_dir, s) for s in ("ref_full", "tampered_tests")}
    run = autograder("grade", ASSIGNMENT, "--course-dir", str(course_dir), *LIMITS, "--no-progress",
                     *([] if SANDBOX else ["--unsafe-no-sandbox"]), "--student", "ref_partial")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert {s: marker(course_dir, s) for s in ("ref_full", "tampered_tests")} == before
    run = autograder("grade", ASSIGNMENT, "--course-dir", str(course_dir), *LIMITS, "--no-progress",
                     *([] if SANDBOX else ["--unsafe-no-sandbox"]))  # fmt: skip
    assert "unchanged since last graded" in row(run.stdout, "ref_full")
    assert "unchanged since last graded" not in row(run.stdout, "kills_kernel"), "errors are retried"
    assert {s: marker(course_dir, s) for s in ("ref_full", "tampered_tests")} == before


def test_review_lists_flagged_work_and_accept_or_reject_decides(graded) -> None:
    course, course_dir = graded["course"], graded["course_dir"]
    run = autograder("review", ASSIGNMENT, "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    for name, adv in graded["adversaries"].items():
        if adv.status == "review":
            assert f"{name}: automatic score" in run.stdout
    run = autograder("review", ASSIGNMENT, "--course-dir", str(course_dir), "--accept", "tampered_tests",
                     "--reject", "monkeypatched_checks")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    accepted = course.scores(ASSIGNMENT, "tampered_tests")
    assert all(c.score == c.max_score for c in accepted), "nbgrader restored the tests: the real score stands"
    assert all(c.score == 0 for c in course.scores(ASSIGNMENT, "monkeypatched_checks"))
    assert marker(course_dir, "monkeypatched_checks")["status"] == "rejected"
    run = autograder("review", ASSIGNMENT, "--course-dir", str(course_dir), "--accept", "ref_full")
    assert run.returncode == 2 and "no flagged submission" in run.stderr
    # The CSV export counts what the gradebook says: accepted work its score, rejected or held work 0.
    run = autograder("export", "--to", str(course_dir / "grades.csv"), "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    with open(course_dir / "grades.csv", newline="") as fh:
        scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh) if r["assignment"] == ASSIGNMENT}
    full = sum(c.max_score for c in course.scores(ASSIGNMENT, "ref_full"))
    assert scores["tampered_tests"] == scores["ref_full"] == full > 0
    assert scores["monkeypatched_checks"] == scores["fake_output"] == 0


def test_feedback_of_flagged_and_graded_students_hides_hidden_tests(graded) -> None:
    course_dir = graded["course_dir"]
    run = autograder("feedback", ASSIGNMENT, "--course-dir", str(course_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    for student in ("ref_full", "tampered_tests", "fake_output", "infinite_loop"):  # graded, accepted, held
        text = (course_dir / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "_ref_sigmoid" not in text
    banner = (course_dir / "feedback" / "html_banner" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    # Its code is shown (escaped); its output's <style> and style attribute are not kept as markup.
    assert "<style>.output_error" not in banner and "<h2 style=" not in banner, "the student's CSS is kept"
    assert "Score: 10 / 10" in banner, "the banner's text is kept, as text the instructor can see"
    for student in ("link_to_solution", "link_to_other"):  # never imported: no feedback, least of all the solution
        assert not (course_dir / "feedback" / student).exists()
    for student in ("error_flood", "metadata_flood"):
        html = course_dir / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert html.stat().st_size < 3 * 1024**2, f"{student}: feedback of {html.stat().st_size} bytes"


def sandbox_report(course_dir: Path, student: str) -> dict:
    """What the sandbox observed for ``student`` (the "sandbox report" line of the student's log)."""
    log = (course_dir / "logs" / ASSIGNMENT / f"{student}.log").read_text()
    line = next(ln for ln in log.splitlines() if ln.startswith("sandbox report: "))
    return json.loads(line.removeprefix("sandbox report: "))


def test_the_kernel_guard_runs_before_every_tests_cell(graded) -> None:
    """The probe and reset really run (they did not, unnoticed, while nbconvert called nbclient's sync
    methods): the honest students' reports list every tests cell as guarded, with nothing found."""
    for student in ("ref_full", *HONEST_ODDITIES):
        report = sandbox_report(graded["course_dir"], student)
        assert report.get("snapshot") is True, report
        assert report["guarded"] == TESTS_IDS, report
        assert report["probes"] == {}, report


def test_outputs_are_capped_in_bytes(graded) -> None:
    for student in ("error_flood", "metadata_flood", "huge_output"):
        notebook = graded["course_dir"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert notebook.stat().st_size < 3 * 1024**2, f"{student}: {notebook.stat().st_size} bytes"


def processes_mentioning(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except OSError:  # gone meanwhile
            continue
    return found


def pid_file(folder: Path) -> str:
    """The pid a grader wrote in its scratch folder ("" if none or gone)."""
    try:
        return (folder / "pid").read_text()
    except OSError:
        return ""


def test_a_killed_grader_loses_nothing_and_resumes(tmp_path: Path) -> None:
    subs, course_dir = tmp_path / "subs", tmp_path / "course"
    slow = build_submission(ASSIGNMENT, with_last("import time\ntime.sleep(2)"))
    for student in ("a1", "a2", "a3"):
        (subs / student).mkdir(parents=True)
        write_notebook(slow, subs / student / f"{ASSIGNMENT}.ipynb")
    args = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(subs), "--course-dir", str(course_dir),
            *LIMITS[:-2], "--workers", "1", "--no-progress", *([] if SANDBOX else ["--unsafe-no-sandbox"])]  # fmt: skip
    proc = subprocess.Popen(args, cwd=REPO_ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    markers = course_dir / "autograded"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(markers.glob(f"*/{ASSIGNMENT}/.autograder.json")):
        time.sleep(0.2)
    # The grader's scratch folders (each student's, with the kernel's sockets), named in the kernel's command line.
    scratch = [str(f) for f in Path(tempfile.gettempdir()).glob(SOCKETS + "*") if pid_file(f) == str(proc.pid)]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.parts[-3]: json.loads(p.read_text()) for p in markers.glob(f"*/{ASSIGNMENT}/.autograder.json")}
    assert 1 <= len(done) < 3, "kill the grader while it is mid-class"
    assert scratch, "the grader had a student in a scratch folder when it was killed"
    # Its worker and the sandboxed kernel die with it.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(processes_mentioning(x) for x in [str(course_dir), *scratch]):
        time.sleep(0.5)
    assert not any(processes_mentioning(x) for x in [str(course_dir), *scratch]), "a kernel outlived the grader"
    run = autograder("grade", ASSIGNMENT, "--course-dir", str(course_dir), *LIMITS, "--no-progress",
                     *([] if SANDBOX else ["--unsafe-no-sandbox"]))  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert not any(
        (folder / "pid").read_text() == str(proc.pid) for folder in Path(tempfile.gettempdir()).glob(SOCKETS + "*")
    ), "the killed grader's socket folder is removed by the next run"
    for student, before in done.items():
        assert json.loads((markers / student / ASSIGNMENT / ".autograder.json").read_text()) == before
        assert "unchanged since last graded" in row(run.stdout, student)
    scores = Course(root=course_dir)
    for student in ("a1", "a2", "a3"):
        cells = scores.scores(ASSIGNMENT, student)
        assert cells and all(c.score == c.max_score for c in cells), student


def test_the_missing_sandbox_is_a_clear_error_not_a_silent_downgrade(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "s").mkdir(parents=True)
    write_notebook(build_submission(ASSIGNMENT, {}), subs / "s" / f"{ASSIGNMENT}.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(subs), "--course-dir", str(tmp_path / "c")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, AUTOGRADER_BWRAP=str(tmp_path / "no-bwrap-here")),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "bubblewrap" in run.stderr and "--unsafe-no-sandbox" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "c" / "submitted").exists(), "nothing is imported or graded without the sandbox"


def test_two_grading_runs_on_one_course_do_not_mix(tmp_path: Path) -> None:
    subs, course_dir = tmp_path / "subs", tmp_path / "course"
    (subs / "s").mkdir(parents=True)
    write_notebook(build_submission(ASSIGNMENT, {}), subs / "s" / f"{ASSIGNMENT}.ipynb")
    with course_lock(Course(root=course_dir)):  # as a running grader holds it
        run = autograder("grade", ASSIGNMENT, str(subs), "--course-dir", str(course_dir), "--no-progress",
                         *([] if SANDBOX else ["--unsafe-no-sandbox"]))  # fmt: skip
    assert run.returncode == 1 and "is grading in" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert not (course_dir / "submitted").exists(), "nothing is imported while another run grades"
