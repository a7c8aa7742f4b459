"""Collect submissions downloaded from an LMS into the one-folder-per-student layout ``grade`` reads.

Sources (:func:`collect`):

- a **Canvas** "Download Submissions" zip, or the folder it unpacks to: every file is named
  ``<lastfirst>_[late_]<userid>_<submissionid>_<original name>`` (``late`` when handed in after the due date;
  Canvas appends ``-1``, ``-2`` to the original name of a resubmission);
- a **Moodle** "Download all submissions" zip: ``<Full Name>_<participantid>_assignsubmission_file_<original
  name>``, or, with "download submissions in folders", a folder ``<Full Name>_<participantid>_assignsubmission_file``
  (Moodle 4: ``..._assignsubmission_file_``) holding the student's files;
- any flat folder of such files.

An optional roster CSV (columns ``id``, ``name``, ``email``; Canvas's own ``Student``/``ID``/``SIS Login ID``
headers are understood too) maps the LMS's ids or names to the student ids used in the gradebook, and lists who
handed nothing in. Nothing is silent: every file that is not used and every student who cannot be matched is a
:class:`Collected` problem or warning.

Extraction is safe by construction: the only files written are ``<dest>/<student>/<assignment>.ipynb`` (and
nbgrader's ``timestamp.txt``) under paths this module builds from checked student ids, never from a path in
the zip. Entries with absolute or ``..`` paths, symlinks, more than :data:`MAX_NOTEBOOK_BYTES` when read (the
declared size is not trusted), archives of more than :data:`MAX_ENTRIES` entries or :data:`MAX_TOTAL_BYTES`
are refused with a clear message.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.grading import SAFE_ID

#: Largest notebook read from a submission (bytes, as actually decompressed).
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
#: Most entries an LMS archive may hold (a class of thousands with a few files each).
MAX_ENTRIES = 50_000
#: Most bytes read from one archive in total.
MAX_TOTAL_BYTES = 4 * 1024**3
#: Marks a folder that :func:`collect` wrote (and may replace); it never empties any other folder.
MARKER = ".autograder-collected"

CANVAS = re.compile(
    r"^(?P<name>[^_/]+?)_(?P<late>late_)?(?P<uid>\d+)_(?P<sub>\d+)_(?P<file>.+)$",
    re.IGNORECASE,
)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?(?P<file>.*)$")


class CollectError(ValueError):
    """The source as a whole cannot be collected (not a zip, unsafe archive, unreadable roster)."""


@dataclass
class Student:
    """A roster row."""

    id: str
    name: str = ""
    email: str = ""
    sis_id: str = ""


@dataclass
class Entry:
    """One file of the LMS download, as named by the LMS."""

    path: str  # path inside the zip or the folder, for messages
    lms: str  # "canvas" or "moodle"
    lms_id: str  # Canvas user id or Moodle participant id
    name: str  # lastfirst (Canvas) or full name (Moodle)
    file: str  # the student's own file name
    late: bool = False
    timestamp: dt.datetime | None = None  # UTC, from the zip entry where the LMS records it


@dataclass
class Collected:
    """What :func:`collect` did.

    Attributes:
        students: student id -> the notebook written to ``<dest>/<id>/<assignment>.ipynb``.
        problems: student id (or file name) -> why nothing was collected for it (an error row in ``grade``).
        warnings: things the instructor must know that did not stop collection (ignored files, roster
            students without a submission, timestamps).
        timestamps: student id -> submission time (UTC) written as nbgrader's ``timestamp.txt``.
    """

    students: dict[str, Path] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timestamps: dict[str, dt.datetime] = field(default_factory=dict)


def slug(text: str) -> str:
    """A student id from a name: ASCII letters and digits, words joined by ``_`` ("José Núñez" -> "jose_nunez")."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")


def _name_key(text: str) -> str:
    """Names compared without case, accents, punctuation or word order ("Núñez, José" == "jose nunez")."""
    return " ".join(sorted(slug(text).split("_")))


def read_roster(path: Path) -> list[Student]:
    """Read a roster CSV: ``id,name,email`` (Canvas's ``ID``, ``Student``, ``SIS Login ID``, ``SIS User ID`` too)."""
    aliases = {
        "id": ("id", "student_id", "user_id", "userid", "username"),
        "name": ("name", "student", "full name", "fullname", "student name"),
        "email": ("email", "e-mail", "email address", "sis login id", "login id"),
        "sis_id": ("sis user id", "sis_id", "student number"),
    }
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CollectError(f"cannot read roster {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    headers = {h.strip().lower(): h for h in reader.fieldnames or []}
    columns = {key: next((headers[a] for a in names if a in headers), None) for key, names in aliases.items()}
    if columns["id"] is None:
        raise CollectError(
            f"roster {path} has no id column (found: {', '.join(reader.fieldnames or []) or 'nothing'}); "
            "expected a header line such as: id,name,email"
        )
    roster, seen = [], set()
    for line, row in enumerate(reader, start=2):
        sid = (row.get(columns["id"]) or "").strip()
        name = (row.get(columns["name"]) or "").strip() if columns["name"] else ""
        if not sid or "points possible" in name.lower() or "points possible" in sid.lower():
            continue  # blank lines, Canvas's "Points Possible" row
        if not set(sid) <= SAFE_ID:
            raise CollectError(
                f"roster {path}, line {line}: id {sid!r} is not a valid student id (letters, digits, _ - . @)"
            )
        if sid in seen:
            raise CollectError(f"roster {path}, line {line}: id {sid!r} appears twice")
        seen.add(sid)
        email, sis_id = ((row.get(columns[k]) or "").strip() if columns[k] else "" for k in ("email", "sis_id"))
        roster.append(Student(sid, name, email, sis_id))
    if not roster:
        raise CollectError(f"roster {path} lists no students")
    return roster


def parse_name(name: str) -> tuple[str, str, str, str, bool] | None:
    """(lms, lms id, student name, original file name, late) of an LMS file name, or None if it is neither."""
    m = MOODLE.match(name)
    if m:
        return "moodle", m["pid"], m["name"], m["file"], False
    m = CANVAS.match(name)
    if m:
        return "canvas", m["uid"], m["name"], m["file"], bool(m["late"])
    return None


def _check_member(info: zipfile.ZipInfo) -> str | None:
    """Why a zip entry is unsafe, or None."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "its path leaves the archive (absolute or '..')"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    return None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """The decompressed bytes of ``info``, read in chunks so that a zip bomb stops at the limits."""
    out = bytearray()
    with zf.open(info) as f:
        while chunk := f.read(1 << 20):
            out += chunk
            budget[0] -= len(chunk)
            if len(out) > MAX_NOTEBOOK_BYTES:
                raise CollectError(
                    f"{info.filename}: more than {MAX_NOTEBOOK_BYTES >> 20} MiB when decompressed (a zip bomb?)"
                )
            if budget[0] < 0:
                raise CollectError(f"the archive holds more than {MAX_TOTAL_BYTES >> 30} GiB when decompressed")
    return bytes(out)


def _entries_from_zip(source: Path, tz: dt.tzinfo, result: Collected) -> list[tuple[Entry, callable]]:
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise CollectError(f"{source} is not a zip file (or it is damaged)") from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise CollectError(f"{source} holds {len(infos)} entries, more than {MAX_ENTRIES}: not an LMS download")
    unsafe = [(i.filename, why) for i in infos if (why := _check_member(i))]
    if unsafe:
        listed = "; ".join(f"{n!r}: {w}" for n, w in unsafe[:5])
        raise CollectError(f"{source} is unsafe, nothing was extracted: {listed}")
    budget = [MAX_TOTAL_BYTES]
    entries = []
    for info in infos:
        if info.is_dir():
            continue
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        stamp = dt.datetime(*info.date_time, tzinfo=tz).astimezone(dt.timezone.utc)
        entry = _entry(parts, info.filename, result)
        if entry is None:
            continue
        entry.timestamp = stamp
        entries.append((entry, lambda info=info: _read_member(zf, info, budget)))
    return entries


def _entries_from_folder(source: Path, result: Collected) -> list[tuple[Entry, callable]]:
    entries = []
    files = sorted(p for p in source.rglob("*") if not p.is_dir())
    if len(files) > MAX_ENTRIES:
        raise CollectError(f"{source} holds {len(files)} files, more than {MAX_ENTRIES}: not an LMS download")
    for path in files:
        rel = path.relative_to(source)
        if path.is_symlink():
            result.warnings.append(f"{rel}: ignored, it is a symbolic link")
            continue
        entry = _entry(rel.parts, str(rel), result)
        if entry is None:
            continue

        def read(path: Path = path) -> bytes:
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise CollectError(f"{path}: larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
            return path.read_bytes()

        entries.append((entry, read))
    return entries


def _entry(parts: tuple[str, ...], shown: str, result: Collected) -> Entry | None:
    """The LMS entry of a file at ``parts`` (inside a zip or a folder), or None with a warning."""
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None  # .DS_Store, macOS resource forks, .ipynb_checkpoints: never a submission
    if len(parts) > 1:  # Moodle "in folders": <Full Name>_<pid>_assignsubmission_file[_]/<file>
        parsed = parse_name(parts[-2])
        if parsed and parsed[0] == "moodle":
            lms, lms_id, name, _, late = parsed
            return _typed(Entry(shown, lms, lms_id, name, parts[-1], late), result)
    parsed = parse_name(parts[-1])
    if parsed is None:
        result.warnings.append(
            f"{shown}: ignored, not named like a Canvas (name_userid_submissionid_file) or Moodle "
            "(Full Name_id_assignsubmission_file_file) submission"
        )
        return None
    lms, lms_id, name, file, late = parsed
    return _typed(Entry(shown, lms, lms_id, name, file, late), result)


def _typed(entry: Entry, result: Collected) -> Entry | None:
    if not entry.file.lower().endswith(".ipynb"):
        result.warnings.append(f"{entry.path}: ignored, not a notebook (.ipynb)")
        return None
    return entry


def _pick(entries: list[Entry], assignment: str) -> tuple[Entry | None, str]:
    """The one notebook of a student's entries that is the assignment, or (None, why)."""
    wanted = [e for e in entries if re.sub(r"(-\d+| \(\d+\))?\.ipynb$", "", e.file, flags=re.I) == assignment]
    if len(wanted) == 1:
        return wanted[0], ""
    if len(entries) == 1:
        return entries[0], ""
    names = ", ".join(e.path for e in entries)
    return None, f"{len(entries)} notebooks, cannot tell which one is {assignment}.ipynb: {names}"


def collect(
    source: Path,
    assignment: str,
    dest: Path,
    roster: list[Student] | None = None,
    timezone: dt.tzinfo | None = None,
) -> Collected:
    """Turn an LMS download ``source`` (zip or folder) into ``dest/<student>/<assignment>.ipynb`` (+ timestamp.txt).

    Args:
        source: Canvas or Moodle submissions zip, or a flat folder of such files.
        assignment: the assignment the notebooks are.
        dest: output folder: new, empty, or written by an earlier collect (then replaced); nothing is written
            outside it.
        roster: the class (see :func:`read_roster`); without one, ids come from the file names (Canvas's user
            id; for Moodle the full name as ``first_last``).
        timezone: the zone in which the zip's file times are written (zip times carry none); default the
            machine's local zone. Canvas and Moodle write the submission time there.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"submissions {source} does not exist")
    tz = timezone or dt.datetime.now().astimezone().tzinfo
    result = Collected()
    if source.is_dir():
        entries = _entries_from_folder(source, result)
    else:
        entries = _entries_from_zip(source, tz, result)
    by_id = {s.id: s for s in roster or []}
    by_name: dict[str, list[Student]] = {}
    for s in roster or []:
        by_name.setdefault(_name_key(s.name), []).append(s)
    groups: dict[str, list[tuple[Entry, callable]]] = {}
    for entry, read in entries:
        sid = _student_id(entry, roster, by_id, by_name, result)
        if sid is not None:
            groups.setdefault(sid, []).append((entry, read))
    if dest.exists() and any(dest.iterdir()):
        if not (dest / MARKER).is_file():
            raise CollectError(f"{dest} exists and holds files collect did not write: choose an empty or new folder")
        shutil.rmtree(dest)  # an earlier collection of this kind: replaced whole
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).write_text(f"written by python -m autograder collect from {source}\n")
    for sid, items in sorted(groups.items()):
        people = {(e.lms, e.lms_id) for e, _ in items}
        if len(people) > 1:
            result.problems[sid] = (
                f"two LMS accounts map to the same student id {sid!r} ({', '.join(e.path for e, _ in items)}): "
                "fix the roster or rename one file"
            )
            continue
        chosen, why = _pick([e for e, _ in items], assignment)
        if chosen is None:
            result.problems[sid] = why
            continue
        read = next(r for e, r in items if e is chosen)
        folder = dest / sid
        folder.mkdir()
        path = folder / f"{assignment}.ipynb"
        path.write_bytes(read())
        if chosen.timestamp is not None:
            (folder / "timestamp.txt").write_text(chosen.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
            result.timestamps[sid] = chosen.timestamp
        result.students[sid] = path
        if chosen.late:
            result.warnings.append(f"{sid}: Canvas marked the submission late ({chosen.path})")
    if roster:
        missing = [s.id for s in roster if s.id not in result.students and s.id not in result.problems]
        if missing:
            result.warnings.append(f"{len(missing)} student(s) on the roster handed nothing in: {', '.join(missing)}")
    if not result.students and not result.problems:
        result.warnings.append(f"no submission of {assignment} found in {source}")
    return result


def _student_id(
    entry: Entry,
    roster: list[Student] | None,
    by_id: dict[str, Student],
    by_name: dict[str, list[Student]],
    result: Collected,
) -> str | None:
    """The gradebook id of an entry's student (roster first), or None with a problem recorded."""
    if roster is None:
        sid = entry.lms_id if entry.lms == "canvas" else slug(entry.name)
        if not sid:
            result.problems[entry.path] = "no usable student name or id in the file name"
            return None
        return sid
    if entry.lms == "canvas" and entry.lms_id in by_id:
        return entry.lms_id
    matches = by_name.get(_name_key(entry.name), [])
    if entry.lms == "canvas" and not matches:  # Canvas writes "lastfirst" without a separator
        squashed = slug(entry.name).replace("_", "")
        matches = [
            s
            for s in roster
            if squashed
            in {"".join(reversed(slug(s.name).split("_"))), slug(s.name).replace("_", ""), slug(s.email.split("@")[0])}
        ]
    if len(matches) == 1:
        return matches[0].id
    if len(matches) > 1:
        result.problems[entry.path] = (
            f"{entry.name!r} matches {len(matches)} roster students ({', '.join(s.id for s in matches)}): "
            "not collected; put the right one in a folder named by its id"
        )
        return None
    result.problems[entry.path] = (
        f"{entry.lms} {'user' if entry.lms == 'canvas' else 'participant'} {entry.lms_id} ({entry.name!r}) "
        "is not on the roster: not collected"
    )
    return None
