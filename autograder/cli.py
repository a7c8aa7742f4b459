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
from autograder.grading import printable

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


def _cluster(text: str) -> str:
    """argparse type: ``local:N`` (N >= 1) or a Dask scheduler address (``tcp://host:8786``, ``host:8786``)."""
    if text.startswith("local:"):
        _positive(text.removeprefix("local:"))
        return text
    rest = text.split("://", 1)[-1]
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither local:N nor a scheduler address such as tcp://scheduler:8786"
        )
    return text


def _course(args: argparse.Namespace) -> Course:
    return Course(root=Path(args.course_dir), source=SOLUTIONS, timeout=getattr(args, "timeout", None))


def cmd_list(args: argparse.Namespace) -> int:
    from autograder.course import assignments

    if args.gives_away:
        from autograder.releaseorder import given_away

        for later, earlier, functions in given_away():
            print(f"{later} gives away {earlier}: {', '.join(functions)} (release {later} after {earlier} is due)")
        return 0
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
    from autograder.executors import ClusterError
    from autograder.parallel import GradingBusy, Options, SandboxUnavailable, check_sandbox, course_lock

    (assignment,) = resolve_assignments([args.assignment])
    course = _course(args)
    try:
        if not args.serial:
            # Before anything is imported or graded (on a cluster, each worker checks its own).
            check_sandbox(Options(sandbox=not args.unsafe_no_sandbox, cluster=args.cluster))
        with course_lock(course):  # one grading run per course folder at a time
            return _grade(args, course, assignment)
    except (SandboxUnavailable, GradingBusy, ClusterError) as exc:
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
        source = Path(args.submissions)
        lms_problems: dict[str, str] = {}
        if is_lms_download(source):
            collected = _collect(args, assignment, source, Path(course.root) / "collected" / assignment)
            lms_problems, source = collected.problems, Path(course.root) / "collected" / assignment
        imported, problems, notes = import_submissions(course, assignment, source)
        problems.update({printable(k): printable(v) for k, v in lms_problems.items()})
        if args.roster and not is_lms_download(Path(args.submissions)):  # one folder per student, named by id
            from autograder.lms import read_roster

            ids = [s.id for s in read_roster(Path(args.roster))]
            missing = [i for i in ids if i not in imported and i not in problems]
            if missing:
                print(f"warning: {len(missing)} student(s) on the roster handed nothing in: {', '.join(missing)}")
            for student in imported:
                if student not in ids:
                    notes[student] = "; ".join(filter(None, [notes.get(student), "not on the roster"]))
        if not imported and not problems:
            print(
                f"error: no submission of {assignment} found in {args.submissions}: expected one folder per "
                "student, or a Canvas / Moodle download (zip or folder); see autograder/README.md",
                file=sys.stderr,
            )
            return 1
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
        options = Options(workers=args.workers, limits=limits, sandbox=not args.unsafe_no_sandbox, force=args.force,
                          cluster=args.cluster)  # fmt: skip
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
    _note_late(course, assignment, results)
    print(format_table(results))
    print(f"Logs: {Path(course.root) / 'logs' / assignment}/<student>.log")
    held = [r.student for r in results if r.status == "review"]
    if held:
        print(f"{len(held)} submission(s) held for review: python -m autograder review {assignment}")
    return 1 if any(r.status not in ("graded", "rejected") for r in results) else 0


def is_lms_download(source: Path) -> bool:
    """A zip, or a folder whose entries are named like a Canvas or Moodle download (not one folder per student)."""
    from autograder.lms import parse_name

    if source.is_file():
        return True
    if not source.is_dir():
        return False
    entries = [p for p in source.iterdir() if not p.name.startswith(".")]
    return any(parse_name(p.name) for p in entries) or any(p.is_file() and p.suffix == ".ipynb" for p in entries)


def _collect(args: argparse.Namespace, assignment: str, source: Path, dest: Path):
    """Run :func:`autograder.lms.collect` and print what it did not use (never silent)."""
    from autograder.lms import collect, read_roster

    roster = read_roster(Path(args.roster)) if args.roster else None
    tz = None
    if args.zip_timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            tz = ZoneInfo(args.zip_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CliError(
                f"unknown time zone {args.zip_timezone!r} (e.g. Europe/Berlin, America/New_York, UTC)"
            ) from None
    result = collect(source, assignment, dest, roster=roster, timezone=tz)
    for warning in result.warnings:
        print(f"warning: {printable(warning)}")
    for who, problem in sorted(result.problems.items()):
        print(f"not collected: {printable(who)}: {printable(problem)}")
    print(
        f"collected {len(result.students)} submission(s) of {assignment} from {printable(str(source))} "
        f"into {dest} ({len(result.timestamps)} with the LMS's submission time)"
    )
    return result


def _note_late(course: Course, assignment: str, results: list) -> None:
    """Add each late submission's penalty (nbgrader's, from the gradebook) to its row of the table."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(course.db_url) as gb:
            for r in results:
                if r.status not in ("graded", "review"):
                    continue
                try:
                    sub = gb.find_submission(assignment, r.student)
                except MissingEntry:
                    continue
                if sub.total_seconds_late > 0:
                    note = f"late {sub.total_seconds_late / 3600:.1f} h, penalty {sub.late_submission_penalty or 0:g}"
                    r.message = "; ".join(filter(None, [r.message, note]))
    except Exception:  # the table is still printed without the notes
        pass


def cmd_collect(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments

    (assignment,) = resolve_assignments([args.assignment])
    dest = Path(args.to) if args.to else Path(args.course_dir) / "collected" / assignment
    result = _collect(args, assignment, Path(args.source), dest)
    print(f"next: python -m autograder grade {assignment} {dest}")
    return 1 if result.problems or not result.students else 0


def cmd_deadline(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments
    from autograder.late import Policy, parse_due, parse_duration, set_deadline
    from autograder.parallel import GradingBusy, course_lock

    (assignment,) = resolve_assignments([args.assignment])
    course = _course(args)
    try:
        due = parse_due(args.due) if args.due else None
        policy = None
        if args.penalty is not None:
            policy = Policy(args.penalty, args.per, args.max_penalty, args.grace)
        extensions = {}
        for item in args.extend or []:
            student, sep, length = item.partition("=")
            if not sep or not student:
                raise ValueError(f"--extend {item!r}: write STUDENT=DURATION, e.g. alice=48h")
            extensions[student] = parse_duration(length)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with course_lock(course):  # the gradebook has one writer at a time
            state = set_deadline(course, assignment, due, policy, extensions)
    except GradingBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{assignment}: due {state['duedate'] or 'never (no due date)'} UTC")
    pol = state["policy"]
    if pol:
        print(
            f"  late penalty: {pol.percent:g}% of the score per started {pol.per} after {pol.grace_minutes:g} min "
            f"grace, at most {pol.max_percent:g}%"
        )
    else:
        print("  late penalty: none")
    for student, extension in sorted(state["extensions"].items()):
        print(f"  extension: {student} +{extension}")
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from autograder.course import resolve_assignments
    from autograder.similarity import run, to_html

    (assignment,) = resolve_assignments([args.assignment])
    if not 0 < args.threshold <= 1:
        print("error: --threshold is a share between 0 and 1, e.g. 0.6", file=sys.stderr)
        return 2
    course = _course(args)
    report = run(course, assignment, threshold=args.threshold, with_solution=not args.no_solution)
    dest = Path(args.html) if args.html else Path(args.course_dir) / "similarity" / f"{assignment}.html"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(to_html(report), encoding="utf-8")
    for m in report.flagged:
        print(f"{printable(m.a)} ~ {printable(m.b)}: {m.similarity:.0%} similar")
    for student, why in sorted(report.skipped.items()):
        print(f"not compared: {printable(student)}: {why}")
    print(
        f"{len(report.flagged)} of {len(report.pairs)} pair(s) at or above {args.threshold:.0%}; side by side in {dest}"
    )
    return 1 if report.flagged else 0


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
    course = _course(args)
    default = "canvas_grades.csv" if args.format == "canvas" else "grades.csv"
    to = Path(args.to) if args.to else Path(args.course_dir) / default
    if args.format == "canvas":
        from autograder.export import export_canvas
        from autograder.lms import read_roster

        dest, warnings = export_canvas(course, to, read_roster(Path(args.roster)) if args.roster else None)
        for warning in warnings:
            print(f"warning: {warning}")
    else:
        dest = course.export_csv(to)
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


class CliError(Exception):
    """Bad usage found after parsing (exit code 2)."""


class IntermixedParser(argparse.ArgumentParser):
    """A command's parser that accepts options anywhere, also between and after positional arguments.

    ``grade A --workers 2 submissions/`` otherwise fails: argparse gives the optional positional its default
    at the first option and then rejects ``submissions/``. Sub-commands cannot use
    ``parse_intermixed_args`` at the top level (argparse refuses subparsers there), so each command's own
    parser parses intermixed.
    """

    _intermixing = False

    def parse_known_args(self, args=None, namespace=None):
        if self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Release, check, grade, give feedback on and export the lstm-course notebooks (nbgrader).",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=IntermixedParser)

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

    def lms_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--roster",
            default=None,
            help="CSV of the class (id,name,email; Canvas's ID/Student/SIS Login ID headers work): maps LMS "
            "files to student ids and lists who handed nothing in",
        )
        p.add_argument(
            "--zip-timezone",
            default=None,
            metavar="ZONE",
            help="time zone of the submission times in the LMS zip, e.g. Europe/Berlin (default: this machine's)",
        )

    def timeout(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--timeout",
            type=int,
            default=None,
            help="seconds one cell may run before it is stopped (default: nbgrader_config.py's)",
        )

    p = add("list", cmd_list, "list the assignments", "Print the assignment names, one per line.")
    p.add_argument(
        "--gives-away",
        action="store_true",
        help="instead: which student notebook defines an earlier assignment's graded functions (release order)",
    )

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
        help="folder with one folder per student holding the notebook, or a Canvas / Moodle submissions zip "
        "(or the flat folder it unpacks to; see `collect`); omit to grade what is already in "
        "<course-dir>/submitted (e.g. after `nbgrader collect`)",
    )
    lms_options(p)
    p.add_argument("--student", action="append", help="grade only this student, even if already graded (repeatable)")
    p.add_argument("--force", action="store_true", help="regrade students already graded from the same file")
    p.add_argument("--workers", type=_positive, default=_cores(), help="students graded at once (default: CPU cores)")
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        type=_cluster,
        help="run the sandboxed executions on Dask: a scheduler address (tcp://scheduler:8786) or local:N for a "
        "LocalCluster of N worker processes here; grades, markers and logs stay on this machine "
        "(default: --workers local worker processes; see autograder/README.md)",
    )
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
    p.add_argument(
        "--to",
        default=None,
        help="CSV file (default: <course-dir>/grades.csv, or canvas_grades.csv with --format canvas)",
    )
    p.add_argument(
        "--format",
        choices=["nbgrader", "canvas"],
        default="nbgrader",
        help="nbgrader: one row per student and assignment (nbgrader's CSV); canvas: Canvas gradebook import "
        "(one row per student, one column per assignment, late penalties subtracted)",
    )
    p.add_argument("--roster", default=None, help="with --format canvas: names, emails and every roster student")
    course_dir(p)

    p = add(
        "collect",
        cmd_collect,
        "unpack an LMS download into one folder per student",
        "Turn a Canvas or Moodle submissions zip (or the flat folder it unpacks to) into "
        "<to>/<student>/<assignment>.ipynb with nbgrader's timestamp.txt (the LMS's submission time), matching "
        "students with --roster. Every file not used and every student not matched is listed. `grade` does "
        "the same when given a zip, so this is for a look before grading.",
    )
    p.add_argument("assignment", help="assignment name")
    p.add_argument("source", help="Canvas / Moodle submissions zip, or a folder of such files")
    p.add_argument("--to", default=None, help="output folder (default: <course-dir>/collected/<assignment>)")
    lms_options(p)
    course_dir(p)

    p = add(
        "deadline",
        cmd_deadline,
        "set due date, late penalty and extensions",
        "Set ASSIGNMENT's due date (nbgrader's duedate in the gradebook), its late penalty (applied by "
        "nbgrader's AssignLatePenalties at the next grade; --force regrades) and per-student extensions "
        "(nbgrader's submission extension). Without options: show what is set.",
    )
    p.add_argument("assignment", help="assignment name")
    p.add_argument("--due", default=None, help="due date and time, e.g. 2026-03-01T23:59 (local) or ...+01:00")
    p.add_argument("--penalty", type=float, default=None, metavar="PERCENT", help="percent of the score per --per late")
    p.add_argument("--per", choices=["hour", "day"], default="day", help="unit of --penalty (default: day)")
    p.add_argument("--max-penalty", type=float, default=100.0, metavar="PERCENT", help="cap (default 100: zero)")
    p.add_argument("--grace", type=float, default=0.0, metavar="MINUTES", help="minutes late without penalty")
    p.add_argument(
        "--extend", action="append", metavar="STUDENT=DURATION", help="extension, e.g. alice=48h (repeatable)"
    )
    course_dir(p)

    p = add(
        "similarity",
        cmd_similarity,
        "copy detection between students and the published solutions",
        "Compare the solution cells of every pair of submissions of ASSIGNMENT in <course-dir>/submitted, and "
        "each with the published solutions, with copydetect (winnowing fingerprints; variable names, comments "
        "and the released starter code ignored). Writes an HTML report of the flagged pairs side by side. "
        "Exit code 1 when a pair is flagged.",
    )
    p.add_argument("assignment", help="assignment name")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.6,
        help="flag a pair when this share of one's code is found in the other's (default 0.6)",
    )
    p.add_argument("--no-solution", action="store_true", help="do not compare with the published solutions")
    p.add_argument("--html", default=None, help="report file (default: <course-dir>/similarity/<assignment>.html)")
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
    from autograder.course import ensure_tools_on_path
    from autograder.lms import CollectError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ensure_tools_on_path()  # nbgrader runs `alembic`, jupyter kernels: from this environment, activated or not
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UnknownAssignment, FileNotFoundError, CliError, CollectError) as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except GradingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
