"""The shipped tagged Brown Corpus (datasets/tagging/), its loader and its build script's tag mapping match
datasets/README.md."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys

import numpy as np
import pytest

from lstm_course.data.tagging import (
    GLOVE_DIM,
    SPLITS,
    TAGS,
    load_glove,
    load_tagging_split,
    load_tagging_splits,
)
from lstm_course.paths import REPO_ROOT, dataset_path

README = REPO_ROOT / "datasets" / "README.md"


def tagging_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section: tagging -->(.*)<!-- end: tagging -->", text, re.S)
    assert match, "datasets/README.md has no tagging section"
    return match.group(1)


@pytest.fixture(scope="module")
def splits():
    return load_tagging_splits()


def build_script():
    sys.path.insert(0, str(REPO_ROOT / "datasets"))
    try:
        spec = importlib.util.spec_from_file_location("build_tagging", REPO_ROOT / "datasets" / "build_tagging.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def test_file_present_small_and_sha256_matches_readme():
    path = dataset_path("tagging", "brown_universal.csv.gz")
    assert path.stat().st_size < 5_000_000, "the tagging dataset should stay a few MB at most"
    match = re.search(r"`tagging/brown_universal\.csv\.gz` \| `([0-9a-f]{64})`", tagging_section())
    assert match, "no sha256 for tagging/brown_universal.csv.gz in datasets/README.md"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == match.group(1)


def test_counts_per_split_match_readme(splits):
    table = {
        m.group(1): tuple(int(m.group(i)) for i in (2, 3, 4))
        for m in re.finditer(r"^\| (\w+) \| (\d+) \| (\d+) \| (\d+) \|$", tagging_section(), re.M)
    }
    assert set(table) == set(SPLITS)
    for name in SPLITS:
        s = splits[name]
        counts = (len(set(s.documents)), len(s), s.num_tokens)
        assert counts == table[name], f"{name}: documents, sentences, tokens {counts}, README says {table[name]}"


def test_split_is_by_document_and_covers_every_genre_and_tag(splits):
    docs = {name: set(s.documents) for name, s in splits.items()}
    assert not docs["train"] & docs["validation"] and not docs["train"] & docs["test"]
    assert not docs["validation"] & docs["test"]
    assert len(docs["train"] | docs["validation"] | docs["test"]) == 500
    genres = set(splits["train"].genres)
    assert len(genres) == 15
    for name, s in splits.items():
        assert set(s.genres) == genres, f"{name} lacks a genre"
        assert {t for sentence in s.tags for t in sentence} == set(TAGS), f"{name} lacks a tag"
        assert all(len(w) == len(t) > 0 for w, t in zip(s.words, s.tags, strict=True))


def test_first_sentence_and_tag_mapping():
    train = load_tagging_split("train")
    test = load_tagging_split("test")
    # ca01 is the first news file (position 0 -> test), ca02 the second (train), ca06 the sixth (validation).
    assert "ca02" in train.documents and "ca01" in test.documents
    assert "ca06" in load_tagging_split("validation").documents
    i = test.documents.index("ca01")
    assert test.words[i][:4] == ["The", "Fulton", "County", "Grand"]
    assert test.tags[i][:4] == ["DET", "NOUN", "NOUN", "ADJ"]  # The/at Fulton/np-tl County/nn-tl Grand/jj-tl
    universal = build_script().universal_tag
    cases = {
        "nn-tl": "NOUN",
        "np$": "NOUN",
        "pps+bez": "PRON",
        "bez*": "VERB",
        "*": "ADV",
        "fw-nn": "X",
        "in-tl-hl": "ADP",
        "to": "PRT",
        "od": "ADJ",
        "cs": "ADP",
        "ql": "ADV",
        "pp$$": "PRON",
        "cd": "NUM",
        "``": ".",
        "at": "DET",
        "md*": "VERB",
        "ppss+ber-n": "PRON",
    }
    for brown, expected in cases.items():
        assert universal(brown) == expected, f"{brown} -> {universal(brown)}, expected {expected}"
    with pytest.raises(KeyError):
        universal("zz")


def test_subset_and_unknown_split():
    train = load_tagging_split("train")
    small = train.subset(50, seed=1)
    assert len(small) == 50 and small.words == train.subset(50, seed=1).words
    assert all(w in train.words for w in small.words[:5])
    with pytest.raises(ValueError, match="unknown split"):
        load_tagging_split("dev")


def test_glove_file_matches_readme_and_the_brown_words():
    path = dataset_path("tagging", "glove_6b_50d_brown.npz")
    section = tagging_section()
    match = re.search(r"`tagging/glove_6b_50d_brown\.npz` \| `([0-9a-f]{64})`", section)
    assert match, "no sha256 for tagging/glove_6b_50d_brown.npz in datasets/README.md"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == match.group(1)
    size = re.search(r"`tagging/glove_6b_50d_brown\.npz`, ([\d,]+) bytes, arrays `words` \(([\d,]+) ", section)
    assert size, "datasets/README.md does not give the GloVe file's size and row count"
    assert int(size.group(1).replace(",", "")) == path.stat().st_size, "README size of the GloVe file is out of date"
    words, vectors = load_glove()
    assert len(words) == int(size.group(2).replace(",", "")) and vectors.shape == (len(words), GLOVE_DIM)
    assert vectors.dtype == np.float32 and not vectors.flags.writeable and np.isfinite(vectors).all()
    assert len(set(words)) == len(words) and all(w == w.lower() for w in words)
    brown = {w.lower() for s in load_tagging_splits().values() for sentence in s.words for w in sentence}
    assert set(words) <= brown, "the GloVe file holds rows of words that are not in the Brown Corpus"
    assert words[:3] == ("the", ",", ".")  # GloVe's own order: most frequent first
    the = vectors[0]
    assert np.allclose(the[:3], [0.418, 0.24968, -0.41242], atol=2e-3)  # glove.6B.50d.txt's first row
