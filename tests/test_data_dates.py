"""The date-list generator of notebook 10 (lstm_course.data.dates): exact, seeded, splits disjoint."""

from __future__ import annotations

import datetime as dt

import pytest

from lstm_course.data.dates import (
    FIRST_DAY,
    FORMATS,
    LAST_DAY,
    SEPARATORS,
    TEST_DATES,
    TRAIN_DATES,
    TRAIN_MAX_CHARS,
    CharVocab,
    format_date,
    generate_pairs,
    make_splits,
)
from lstm_course.paths import REPO_ROOT


def test_same_seed_same_pairs_other_seed_other_pairs():
    assert generate_pairs(50, seed=3) == generate_pairs(50, seed=3)
    assert generate_pairs(50, seed=3) != generate_pairs(50, seed=4)


def test_every_format_writes_the_same_day_readably():
    day = dt.date(1998, 3, 5)  # a Thursday
    written = {fmt: format_date(day, fmt) for fmt in FORMATS}
    assert written["{d} {month} {yyyy}"] == "5 march 1998"
    assert written["{dd}/{mm}/{yyyy}"] == "05/03/1998"
    assert written["{mon} {d} {yy}"] == "mar 5 98"
    assert written["{wd} {d} {mon} {yyyy}"] == "thu 5 mar 1998"
    assert written["{weekday}, {month} {d} {yyyy}"] == "thursday, march 5 1998"
    assert len(set(written.values())) == len(FORMATS)


def _writes(source: str, days: list[dt.date], sep: str) -> bool:
    """Whether source is the days, each in one of FORMATS, joined by sep."""
    if not days:
        return source == ""
    for fmt in FORMATS:
        head = format_date(days[0], fmt) + (sep if len(days) > 1 else "")
        if source.startswith(head) and _writes(source[len(head) :], days[1:], sep):
            return True
    return False


def test_targets_are_the_iso_dates_of_the_sources():
    """Every source is its target's dates, in that order, each in a listed format, joined by one separator."""
    for source, target in generate_pairs(300, n_dates=(1, 4), seed=11):
        days = [dt.date.fromisoformat(iso) for iso in target.split(" ")]
        assert all(FIRST_DAY <= day <= LAST_DAY for day in days)
        assert any(_writes(source, days, sep) for sep in SEPARATORS), (source, target)


def test_date_counts_and_disjoint_splits():
    splits = make_splits(n_train=400, n_validation=50, n_test_per_count=20)
    counts = {name: {t.count(" ") + 1 for _, t in pairs} for name, pairs in splits.items()}
    assert counts["train"] == counts["validation"] == set(range(TRAIN_DATES[0], TRAIN_DATES[1] + 1))
    assert counts["test"] == set(range(TEST_DATES[0], TEST_DATES[1] + 1))
    sources = [{s for s, _ in pairs} for pairs in splits.values()]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert max(len(s) for pairs in (splits["train"], splits["validation"]) for s, _ in pairs) <= TRAIN_MAX_CHARS
    longest_train = max(len(s) for s, _ in splits["train"])
    assert sum(len(s) > longest_train for s, _ in splits["test"]) > 20, "test lists must be longer than training"


def test_length_limits_keep_the_counts():
    """max_chars / min_chars redraw a list, never change how many dates it holds."""
    capped = generate_pairs(200, n_dates=(1, 3), seed=5, max_chars=40)
    assert max(len(s) for s, _ in capped) <= 40
    assert {t.count(" ") + 1 for _, t in capped} == {1, 2, 3}
    long = generate_pairs(50, n_dates=(3, 3), seed=5, min_chars=70)
    assert min(len(s) for s, _ in long) >= 70
    assert {t.count(" ") + 1 for _, t in long} == {3}


def test_vocab_round_trip_and_specials():
    vocab = CharVocab(["2031-02-26 1998-05-09"])
    ids = vocab.encode("1998-05-09")
    assert min(ids) > CharVocab.EOS
    assert vocab.decode([CharVocab.BOS, *ids, CharVocab.EOS, ids[0]]) == "1998-05-09"
    with pytest.raises(KeyError, match="'x'"):
        vocab.encode("x")


def test_outside_the_range_is_an_error():
    with pytest.raises(ValueError, match="ambiguous"):
        format_date(dt.date(2050, 1, 1), FORMATS[0])


def test_readme_documents_the_generator():
    text = (REPO_ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "<!-- section: dates -->" in text and "lstm_course/data/dates.py" in text
    # the figures the README states are the generator's own
    section = text.split("<!-- section: dates -->")[1].split("<!-- end: dates -->")[0]
    cap = f"`TRAIN_MAX_CHARS` ({TRAIN_MAX_CHARS})"
    assert f"lists of {TRAIN_DATES[0]}-{TRAIN_DATES[1]} dates of at most {cap}" in section
    assert f"each k in {TEST_DATES[0]}..{TEST_DATES[1]}" in section
