"""The shipped news topics (datasets/text/) and their loader match datasets/README.md."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from lstm_course.data.text import CLASSES, SPLITS, load_text_split, load_text_splits
from lstm_course.paths import REPO_ROOT, dataset_path

README = REPO_ROOT / "datasets" / "README.md"


def text_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section: text -->(.*)<!-- end: text -->", text, re.S)
    assert match, "datasets/README.md has no text section"
    return match.group(1)


@pytest.fixture(scope="module")
def splits():
    return load_text_splits()


def test_file_present_and_sha256_matches_readme():
    path = dataset_path("text", "reuters_r8.csv.gz")
    assert path.stat().st_size < 5_000_000, "the text dataset should stay a few MB at most"
    match = re.search(r"`text/reuters_r8\.csv\.gz` \| `([0-9a-f]{64})`", text_section())
    assert match, "no sha256 for text/reuters_r8.csv.gz in datasets/README.md"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == match.group(1)


def test_rows_per_split_and_class_match_readme(splits):
    table = {
        m.group(1): tuple(int(m.group(i)) for i in (2, 3, 4))
        for m in re.finditer(r"^\| ([\w-]+) \| (\d+) \| (\d+) \| (\d+) \|$", text_section(), re.M)
    }
    assert set(table) == {*CLASSES, "total"}
    for k, name in enumerate(CLASSES):
        counts = tuple(int(np.sum(splits[s].labels == k)) for s in SPLITS)
        assert counts == table[name], f"{name}: rows per split {counts}, README says {table[name]}"
    assert tuple(len(splits[s]) for s in SPLITS) == table["total"]


def test_no_text_in_two_splits_and_no_duplicates(splits):
    seen: dict[str, str] = {}
    for split in SPLITS:
        for text in splits[split].texts:
            assert text not in seen, f"a {split} text is also in {seen[text]}: {text[:60]!r}"
            seen[text] = split


def test_texts_clean_and_every_class_in_every_split(splits):
    for split in SPLITS:
        s = splits[split]
        assert s.labels.dtype == np.int64 and s.labels.shape == (len(s.texts),)
        assert set(np.unique(s.labels)) == set(range(len(CLASSES))), f"{split} lacks a class"
        assert all(re.fullmatch(r"[a-z]+( [a-z]+)*", t) for t in s.texts), f"{split}: unexpected characters"
    # earn and acq dominate: the majority-class baseline of notebook 06 sits near 50% accuracy.
    assert 0.45 < np.mean(splits["test"].labels == 0) < 0.55


def test_subset_and_unknown_split():
    train = load_text_split("train")
    small = train.subset(100, seed=1)
    assert len(small) == 100 and set(small.texts) <= set(train.texts)
    assert small.texts == train.subset(100, seed=1).texts
    with pytest.raises(ValueError, match="unknown split"):
        load_text_split("dev")
