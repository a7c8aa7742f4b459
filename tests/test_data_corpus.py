"""The shipped novel (datasets/text/pride_and_prejudice.txt.gz) and its loader match datasets/README.md."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from lstm_course.data.corpus import SPLITS, load_corpus
from lstm_course.paths import REPO_ROOT, dataset_path

README = REPO_ROOT / "datasets" / "README.md"


def corpus_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section: corpus -->(.*)<!-- end: corpus -->", text, re.S)
    assert match, "datasets/README.md has no corpus section"
    return match.group(1)


def test_file_present_small_and_sha256_matches_readme():
    path = dataset_path("text", "pride_and_prejudice.txt.gz")
    assert path.stat().st_size < 500_000, "the novel should stay a few hundred KB"
    match = re.search(r"`text/pride_and_prejudice\.txt\.gz` \| `([0-9a-f]{64})`", corpus_section())
    assert match, "no sha256 for text/pride_and_prejudice.txt.gz in datasets/README.md"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == match.group(1)


def test_split_sizes_match_readme_and_blocks_are_contiguous():
    corpus = load_corpus()
    table = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| (\w+) \| [^|]+ \| (\d+) \| (\d+) \|$", corpus_section(), re.M)
    }
    assert set(table) == set(SPLITS)
    for split in SPLITS:
        block = corpus.split(split)
        assert (len(block), block.count("\n")) == table[split], f"{split}: README says {table[split]}"
    whole = dataset_path("text", "pride_and_prejudice.txt.gz")
    import gzip

    text = gzip.decompress(whole.read_bytes()).decode("utf-8")
    assert corpus.train + corpus.validation + corpus.test == text, "the blocks must be the whole text, in order"
    assert corpus.validation.startswith("Chapter 51\n") and corpus.test.startswith("Chapter 56\n")
    assert corpus.test.rstrip().endswith("had been the means of uniting them.")


def test_text_is_clean_and_vocabulary_is_small():
    corpus = load_corpus()
    text = corpus.train + corpus.validation + corpus.test
    assert text.isascii() and "\r" not in text and "\t" not in text
    assert max(len(line) for line in text.splitlines()) <= 74
    assert all(line == line.rstrip() for line in text.splitlines())
    assert corpus.vocabulary == "".join(sorted(set(text))) and len(corpus.vocabulary) == 75
    # every split uses letters, line breaks and quotation marks (the notebook's unit visualisation needs them)
    for split in SPLITS:
        assert {'"', "\n", " ", "e"} <= set(corpus.split(split))


def test_encode_decode_round_trip_and_errors():
    corpus = load_corpus()
    ids = corpus.encode(corpus.validation[:500])
    assert ids.dtype == np.int64 and ids.shape == (500,)
    assert corpus.decode(ids) == corpus.validation[:500]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        corpus.encode("caf\u00e9")
    with pytest.raises(ValueError, match="unknown split"):
        corpus.split("dev")
