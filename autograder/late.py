"""Due dates, extensions and late penalties, through nbgrader's own mechanisms.

- The due date is the assignment's ``duedate`` in the gradebook; an extension is the ``extension`` of that
  student's submission in the gradebook (nbgrader then measures lateness from due date + extension).
- The submission time is nbgrader's ``timestamp.txt`` next to the submitted notebook (written by
  ``nbgrader collect``, or by :mod:`autograder.lms` from the time the LMS zip records).
- The penalty is computed by nbgrader's ``AssignLatePenalties`` during ``autograde`` with :class:`LatePenalty`,
  a ``LateSubmissionPlugin`` (wired in by :func:`autograder.course.load_config`), from the policy that
  :func:`set_deadline` keeps in ``<course-dir>/late_policy.json``: a percentage of the score per started
  hour or day late, after an optional grace period, capped.

Only the grading (parent) process writes the gradebook: :func:`set_deadline` is run by the ``deadline``
command under the course's grading lock.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin

POLICY_FILE = "late_policy.json"
UNITS = {"m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}


@dataclass
class Policy:
    """Late penalty of one assignment: ``percent`` of the score per started ``per`` (hour or day) late,
    after ``grace_minutes``, at most ``max_percent`` (100: late enough means zero)."""

    percent: float = 0.0
    per: str = "day"
    max_percent: float = 100.0
    grace_minutes: float = 0.0

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken from ``score`` for a submission ``seconds_late`` past its (extended) due date."""
        late = seconds_late - 60 * self.grace_minutes
        if late <= 0 or self.percent <= 0:
            return 0.0
        started = math.ceil(late / UNITS[self.per])
        return score * min(self.max_percent, self.percent * started) / 100.0


def parse_duration(text: str) -> dt.timedelta:
    """``48h``, ``2d``, ``90min``, ``1w`` -> a timedelta; a clear ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|min|h|hour|d|day|w|week)s?\s*", text, flags=re.I)
    if not m:
        raise ValueError(f"{text!r} is not a duration such as 90min, 48h, 2d or 1w")
    return dt.timedelta(seconds=float(m[1]) * UNITS[m[2].lower()])


def parse_due(text: str, tz: dt.tzinfo | None = None) -> dt.datetime:
    """An ISO date and time (``2026-03-01 23:59``, ``2026-03-01T23:59+01:00``) -> naive UTC (nbgrader's form).

    A time without an offset is in ``tz`` (default: the machine's local zone).
    """
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time such as 2026-03-01T23:59 or ...T23:59+01:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz) if tz else when.astimezone()
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def load_policies(root: Path) -> dict[str, Policy]:
    """Every assignment's policy kept in ``<root>/late_policy.json`` (none if the file does not exist)."""
    path = Path(root) / POLICY_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Policy(**value) for name, value in data.items()}
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path} is damaged ({exc}); fix it or set the penalty again with `deadline`") from None


def set_deadline(
    course,
    assignment: str,
    due: dt.datetime | None = None,
    policy: Policy | None = None,
    extensions: dict[str, dt.timedelta] | None = None,
) -> dict:
    """Write ``assignment``'s due date (gradebook), policy (late_policy.json) and extensions (gradebook).

    Returns what is now in force: ``{"duedate", "policy", "extensions"}``.
    """
    from nbgrader.api import Gradebook

    course_id = course.config().CourseDirectory.course_id
    course.generate_assignment(assignment)  # the assignment exists in the gradebook with its notebooks
    root = Path(course.root)
    if policy is not None:
        if policy.per not in UNITS:
            raise ValueError(f"penalty unit {policy.per!r}: use hour or day")
        policies = load_policies(root)
        policies[assignment] = policy
        tmp = root / (POLICY_FILE + ".tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(policies.items())}, indent=1), encoding="utf-8")
        tmp.replace(root / POLICY_FILE)
    with Gradebook(course.db_url, course_id) as gb:
        if due is not None:
            gb.update_or_create_assignment(assignment, duedate=due)
        for student, extension in (extensions or {}).items():
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student, extension=extension)
        a = gb.find_assignment(assignment)
        granted = {s.student.id: s.extension for s in a.submissions if s.extension}
        return {"duedate": a.duedate, "policy": load_policies(root).get(assignment), "extensions": granted}


class LatePenalty(LateSubmissionPlugin):
    """nbgrader late-submission plugin: the penalty of :class:`Policy` for this assignment (none without one).

    nbgrader calls it from ``AssignLatePenalties`` only for submissions past their due date (extension included).
    """

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        owner = self.parent  # nbgrader's AssignLatePenalties: it knows the assignment and the gradebook
        db_url = getattr(owner, "db_url", "") or ""
        root = Path(db_url.removeprefix("sqlite:///")).parent if db_url.startswith("sqlite:///") else None
        policy = load_policies(root).get(getattr(owner, "assignment_id", "")) if root else None
        if policy is None:
            return None
        penalty = policy.penalty(score, total_seconds_late)
        self.log.info("Late by %.0f s: penalty %.2f of %.2f (%s)", total_seconds_late, penalty, score, policy)
        return penalty
