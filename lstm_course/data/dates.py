"""Lists of dates written the way people write them, and their ISO 8601 form (notebook 10).

A seeded generator, not a shipped file: every pair is computed from Python's calendar, so the answer is
exact and any number of pairs can be drawn. ``datasets/README.md`` (section *dates*) describes it.

Each source is a list of one or more dates in one of :data:`FORMATS` (day-first numeric forms only, so
that no date is ambiguous; two-digit years mean 1950-2049), joined by ``", "``, ``"; "`` or ``" and "``;
its target is the ISO dates joined by single spaces::

    from lstm_course.data.dates import generate_pairs

    generate_pairs(2, n_dates=(1, 3), seed=0)
    # [('sat 9 may 1998; 26.02.31', '1998-05-09 2031-02-26'), ...]

The splits of the notebook (:func:`make_splits`) draw training and validation lists of 1-3 dates of at most
:data:`TRAIN_MAX_CHARS` characters, and test lists of 1-3 dates, many of them longer,
from different seeds, with no source in two splits. The test lists hold no more dates than the training
lists (writing more dates than ever seen is a different question from reading a longer input): what grows
beyond training is the input, in characters.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

__all__ = [
    "FIRST_DAY",
    "FORMATS",
    "LAST_DAY",
    "SEPARATORS",
    "TEST_DATES",
    "TRAIN_DATES",
    "TRAIN_MAX_CHARS",
    "CharVocab",
    "format_date",
    "generate_pairs",
    "make_splits",
]

#: Dates are drawn uniformly from this range (two-digit years are read as 1950-2049).
FIRST_DAY = dt.date(1950, 1, 1)
LAST_DAY = dt.date(2049, 12, 31)
MONTHS = "january february march april may june july august september october november december".split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
#: Human formats (``str.format`` fields: d, dd, m, mm, month, mon, yyyy, yy, weekday, wd).
FORMATS: tuple[str, ...] = (
    "{d} {month} {yyyy}",
    "{dd} {mon} {yyyy}",
    "{month} {d}, {yyyy}",
    "{mon} {d} {yy}",
    "{dd}/{mm}/{yyyy}",
    "{d}.{m}.{yy}",
    "{dd}.{mm}.{yy}",
    "{yyyy}/{mm}/{dd}",
    "{wd} {d} {mon} {yyyy}",
    "{weekday}, {month} {d} {yyyy}",
    "{d}-{mon}-{yy}",
    "the {d} of {month} {yyyy}",
)
SEPARATORS: tuple[str, ...] = (", ", "; ", " and ")
#: Numbers of dates per list in the notebook's splits (inclusive ranges).
TRAIN_DATES: tuple[int, int] = (1, 3)
TEST_DATES: tuple[int, int] = (1, 3)
#: Longest source (characters) in the training and validation splits; test sources may be longer.
TRAIN_MAX_CHARS: int = 50


def format_date(day: dt.date, fmt: str) -> str:
    """``day`` written in the human format ``fmt`` (one of :data:`FORMATS`)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day} is outside {FIRST_DAY}..{LAST_DAY} (two-digit years would be ambiguous)")
    return fmt.format(
        d=day.day,
        dd=f"{day.day:02d}",
        m=day.month,
        mm=f"{day.month:02d}",
        month=MONTHS[day.month - 1],
        mon=MONTHS[day.month - 1][:3],
        yyyy=day.year,
        yy=f"{day.year % 100:02d}",
        weekday=WEEKDAYS[day.weekday()],
        wd=WEEKDAYS[day.weekday()][:3],
    )


def generate_pairs(
    n: int,
    n_dates: tuple[int, int] = TRAIN_DATES,
    seed: int = 0,
    max_chars: int | None = None,
    min_chars: int = 0,
) -> list[tuple[str, str]]:
    """``n`` random (source, target) pairs: a list of dates in human formats and its ISO form.

    Args:
        n: number of pairs.
        n_dates: (least, most) dates per list, inclusive; the count is drawn uniformly.
        seed: seed of the generator (the same seed gives the same pairs on every platform).
        max_chars, min_chars: a list whose source is longer than ``max_chars`` (if given) or shorter than
            ``min_chars`` is drawn again (same number of dates, new days, formats and separator), so the
            counts stay uniform and only the lengths are constrained.

    Returns:
        list of (source, target) strings, e.g. ``("5 march 1998 and 01/02/2003", "1998-03-05 2003-02-01")``.
    """
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    pairs = []
    for _ in range(n):
        count = rng.randint(*n_dates)
        while True:
            days = [FIRST_DAY + dt.timedelta(days=rng.randint(0, span)) for _ in range(count)]
            sep = rng.choice(SEPARATORS)
            source = sep.join(format_date(day, rng.choice(FORMATS)) for day in days)
            if min_chars <= len(source) and (max_chars is None or len(source) <= max_chars):
                break
        pairs.append((source, " ".join(day.isoformat() for day in days)))
    return pairs


def make_splits(
    n_train: int = 3000, n_validation: int = 300, n_test_per_count: int = 150, seed: int = 2026
) -> dict[str, list[tuple[str, str]]]:
    """The notebook's splits: train and validation lists of 1-3 dates and at most :data:`TRAIN_MAX_CHARS`
    characters, test lists of 1-3 dates of any length.

    The test split has ``n_test_per_count`` lists of each number of dates in :data:`TEST_DATES`, drawn
    without the length cap, and as many again of each of the two largest counts drawn longer than
    :data:`TRAIN_MAX_CHARS` (a list of one or two dates can hardly be), so that inputs longer than any in
    training are well represented. A source drawn twice is kept only in the first split it was drawn for
    (train, then validation, then test).

    Returns:
        {"train": [...], "validation": [...], "test": [...]} of (source, target) pairs.
    """
    seen: set[str] = set()

    def unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = [p for p in pairs if p[0] not in seen]
        seen.update(p[0] for p in kept)
        return kept

    train = unique(generate_pairs(n_train, TRAIN_DATES, seed, max_chars=TRAIN_MAX_CHARS))
    validation = unique(generate_pairs(n_validation, TRAIN_DATES, seed + 1, max_chars=TRAIN_MAX_CHARS))
    test = []
    for k in range(TEST_DATES[0], TEST_DATES[1] + 1):
        test += unique(generate_pairs(n_test_per_count, (k, k), seed + 10 + k))
    for k in range(TEST_DATES[1] - 1, TEST_DATES[1] + 1):
        test += unique(generate_pairs(n_test_per_count, (k, k), seed + 20 + k, min_chars=TRAIN_MAX_CHARS + 1))
    return {"train": train, "validation": validation, "test": test}


class CharVocab:
    """Characters <-> integer ids, with padding, start and end tokens.

    Attributes:
        PAD, BOS, EOS: ids 0, 1, 2 (``"<pad>"``, ``"<s>"``, ``"</s>"``).
        itos: id -> token; ``stoi``: token -> id.
    """

    PAD, BOS, EOS = 0, 1, 2
    SPECIALS = ("<pad>", "<s>", "</s>")

    def __init__(self, texts: Sequence[str]):
        self.itos = list(self.SPECIALS) + sorted({ch for text in texts for ch in text})
        self.stoi = {token: i for i, token in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """Ids of the characters of ``text`` (no start or end token).

        Raises:
            KeyError: for a character the vocabulary does not know.
        """
        try:
            return [self.stoi[ch] for ch in text]
        except KeyError as error:
            raise KeyError(f"character {error.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``, stopping at the first end token and skipping padding and start tokens."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.EOS:
                break
            if i not in (self.PAD, self.BOS):
                out.append(self.itos[i])
        return "".join(out)
