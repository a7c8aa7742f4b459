"""Grading on a Dask cluster (``python -m autograder grade --cluster ADDRESS``), on a real ``LocalCluster``.

One cluster of two one-thread worker processes (with nannies, as on a real cluster) serves the module:

- a class of honest students and a representative subset of the adversaries of tests/test_grading_safety.py
  (one of each defence: process, memory and time limits, no network, no files, output caps, the kernel guard,
  the integrity flags, submissions refused before execution) is graded once through the cluster, by the
  command line; every adversary is graded as designed, and the honest students get, cell by cell, the
  scores the local pool and serial nbgrader give them;
- workers killed by their pid while grading lose nothing: a student whose worker is killed once is graded
  on another, one whose worker is killed twice is an error row, the others are graded;
- a worker with another version of the course, and one without bubblewrap, refuse: the grader will not
  start on such a cluster, and a task sent to them anyway is refused with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.course import REPO_ROOT, Course
from autograder.executors import COURSE_FILES, SCHEDULER_CONFIG, ClusterError, course_version, run_task
from autograder.parallel import Options, grade_class
from tests.catalogue import build_submission
from tests.test_grading_safety import (
    ASSIGNMENT,
    LIMITS,
    SANDBOX,
    Listener,
    autograder,
    build_class,
    check_as_designed,
    row,
    with_last,
)

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]

#: One adversary per defence (the full catalogue runs through the local pool in test_grading_safety.py).
SUBSET = [
    "ref_full", "ref_partial", "fork_bomb", "memory_bomb", "infinite_loop", "kills_kernel", "network",
    "reads_solutions", "huge_output", "tampered_tests", "custom_exception", "corrupt_json",
    "link_to_solution",
]  # fmt: skip
HONEST = ["ref_full", "ref_partial"]


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster as ``--cluster local:N`` makes it, and a client of the test's own to watch it."""
    import dask

    with dask.config.set(SCHEDULER_CONFIG):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)  # fmt: skip
    client = distributed.Client(cluster)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


def sandbox_args() -> list[str]:
    return [] if SANDBOX else ["--unsafe-no-sandbox"]


@pytest.fixture(scope="module")
def graded(cluster, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("cluster")
    subs, course_dir = tmp / "submissions", tmp / "course"
    listener = Listener()
    try:
        adversaries = build_class(subs, course_dir, listener.port)
        for folder in subs.iterdir():
            if folder.name not in SUBSET:
                shutil.rmtree(folder)
        address = cluster[0].scheduler_address
        run = autograder("grade", ASSIGNMENT, str(subs), "--course-dir", str(course_dir), *LIMITS, "--cluster",
                         address, "--no-progress", *sandbox_args())  # fmt: skip
    finally:
        listener.close()
    honest = tmp / "honest"
    for student in HONEST:
        shutil.copytree(subs / student, honest / student)
    pool = autograder("grade", ASSIGNMENT, str(honest), "--course-dir", str(tmp / "pool"), *LIMITS, "--no-progress",
                      *sandbox_args())  # fmt: skip
    serial = autograder("grade", ASSIGNMENT, str(honest), "--course-dir", str(tmp / "serial"), "--timeout", "10",
                        "--serial", "--no-progress")  # fmt: skip
    return {
        "run": run,
        "pool": pool,
        "serial": serial,
        "course_dir": course_dir,
        "course": Course(root=course_dir),
        "pool_course": Course(root=tmp / "pool"),
        "serial_course": Course(root=tmp / "serial"),
        "adversaries": {name: adv for name, adv in adversaries.items() if name in SUBSET},
        "listener": listener,
    }


def test_the_cluster_run_reports_every_student_with_the_workers_in_the_logs(graded) -> None:
    run = graded["run"]
    assert run.returncode == 1, run.stdout + run.stderr  # errors and held work: the exit code says so
    assert "Traceback" not in run.stderr, run.stderr
    for student in SUBSET:
        row(run.stdout, student)
    log = (graded["course_dir"] / "logs" / ASSIGNMENT / "ref_full.log").read_text()
    assert "executed by Dask worker tcp://" in log, log[:2000]
    assert not (graded["course_dir"] / ".work").exists(), "scratch folders are removed after the run"


@pytest.mark.parametrize("name", [n for n in SUBSET if n not in HONEST])
def test_each_adversary_is_graded_as_designed_through_the_cluster(graded, name: str) -> None:
    adv = graded["adversaries"][name]
    if adv.sandbox_only and not SANDBOX:
        pytest.skip(f"only the sandbox stops {name}, and bubblewrap cannot run here")
    check_as_designed(adv, graded["run"].stdout, graded["course_dir"], graded["course"])
    if name == "network":
        assert graded["listener"].connections == 0, "a submission reached the grader's network"


def test_scores_are_those_of_the_local_pool_and_of_serial_nbgrader_cell_by_cell(graded) -> None:
    for run in ("pool", "serial"):
        assert graded[run].returncode == 0, graded[run].stdout + graded[run].stderr
    for student in HONEST:
        on_cluster = graded["course"].scores(ASSIGNMENT, student)
        assert on_cluster, student
        assert on_cluster == graded["pool_course"].scores(ASSIGNMENT, student), student
        assert on_cluster == graded["serial_course"].scores(ASSIGNMENT, student), student
    assert any(c.score < c.max_score for c in graded["course"].scores(ASSIGNMENT, "ref_partial"))


def task_student(key: object) -> str:
    """The student of a grading task's key (``grade-<student>-<12 hex digits>``)."""
    text = str(key)
    return text[len("grade-") : -13] if text.startswith("grade-") else ""


def kill_workers(client, plan: dict[str, int], stop: threading.Event, kills: list[tuple[str, str]]) -> None:
    """Kill (SIGKILL, by pid) the worker grading each student of ``plan`` as many times as it says.

    A worker is killed once it has run the student's task, and only it, for a second: its death then counts
    against that task only (a task merely queued on a dying worker is counted too by Dask's scheduler).
    """
    seen: dict[tuple[str, str], float] = {}
    pids: dict[str, int] = {}
    while not stop.is_set():
        time.sleep(0.1)
        try:
            processing = client.processing()
            for address in set(processing) - set(pids):
                pids.update(client.run(os.getpid, workers=[address]))
        except Exception:  # a worker went away meanwhile
            continue
        for address, keys in processing.items():
            student = task_student(keys[0]) if len(keys) == 1 else ""
            if plan.get(student, 0) <= sum(1 for s, _ in kills if s == student) or address not in pids:
                continue
            first = seen.setdefault((address, str(keys[0])), time.monotonic())
            if time.monotonic() - first >= 1.0:
                os.kill(pids.pop(address), signal.SIGKILL)
                kills.append((student, address))
                seen[(address, str(keys[0]))] = float("inf")


def grade_killing(client, course: Course, address: str, plan: dict[str, int], kills: list) -> dict:
    """Grade ``course`` on the cluster while :func:`kill_workers` kills workers as ``plan`` says."""
    stop = threading.Event()
    killer = threading.Thread(target=kill_workers, args=(client, plan, stop, kills), daemon=True)
    killer.start()
    try:
        options = Options(cluster=address, sandbox=SANDBOX, force=True)
        return {r.student: r for r in grade_class(course, ASSIGNMENT, options=options)}
    finally:
        stop.set()
        killer.join(timeout=10)


def test_workers_killed_while_grading_lose_nothing(cluster, tmp_path: Path) -> None:
    local, client = cluster
    course = Course(root=tmp_path / "course")
    course.generate_assignment(ASSIGNMENT)
    for student in ("a_killed_once", "c_steady"):
        course.submit(ASSIGNMENT, student, build_submission(ASSIGNMENT, {}))
    kills: list[tuple[str, str]] = []
    # One class at a time, so that each kill hits a worker running that one task (see kill_workers).
    results = grade_killing(client, course, local.scheduler_address, {"a_killed_once": 1}, kills)
    assert [s for s, _ in kills] == ["a_killed_once"], kills
    client.wait_for_workers(2, timeout=120)  # its nanny restarted the killed worker
    course.submit(ASSIGNMENT, "b_killed_twice", build_submission(ASSIGNMENT, with_last("import time\ntime.sleep(2)")))
    results.update(grade_killing(client, course, local.scheduler_address, {"b_killed_twice": 2}, kills))
    assert [s for s, _ in kills] == ["a_killed_once", "b_killed_twice", "b_killed_twice"], kills
    for student in ("a_killed_once", "c_steady"):
        assert results[student].status == "graded", results[student]
        cells = course.scores(ASSIGNMENT, student)
        assert cells and all(c.score == c.max_score for c in cells), (student, cells)
    twice = results["b_killed_twice"]
    assert twice.status == "error" and "lost with the Dask worker running it 2 times" in twice.message, twice
    for student in results:  # every student has its record: the next run regrades the error, skips the others
        assert (Path(course.root) / "autograded" / student / ASSIGNMENT / ".autograder.json").is_file(), student
    client.wait_for_workers(2, timeout=120)


def start_worker(address: str, root: Path, env: dict[str, str]) -> subprocess.Popen:
    """A ``dask worker`` process importing the course from ``root``."""
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1", **env)
    return subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
         "--no-dashboard"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_worker_of_another_course_version_or_without_bubblewrap_refuses(tmp_path: Path) -> None:
    # A copy of the course with one comment added to the helper package: another version.
    other = tmp_path / "other_course"
    for name in COURSE_FILES:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, other / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            other.mkdir(exist_ok=True)
            shutil.copyfile(src, other / name)
    with open(other / "lstm_course" / "checks.py", "a", encoding="utf-8") as fh:
        fh.write("\n# changed on one worker only\n")
    scheduler = distributed.LocalCluster(n_workers=0, dashboard_address=None, silence_logs=50)
    client = distributed.Client(scheduler)
    procs = [
        start_worker(scheduler.scheduler_address, other, {}),
        start_worker(scheduler.scheduler_address, REPO_ROOT, {"AUTOGRADER_BWRAP": str(tmp_path / "no-bwrap-here")}),
    ]
    try:
        client.wait_for_workers(2, timeout=120)
        pids = {pid: address for address, pid in client.run(os.getpid).items()}
        stale, no_bwrap = pids[procs[0].pid], pids[procs[1].pid]
        course = Course(root=tmp_path / "course")
        course.generate_assignment(ASSIGNMENT)
        course.submit(ASSIGNMENT, "s", build_submission(ASSIGNMENT, {}))
        with pytest.raises(ClusterError) as refused:
            grade_class(course, ASSIGNMENT, options=Options(cluster=scheduler.scheduler_address))
        message = str(refused.value)
        assert f"{stale} on " in message and "course version" in message, message
        assert f"{no_bwrap} on " in message and "bubblewrap" in message, message
        assert not (Path(course.root) / "autograded" / "s").exists(), "nothing is graded on such a cluster"
        # A task sent to them anyway (a worker that joined later) is refused by the worker itself.
        bundle = {"course_version": course_version(), "commit": "", "sandbox": True, "assignment": ASSIGNMENT}
        job = {"student": "s", "submission": b"{}"}
        for address, reason in ((stale, "course version"), (no_bwrap, "bubblewrap")):
            outcome = client.submit(run_task, job, bundle, workers=[address], pure=False).result(timeout=120)
            error = outcome.result["error"]
            assert not outcome.result["success"] and "refused by the grading worker" in error and reason in error
            assert address in error, error
    finally:
        client.close()
        scheduler.close()
        for proc in procs:
            proc.kill()
            proc.wait()


def test_a_bad_cluster_address_is_a_usage_error(tmp_path: Path) -> None:
    import argparse

    from autograder.cli import _cluster

    for good in ("local:2", "tcp://scheduler:8786", "scheduler:8786", "tls://10.0.0.1:8786"):
        assert _cluster(good) == good
    for bad in ("local:0", "local:two", "scheduler", "tcp://scheduler"):
        with pytest.raises(argparse.ArgumentTypeError):
            _cluster(bad)
    run = autograder("grade", ASSIGNMENT, "--course-dir", str(tmp_path / "c"), "--cluster", "local:0")
    assert run.returncode == 2 and "--cluster" in run.stderr and "Traceback" not in run.stderr, run.stderr
