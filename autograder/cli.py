"""``python -m autograder``: the instructor's command-line tool around nbgrader.

Exit codes: 0 all went well; 1 something failed or needs the instructor (a student not graded, work held for
review, a check failed, no sandbox); 2 bad usage (unknown assignment, missing folder or file); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.course import GRADING, NOTEBOOKS, SOLUTIONS, Course, GradingError, UnknownAssignment

EPILOG = "Run `python -m autograder COMMAND --help` for each command's options. Guide: autograder/README.md."


def _cores() -> int:
    """CPU cores this process may use (the default number of grading workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: it must be at least 1")
    return value


def _course(args: argparse.Namespace) -> Course:
    return Course(root=Path(args.course_dir), source=SOLUTIONS, timeout=getattr(args, "timeout", None))


def cmd_list(args: argparse.Namespace) -> int:
    from autograder.course import assignments

    for name in assignments():
        print(name)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from autograder.course import release, resolve_assignments

    names = resolve_assignments(args.assignments)
    changed = release(names)
    for name in names:
        path = NOTEBOOKS / f"{name}.ipynb"
        print(f"{'updated  ' if path in changed else 'unchanged'} {path.relative_to(NOTEBOOKS.parent)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from autograder.checking import check_assignment
    from autograder.course import resolve_assignments

    failed = 0
    for name in resolve_assignments(args.assignments):
        result = check_assignment(name, timeout=args.timeout)
        sol = sum(c.score for c in result.solution), sum(c.max_score for c in result.solution)
        stu = sum(c.score for c in result.student)
        print(
            f"{name}: solution {sol[0]:g}/{sol[1]:g}, student version {stu:g}/{sol[1]:g} "
            f"over {len(result.solution)} tests cells: {'ok' if result.ok else 'FAILED'}"
        )
        for problem in result.problems:
            print(f"  - {problem}")
        failed += not result.ok
    return 1 if failed else 0


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments
    from autograder.parallel import GradingBusy, Options, SandboxUnavailable, check_sandbox, course_lock

    (assignment,) = resolve_assignments([args.assignment])
    course = _course(args)
    try:
        if not args.serial:
            check_sandbox(Options(sandbox=not args.unsafe_no_sandbox))  # before anything is imported or graded
        with course_lock(course):  # one grading run per course folder at a time
            return _grade(args, course, assignment)
    except (SandboxUnavailable, GradingBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ninterrupted: students already graded keep their grades; run the same command again to grade the rest",
            file=sys.stderr,
        )
        return 130


def _grade(args: argparse.Namespace, course: Course, assignment: str) -> int:
    """``grade`` once the sandbox is known to work and the course is locked."""
    from tqdm import tqdm

    from autograder.grading import StudentResult, format_table, grade, import_submissions
    from autograder.parallel import Options, grade_class
    from autograder.sandbox import Limits

    errors: list[StudentResult] = []
    students = args.student or None
    if args.submissions:
        imported, problems, notes = import_submissions(course, assignment, Path(args.submissions))
        for student, note in notes.items():
            print(f"note: {student}: {note}")
        errors = [StudentResult(s, "error", message=m) for s, m in problems.items()]
        if students is None:
            students = imported
        else:
            students = [s for s in students if s not in problems]
    show = (not args.no_progress and sys.stderr.isatty()) or args.progress
    if args.serial:
        results = grade(
            course,
            assignment,
            students,
            progress=(lambda it: tqdm(it, desc=f"grading {assignment}", unit="student")) if show else None,
        )
    else:
        defaults = Limits()
        limits = Limits(
            cell_timeout=args.timeout or int(course.config().Execute.get("timeout", defaults.cell_timeout)),
            notebook_timeout=args.notebook_timeout,
            memory_mb=args.memory,
            nproc=args.max_processes,
            fsize_mb=args.max_file_size,
            output_kb=args.max_output,
        )
        options = Options(workers=args.workers, limits=limits, sandbox=not args.unsafe_no_sandbox, force=args.force)
        if args.unsafe_no_sandbox:
            print("warning: --unsafe-no-sandbox: student code runs with your permissions (limits still apply)")
        total = len(students) if students is not None else len(course.students(assignment))
        bar = tqdm(total=total, desc=f"grading {assignment}", unit="student") if show else None
        try:
            results = grade_class(
                course,
                assignment,
                students,
                options,
                explicit=bool(args.student),
                on_done=(lambda r: bar.update(1)) if bar is not None else None,
            )
        finally:
            if bar is not None:
                bar.close()
    results = sorted(errors + results, key=lambda r: r.student)
    print(format_table(results))
    print(f"Logs: {Path(course.root) / 'logs' / assignment}/<student>.log")
    held = [r.student for r in results if r.status == "review"]
    if held:
        print(f"{len(held)} submission(s) held for review: python -m autograder review {assignment}")
    return 1 if any(r.status not in ("graded", "rejected") for r in results) else 0


def cmd_review(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments
    from autograder.grading import format_table
    from autograder.parallel import GradingBusy, course_lock, decide, flagged

    (assignment,) = resolve_assignments([args.assignment])
    course = _course(args)
    decided = []
    for student, accept in [(s, True) for s in args.accept or []] + [(s, False) for s in args.reject or []]:
        try:
            with course_lock(course):  # not while a grading run writes the same gradebook
                decided.append(decide(course, assignment, student, accept))
        except GradingBusy as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if decided:
        print(format_table(decided))
        return 0
    held = flagged(course, assignment)
    if not held:
        print(f"No submission of {assignment} is held for review.")
        return 0
    for r in held:
        print(f"{r.student}: automatic score {r.auto_score:g} / {r.max_score:g}, held at 0")
        for flag in r.flags:
            print(f"  - {flag}")
        print(f"  log: {Path(course.root) / 'logs' / assignment / (r.student + '.log')}")
        print(f"  notebook: {Path(course.root) / 'autograded' / r.student / assignment}")
    print(
        f"{len(held)} held. Look at each notebook, then: python -m autograder review {assignment} "
        "--accept STUDENT (automatic score stands) or --reject STUDENT (0 stands)."
    )
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments

    (assignment,) = resolve_assignments([args.assignment])
    files = _course(args).generate_feedback(assignment, args.student)
    for path in files:
        print(path)
    print(f"{len(files)} feedback file(s); hidden tests are not shown in them.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    dest = _course(args).export_csv(Path(args.to))
    print(f"grades written to {dest}")
    return 0


def cmd_to_py(args: argparse.Namespace) -> int:
    import nbformat

    from autograder.authoring import to_py

    sys.stdout.write(to_py(nbformat.read(args.notebook, as_version=4)))
    return 0


def cmd_from_py(args: argparse.Namespace) -> int:
    from autograder.authoring import from_py, write_notebook

    nb = from_py(Path(args.source).read_text(encoding="utf-8"))
    Path(args.notebook).parent.mkdir(parents=True, exist_ok=True)
    write_notebook(nb, args.notebook)
    print(f"wrote {args.notebook} ({len(nb.cells)} cells)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Release, check, grade, give feedback on and export the lstm-course notebooks (nbgrader).",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help_: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description)
        p.set_defaults(func=func)
        return p

    def course_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--course-dir",
            default=str(GRADING),
            help="instructor run-time folder: submitted/, autograded/, feedback/, gradebook.db "
            "(default: grading/ in the repository)",
        )

    def timeout(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--timeout",
            type=int,
            default=None,
            help="seconds one cell may run before it is stopped (default: nbgrader_config.py's)",
        )

    add("list", cmd_list, "list the assignments", "Print the assignment names, one per line.")

    p = add(
        "release",
        cmd_release,
        "regenerate the student notebooks in notebooks/",
        "Generate notebooks/<assignment>.ipynb from solutions/<assignment>/<assignment>.ipynb with nbgrader "
        "(solutions, hidden tests and outputs removed). Deterministic: a second run changes no byte.",
    )
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")

    p = add(
        "check",
        cmd_check,
        "prove assignments are gradable",
        "For each assignment: notebooks/ is in sync with its source, the solution autogrades to full marks "
        "and the unsolved student version to zero on every tests cell.",
    )
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    timeout(p)

    p = add(
        "grade",
        cmd_grade,
        "autograde submissions",
        "Autograde every student's submission of ASSIGNMENT in parallel workers, each notebook in a sandbox "
        "(bubblewrap) with time, memory, process and file-size limits, and print a score table. A missing, "
        "corrupt or crashing submission is reported and the others are still graded; tampering is flagged "
        "and held at 0 for `review`. Students already graded from the same file are skipped (a crashed run "
        "resumes); --force or --student regrades.",
    )
    p.add_argument("assignment", help="assignment name, e.g. 01_activations")
    p.add_argument(
        "submissions",
        nargs="?",
        default=None,
        help="folder with one folder per student holding the notebook; omit to grade what is already "
        "in <course-dir>/submitted (e.g. after `nbgrader collect`)",
    )
    p.add_argument("--student", action="append", help="grade only this student, even if already graded (repeatable)")
    p.add_argument("--force", action="store_true", help="regrade students already graded from the same file")
    p.add_argument("--workers", type=_positive, default=_cores(), help="students graded at once (default: CPU cores)")
    p.add_argument("--notebook-timeout", type=_positive, default=900, help="seconds a whole notebook may run (900)")
    p.add_argument("--memory", type=_positive, default=6144, help="MiB of address space per kernel process (6144)")
    p.add_argument("--max-processes", type=_positive, default=256, help="processes and threads per submission (256)")
    p.add_argument("--max-file-size", type=_positive, default=256, help="MiB: largest file a submission writes (256)")
    p.add_argument("--max-output", type=_positive, default=1024, help="KiB of output kept per cell (1024)")
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run kernels without bubblewrap (only for trusted work, or where bwrap cannot run); the limits "
        "and integrity checks still apply, the isolation does not",
    )
    p.add_argument(
        "--serial",
        action="store_true",
        help="plain nbgrader autograde, one student after the other, no sandbox or integrity checks "
        "(the reference the parallel grader is measured against)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--progress", action="store_true", help="progress bar even when not on a terminal")
    course_dir(p)
    timeout(p)

    p = add(
        "review",
        cmd_review,
        "list or decide flagged submissions",
        "Without options: list the submissions of ASSIGNMENT held for review (integrity flags), with their "
        "automatic score and why. --accept STUDENT gives the automatic score; --reject STUDENT keeps 0.",
    )
    p.add_argument("assignment", help="assignment name")
    p.add_argument("--accept", action="append", metavar="STUDENT", help="release the automatic score (repeatable)")
    p.add_argument("--reject", action="append", metavar="STUDENT", help="keep the score at 0 (repeatable)")
    course_dir(p)

    p = add(
        "feedback",
        cmd_feedback,
        "write feedback HTML",
        "Write <course-dir>/feedback/<student>/<assignment>/<assignment>.html for graded students; hidden "
        "test code is not shown.",
    )
    p.add_argument("assignment", help="assignment name")
    p.add_argument("--student", default=None, help="only this student")
    course_dir(p)

    p = add(
        "export",
        cmd_export,
        "export grades as CSV",
        "Write every grade in the gradebook to a CSV file (one row per student and assignment).",
    )
    p.add_argument("--to", default=str(GRADING / "grades.csv"), help="CSV file (default: grading/grades.csv)")
    course_dir(p)

    p = add(
        "to-py",
        cmd_to_py,
        "print a notebook in percent format",
        "Print a source notebook as percent-format text (see CONTRIBUTING.md) for editing.",
    )
    p.add_argument("notebook", help="solutions/<assignment>/<assignment>.ipynb")

    p = add(
        "from-py",
        cmd_from_py,
        "write a notebook from percent format",
        "Write a source notebook from percent-format text (see CONTRIBUTING.md).",
    )
    p.add_argument("source", help="percent-format .py file")
    p.add_argument("notebook", help="notebook to write, e.g. solutions/<assignment>/<assignment>.ipynb")
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UnknownAssignment, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
