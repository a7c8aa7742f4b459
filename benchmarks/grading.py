"""Grading throughput: serial nbgrader autograde versus ``python -m autograder grade`` (parallel, sandboxed).

Builds N submissions of one assignment (half complete, half with the last function missing), grades them
once with plain nbgrader, one student after the other (:func:`autograder.grading.grade`), and once with the
parallel grader (:func:`autograder.parallel.grade_class`), each in its own scratch course, then prints
submissions per minute for both and whether every student got the same score from both. A script, not a
test: the figures depend on the machine.

    OMP_NUM_THREADS=1 python benchmarks/grading.py --students 10
"""

from __future__ import annotations

import argparse
import os
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01_activations")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--unsafe-no-sandbox", action="store_true", help="parallel run without bubblewrap")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    subs = submissions(args.assignment, args.students)
    timings: dict[str, float] = {}
    scores: dict[str, dict[str, list[tuple[str, float, float]]]] = {}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for mode in ("serial", "parallel"):
            course = Course(root=Path(tmp) / mode, timeout=300)
            course.generate_assignment(args.assignment)
            for student, nb in subs.items():
                course.submit(args.assignment, student, nb)
            start = time.monotonic()
            if mode == "serial":
                results = grade(course, args.assignment)
            else:
                options = Options(workers=args.workers, sandbox=not args.unsafe_no_sandbox, force=True)
                results = grade_class(course, args.assignment, options=options)
            timings[mode] = time.monotonic() - start
            bad = [r for r in results if r.status != "graded"]
            if bad:
                print(f"{mode}: {len(bad)} student(s) not graded: {bad[0].student}: {bad[0].message}")
                return 1
            scores[mode] = {r.student: [(c.name, c.score, c.max_score) for c in r.cells] for r in results}
    n = args.students
    sandbox = "no sandbox" if args.unsafe_no_sandbox else "bubblewrap sandbox"
    print(f"{n} submissions of {args.assignment}, {os.cpu_count()} CPU cores, load average {load:.1f} at the start")
    print(
        f"serial nbgrader autograde:      {timings['serial']:6.1f} s  {60 * n / timings['serial']:5.1f} submissions/min"
    )
    print(
        f"parallel ({args.workers} workers, {sandbox}): {timings['parallel']:6.1f} s  "
        f"{60 * n / timings['parallel']:5.1f} submissions/min  ({timings['serial'] / timings['parallel']:.2f}x)"
    )
    same = scores["serial"] == scores["parallel"]
    total = sum(score for cells in scores["serial"].values() for _, score, _ in cells)
    print(f"identical scores, cell by cell: {'yes' if same else 'NO'} ({total:g} points in total)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
