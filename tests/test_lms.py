"""Collecting LMS downloads (autograder/lms.py): Canvas and Moodle zips, flat folders, rosters, and archives
built to attack the extraction (zip-slip paths, symlinks, zip bombs, duplicate students). No grading: fast."""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder import lms
from autograder.lms import CollectError, collect, parse_name, read_roster

A = "01_activations"
NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
WHEN = dt.datetime(2026, 3, 1, 12, 30, 4, tzinfo=dt.timezone.utc)  # zip times: 2 s steps


def make_zip(path: Path, files: dict[str, bytes], when: dt.datetime = WHEN) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def written(dest: Path) -> set[str]:
    return {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and p.name != lms.MARKER}


@pytest.fixture
def roster(tmp_path: Path) -> list[lms.Student]:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,name,email\n1001,Ada Lovelace,ada@example.edu\n1002,Alan Turing,alan@example.edu\n"
        "s3,José Núñez,jose@example.edu\n"
    )
    return read_roster(path)


def test_canvas_names_late_resubmission_and_ids() -> None:
    assert parse_name(f"lovelaceada_1001_5001_{A}.ipynb") == ("canvas", "1001", "lovelaceada", f"{A}.ipynb", False)
    assert parse_name(f"turingalan_LATE_1002_5002_{A}-1.ipynb")[1:] == ("1002", "turingalan", f"{A}-1.ipynb", True)
    assert parse_name(f"Ada Lovelace_42_assignsubmission_file_{A}.ipynb")[:3] == ("moodle", "42", "Ada Lovelace")
    assert parse_name(f"{A}.ipynb") is None


def test_canvas_zip_to_per_student_layout_with_timestamps(tmp_path: Path) -> None:
    src = make_zip(
        tmp_path / "c.zip",
        {
            f"lovelaceada_1001_5001_{A}.ipynb": NB,
            f"turingalan_late_1002_5002_{A}-1.ipynb": NB,
            "turingalan_1002_5002_readme.txt": b"hi",
            "__MACOSX/._junk": b"x",
        },
    )
    got = collect(src, A, tmp_path / "out", timezone=dt.timezone.utc)
    assert sorted(got.students) == ["1001", "1002"] and not got.problems
    assert written(tmp_path / "out") == {f"100{i}/{n}" for i in (1, 2) for n in (f"{A}.ipynb", "timestamp.txt")}
    assert got.timestamps["1001"] == WHEN
    from nbgrader.utils import parse_utc

    assert parse_utc((tmp_path / "out" / "1001" / "timestamp.txt").read_text()) == WHEN.replace(tzinfo=None)
    assert any("readme.txt: ignored, not a notebook" in w for w in got.warnings)
    assert any("1002: Canvas marked the submission late" in w for w in got.warnings)


def test_zip_times_are_read_in_the_given_time_zone(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "c.zip", {f"lovelaceada_1001_5001_{A}.ipynb": NB})
    plus2 = dt.timezone(dt.timedelta(hours=2))
    got = collect(src, A, tmp_path / "out", timezone=plus2)
    assert got.timestamps["1001"] == WHEN - dt.timedelta(hours=2)


def test_moodle_zip_files_and_folders_matched_by_name_to_the_roster(tmp_path: Path, roster) -> None:
    src = make_zip(
        tmp_path / "m.zip",
        {
            f"Ada Lovelace_77_assignsubmission_file_{A}.ipynb": NB,
            f"Jose Nunez_78_assignsubmission_file_/{A}.ipynb": NB,  # Moodle 4 "in folders"
            "Somebody Else_79_assignsubmission_file_x.ipynb": NB,
            "Alan Turing_80_assignsubmission_onlinetext_onlinetext.html": b"<p>",
        },
    )
    got = collect(src, A, tmp_path / "out", roster=roster)
    assert sorted(got.students) == ["1001", "s3"]
    assert "not on the roster" in got.problems["Somebody Else_79_assignsubmission_file_x.ipynb"]
    assert any("onlinetext.html: ignored, not a notebook" in w for w in got.warnings)
    assert any("handed nothing in: 1002" in w for w in got.warnings)


def test_canvas_lastfirst_is_matched_to_the_roster_when_the_user_id_is_not(tmp_path: Path, roster) -> None:
    src = make_zip(tmp_path / "c.zip", {f"nunezjose_555_1_{A}.ipynb": NB, f"lovelaceada_1001_2_{A}.ipynb": NB})
    got = collect(src, A, tmp_path / "out", roster=roster)
    assert sorted(got.students) == ["1001", "s3"]


def test_flat_folder_without_roster_uses_the_lms_ids(tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / f"lovelaceada_1001_5001_{A}.ipynb").write_bytes(NB)
    (folder / f"Alan Turing_9_assignsubmission_file_{A}.ipynb").write_bytes(NB)
    (folder / "notes.md").write_text("x")
    got = collect(folder, A, tmp_path / "out")
    assert sorted(got.students) == ["1001", "alan_turing"]
    assert not got.timestamps, "a folder has no LMS times: graded as on time"
    assert any("notes.md: ignored, not named like a Canvas" in w for w in got.warnings)


def test_two_notebooks_of_one_student_and_two_accounts_for_one_id_are_errors(tmp_path: Path, roster) -> None:
    src = make_zip(
        tmp_path / "d.zip",
        {
            f"lovelaceada_1001_1_{A}.ipynb": NB,
            "lovelaceada_1001_1_scratch.ipynb": NB,
            f"Alan Turing_5_assignsubmission_file_{A}.ipynb": NB,
            f"Alan Turing_6_assignsubmission_file_{A}.ipynb": NB,
        },
    )
    got = collect(src, A, tmp_path / "out", roster=roster)
    assert "1001" in got.students  # the one named like the assignment is taken
    assert "two LMS accounts map to the same student id '1002'" in got.problems["1002"]
    src = make_zip(tmp_path / "e.zip", {"lovelaceada_1001_1_a.ipynb": NB, "lovelaceada_1001_1_b.ipynb": NB})
    got = collect(src, A, tmp_path / "out2")
    assert "cannot tell which one" in got.problems["1001"] and not got.students


@pytest.mark.parametrize(
    "name", ["../../evil_1_2_x.ipynb", "/etc/evil_1_2_x.ipynb", "a/../../b_1_2_x.ipynb", "C:/x_1_2_y.ipynb"]
)
def test_zip_slip_paths_are_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    src = make_zip(tmp_path / "s.zip", {f"lovelaceada_1001_5001_{A}.ipynb": NB, name: NB})
    with pytest.raises(CollectError, match="unsafe, nothing was extracted"):
        collect(src, A, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "evil_1_2_x.ipynb").exists()


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "l.zip"
    with zipfile.ZipFile(src, "w") as zf:
        info = zipfile.ZipInfo(f"lovelaceada_1001_5001_{A}.ipynb")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/work/solutions/01_activations/01_activations.ipynb")
    with pytest.raises(CollectError, match="symbolic link"):
        collect(src, A, tmp_path / "out")


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    folder.mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(NB)
    os.symlink(secret, folder / f"lovelaceada_1001_5001_{A}.ipynb")
    got = collect(folder, A, tmp_path / "out")
    assert not got.students and any("symbolic link" in w for w in got.warnings)


def test_zip_bomb_stops_at_the_limit_whatever_the_header_says(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(lms, "MAX_NOTEBOOK_BYTES", 1 << 20)
    src = make_zip(tmp_path / "b.zip", {f"lovelaceada_1001_5001_{A}.ipynb": b"0" * (8 << 20)})  # 8 MiB of zeros
    assert src.stat().st_size < 100_000
    with pytest.raises(CollectError, match="zip bomb"):
        collect(src, A, tmp_path / "out")


def test_too_many_entries_and_not_a_zip_are_clear_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(lms, "MAX_ENTRIES", 3)
    src = make_zip(tmp_path / "n.zip", {f"x{i}_1{i}_2_{A}.ipynb": NB for i in range(5)})
    with pytest.raises(CollectError, match="more than 3"):
        collect(src, A, tmp_path / "out")
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    with pytest.raises(CollectError, match="not a zip file"):
        collect(tmp_path / "fake.zip", A, tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        collect(tmp_path / "missing.zip", A, tmp_path / "out")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nAda,a@x\n", "no id column"),
        ("id,name\n1,Ada\n1,Alan\n", "appears twice"),
        ("id,name\nbad id!,Ada\n", "not a valid student id"),
        ("id,name\n", "lists no students"),
    ],
)
def test_bad_rosters_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(CollectError, match=message):
        read_roster(path)


def test_canvas_gradebook_export_works_as_a_roster(tmp_path: Path) -> None:
    path = tmp_path / "canvas.csv"
    path.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,HW1 (1)\n"
        "    Points Possible,,,,,10\n"
        '"Lovelace, Ada",1001,S1,ada@example.edu,A,\n'
    )
    (ada,) = read_roster(path)
    assert (ada.id, ada.name, ada.email, ada.sis_id) == ("1001", "Lovelace, Ada", "ada@example.edu", "S1")


def test_collect_never_empties_a_folder_it_did_not_write(tmp_path: Path) -> None:
    src = make_zip(tmp_path / "c.zip", {f"lovelaceada_1001_5001_{A}.ipynb": NB})
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(CollectError, match="holds files collect did not write"):
        collect(src, A, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    collect(src, A, tmp_path / "out")
    assert sorted(collect(src, A, tmp_path / "out").students) == ["1001"], "its own earlier output is replaced"
