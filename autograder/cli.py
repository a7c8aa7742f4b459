"""``python -m autograder``: the instructor's command-line tool around nbgrader.

Exit codes: 0 all went well; 1 something failed (a student not graded, a check failed); 2 bad usage
(unknown assignment, missing folder or file).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.course import GRADING, NOTEBOOKS, SOLUTIONS, Course, GradingError, UnknownAssignment

EPILOG = "Run `python -m autograder COMMAND --help` for each command's options. Guide: autograder/README.md."


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
    from tqdm import tqdm

    from autograder.course import resolve_assignments
    from autograder.grading import StudentResult, format_table, grade, import_submissions

    (assignment,) = resolve_assignments([args.assignment])
    course = _course(args)
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
    results = grade(
        course,
        assignment,
        students,
        progress=(lambda it: tqdm(it, desc=f"grading {assignment}", unit="student")) if show else None,
    )
    results = sorted(errors + results, key=lambda r: r.student)
    print(format_table(results))
    print(f"Logs: {Path(course.root) / 'logs' / assignment}/<student>.log")
    return 1 if any(r.status != "graded" for r in results) else 0


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
        "Autograde every student's submission of ASSIGNMENT, one student at a time, and print a score "
        "table. A missing, corrupt or crashing submission is reported and the others are still graded.",
    )
    p.add_argument("assignment", help="assignment name, e.g. 01_activations")
    p.add_argument(
        "submissions",
        nargs="?",
        default=None,
        help="folder with one folder per student holding the notebook; omit to grade what is already "
        "in <course-dir>/submitted (e.g. after `nbgrader collect`)",
    )
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--progress", action="store_true", help="progress bar even when not on a terminal")
    course_dir(p)
    timeout(p)

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
    except UnknownAssignment as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
