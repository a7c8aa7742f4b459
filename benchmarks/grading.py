"""Grading throughput: serial nbgrader autograde versus ``python -m autograder grade`` (local pool, Dask).

Builds N submissions of one assignment (half complete, half with the last function missing), grades them
once with plain nbgrader, one student after the other (:func:`autograder.grading.grade`), and with the
parallel grader (:func:`autograder.parallel.grade_class`) on its local pool of worker processes and, with
``--cluster``, on Dask, each in its own scratch course; then prints submissions per minute for each, the
ratios, and whether every student got the same score from all. With ``--cluster local:N`` the LocalCluster
is started before the clock (as a running cluster would be; its start-up is printed apart) and the pool gets
N workers too. ``--repeat R`` alternates pool and Dask runs R times and reports each one's median, so that a
change of load on a shared machine weighs on both alike. A script, not a test: the figures depend on the
machine.

    OMP_NUM_THREADS=1 python benchmarks/grading.py --students 10 --cluster local:2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.authoring import cell_kind  # noqa: E402
from autograder.course import NOTEBOOKS, Course  # noqa: E402
from autograder.grading import grade  # noqa: E402
from autograder.parallel import Options, default_workers, grade_class  # noqa: E402
from tests.catalogue import build_submission  # noqa: E402


def submissions(assignment: str, n: int) -> dict[str, object]:
    """``n`` students: even ones complete, odd ones with the last solution cell left unsolved."""
    import nbformat

    released = nbformat.read(NOTEBOOKS / f"{assignment}.ipynb", as_version=4)
    last = [c.metadata["nbgrader"]["grade_id"] for c in released.cells if cell_kind(c) == "solution"][-1]
    full = build_submission(assignment, {})
    partial = build_submission(assignment, {last: "raise NotImplementedError()"})
    return {f"s{i:03d}": full if i % 2 == 0 else partial for i in range(n)}


def run(mode: str, tmp: Path, assignment: str, subs: dict, options: Options) -> tuple[float, dict]:
    """Grade ``subs`` in a fresh course with ``mode`` (serial, pool, dask); seconds and scores by student."""
    course = Course(root=tmp / f"{mode}-{time.monotonic_ns()}", timeout=300)
    course.generate_assignment(assignment)
    for student, nb in subs.items():
        course.submit(assignment, student, nb)
    start = time.monotonic()
    results = grade(course, assignment) if mode == "serial" else grade_class(course, assignment, options=options)
    seconds = time.monotonic() - start
    bad = [r for r in results if r.status != "graded"]
    if bad:
        raise SystemExit(f"{mode}: {len(bad)} student(s) not graded: {bad[0].student}: {bad[0].message}")
    return seconds, {r.student: [(c.name, c.score, c.max_score) for c in r.cells] for r in results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01_activations")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None, help="local pool workers (default: cores, or N)")
    parser.add_argument("--cluster", help="also grade on Dask: local:N or a scheduler address")
    parser.add_argument("--repeat", type=int, default=1, help="pool and Dask runs, alternated (median reported)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true", help="parallel runs without bubblewrap")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sandbox = not args.unsafe_no_sandbox
    workers = args.workers
    if workers is None:
        local = (args.cluster or "").startswith("local:")
        workers = int(args.cluster.removeprefix("local:")) if local else default_workers()
    subs = submissions(args.assignment, args.students)
    timings: dict[str, list[float]] = {"serial": [], "pool": [], "dask": []}
    scores: dict[str, dict] = {}
    loads = [os.getloadavg()[0]]
    cluster, address, startup = None, args.cluster, 0.0
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        if args.cluster and args.cluster.startswith("local:"):
            import dask
            from distributed import LocalCluster

            from autograder.executors import SCHEDULER_CONFIG

            begin = time.monotonic()
            with dask.config.set(SCHEDULER_CONFIG):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)  # fmt: skip
            address, startup = cluster.scheduler_address, time.monotonic() - begin
        try:
            seconds, scores["serial"] = run("serial", Path(tmp), args.assignment, subs, Options())
            timings["serial"].append(seconds)
            modes = ["pool", "dask"] if address else ["pool"]
            for i in range(max(1, args.repeat)):
                for mode in modes if i % 2 == 0 else modes[::-1]:
                    options = Options(workers=workers, sandbox=sandbox, force=True,
                                      cluster=address if mode == "dask" else None)  # fmt: skip
                    seconds, scores[mode] = run(mode, Path(tmp), args.assignment, subs, options)
                    timings[mode].append(seconds)
                    loads.append(os.getloadavg()[0])
        finally:
            if cluster is not None:
                cluster.close()
    n = args.students
    what = "bubblewrap sandbox" if sandbox else "no sandbox"
    print(f"{n} submissions of {args.assignment}, {os.cpu_count()} CPU cores, {what}; load average "
          f"{min(loads):.1f}-{max(loads):.1f} during the runs")  # fmt: skip
    median = {mode: statistics.median(t) for mode, t in timings.items() if t}
    labels = {
        "serial": "serial nbgrader autograde",
        "pool": f"local pool, {workers} workers",
        "dask": f"Dask {args.cluster}" + (f" (started in {startup:.1f} s, not counted)" if cluster else ""),
    }
    for mode, seconds in median.items():
        runs = f" (median of {len(timings[mode])})" if len(timings[mode]) > 1 else ""
        print(f"{labels[mode]}: {seconds:6.1f} s{runs}  {60 * n / seconds:5.1f} submissions/min  "
              f"({median['serial'] / seconds:.2f}x serial)")  # fmt: skip
    if "dask" in median:
        overhead = 100 * (median["dask"] / median["pool"] - 1)
        print(f"Dask vs local pool: {median['pool'] / median['dask']:.2f}x the throughput ({overhead:+.1f} % time)")
        if len(timings["dask"]) > 1:
            print(f"  every run, pool: {', '.join(f'{t:.1f}' for t in timings['pool'])} s; "
                  f"Dask: {', '.join(f'{t:.1f}' for t in timings['dask'])} s")  # fmt: skip
    same = all(scores[mode] == scores["serial"] for mode in median)
    total = sum(score for cells in scores["serial"].values() for _, score, _ in cells)
    print(f"identical scores, cell by cell, in every mode: {'yes' if same else 'NO'} ({total:g} points in total)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
