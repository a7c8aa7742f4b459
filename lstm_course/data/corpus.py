"""Jane Austen's *Pride and Prejudice* for character language models (notebook 09).

``datasets/text/pride_and_prejudice.txt.gz`` is the Project Gutenberg text of the novel (public domain) as
Debian's ``r-cran-janeaustenr`` ships it, built by ``datasets/build_corpus.py``; provenance and sha256 are in
``datasets/README.md``. Lines end in ``\\n`` (at most 74 characters each, as Gutenberg wrapped them), so a
model can learn line breaks, quotation marks and words.

The split is fixed and contiguous, at chapter headings, never by random characters: ``train`` is the title and
chapters 1-50, ``validation`` chapters 51-55, ``test`` chapters 56-61 (the end of the book).

Example::

    from lstm_course.data.corpus import load_corpus

    corpus = load_corpus()
    corpus.train[:60], len(corpus.test), corpus.vocabulary[:10]
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lstm_course.paths import dataset_path

__all__ = ["FIRST_CHAPTER", "SPLITS", "Corpus", "load_corpus"]

FILE: tuple[str, str] = ("text", "pride_and_prejudice.txt.gz")
#: The fixed splits, in the book's order.
SPLITS: tuple[str, ...] = ("train", "validation", "test")
#: Split -> the chapter whose heading starts it (train starts at the beginning of the file).
FIRST_CHAPTER: dict[str, int] = {"validation": 51, "test": 56}


@dataclass(frozen=True)
class Corpus:
    """One text cut into three contiguous blocks, and its characters.

    Attributes:
        train, validation, test: the blocks, in this order in the book; concatenated they are the whole text.
        vocabulary: every distinct character of the whole text, sorted (a character's id is its index).
    """

    train: str
    validation: str
    test: str
    vocabulary: str

    def split(self, name: str) -> str:
        """The block called ``name`` (one of :data:`SPLITS`)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; choose one of {', '.join(SPLITS)}")
        return getattr(self, name)

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int64 character ids; raises ``ValueError`` for a character outside the vocabulary."""
        index = {c: i for i, c in enumerate(self.vocabulary)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters {unknown} are not in the vocabulary")
        return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        """The text of a sequence of character ids."""
        return "".join(self.vocabulary[int(i)] for i in np.asarray(ids).ravel())


@lru_cache(maxsize=1)
def _read_text() -> str:
    with gzip.open(dataset_path(*FILE), "rt", encoding="utf-8", newline="") as f:
        return f.read()


def load_corpus() -> Corpus:
    """*Pride and Prejudice* split into train (chapters 1-50), validation (51-55) and test (56-61).

    Raises:
        ValueError: if the shipped file lacks a chapter heading the split needs.
    """
    text = _read_text()
    cuts = []
    for split in ("validation", "test"):
        match = re.search(rf"^Chapter {FIRST_CHAPTER[split]}$", text, re.M)
        if match is None:
            raise ValueError(f"{FILE[1]} has no heading 'Chapter {FIRST_CHAPTER[split]}'")
        cuts.append(match.start())
    return Corpus(text[: cuts[0]], text[cuts[0] : cuts[1]], text[cuts[1] :], "".join(sorted(set(text))))
