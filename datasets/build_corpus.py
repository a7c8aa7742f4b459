"""Build ``datasets/text/pride_and_prejudice.txt.gz`` from Debian's ``r-cran-janeaustenr`` (notebook 09).

The Debian package ships Julia Silge's R package ``janeaustenr`` 1.0.0, whose data are Jane Austen's six
novels as Project Gutenberg gives them, one line of the book per string. They sit in R's lazy-load database
``usr/lib/R/site-library/janeaustenr/data/Rdata.{rdx,rdb}``: the ``.rdx`` index (gzip) maps each object to an
(offset, length) in the ``.rdb``, where each object is a 4-byte length followed by a zlib stream of R's
serialisation, which PyPI's ``rdata`` parses.

What this script does:

1. unpacks the ``.deb`` with ``dpkg-deb -x`` (checking the sha256 of both database files);
2. reads the character vector ``prideprejudice`` (13,030 lines);
3. strips trailing spaces from every line and joins the lines with ``\\n`` (plus one final ``\\n``);
4. writes it as a reproducible gzip (no file name, mtime 0) and prints the characters, the lines at which the
   chapters nearest 80% and 90% of the text start (the loader's fixed split) and the sha256.

Usage, from the repository root::

    apt-get download r-cran-janeaustenr=1.0.0-1        # into the current folder
    pip install rdata==1.1.0
    python datasets/build_corpus.py r-cran-janeaustenr_1.0.0-1_all.deb

Without an argument the script runs that ``apt-get download`` itself in a temporary folder.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import subprocess
import tempfile
import warnings
import zlib
from pathlib import Path

PACKAGE = "r-cran-janeaustenr"
VERSION = "1.0.0-1"
DATA = "usr/lib/R/site-library/janeaustenr/data/"
#: file in the package -> sha256 in r-cran-janeaustenr 1.0.0-1.
MEMBERS = {
    "Rdata.rdx": "cab8cbe4ce965d3b42b35c03383bafccc0eb78151f70e4748ead45270470c22f",
    "Rdata.rdb": "8fb5198960d0da724b1562f96e4221e5c1b41ff455000280b02c55980c3d8f21",
}
BOOK = "prideprejudice"
OUT = Path(__file__).resolve().parent / "text" / "pride_and_prejudice.txt.gz"


def fetch_deb(folder: Path) -> Path:
    """``apt-get download r-cran-janeaustenr=1.0.0-1`` into ``folder``; the package's path."""
    subprocess.run(["apt-get", "download", f"{PACKAGE}={VERSION}"], check=True, cwd=folder)
    return next(folder.glob(f"{PACKAGE}_*.deb"))


def read_book(deb: Path, name: str = BOOK) -> list[str]:
    """The lines of one novel from the package's R data (sha256 of the database files checked)."""
    import rdata

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        raw = {}
        for member, expected in MEMBERS.items():
            raw[member] = (Path(tmp) / DATA / member).read_bytes()
            digest = hashlib.sha256(raw[member]).hexdigest()
            if digest != expected:
                raise SystemExit(f"{member} has sha256 {digest}, expected {expected}: not {PACKAGE} {VERSION}?")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdata: "Unknown file type: assumed RDS" (the streams have no header)
        index = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress(raw["Rdata.rdx"])))
        offset, length = (int(v) for v in index["variables"][name])
        blob = raw["Rdata.rdb"][offset : offset + length]
        lines = rdata.conversion.convert(rdata.parser.parse_data(zlib.decompress(blob[4:])))
    return [str(line) for line in lines]


def book_text(lines: list[str]) -> str:
    """The lines, trailing spaces stripped, joined with newlines, ending in one newline."""
    return "\n".join(line.rstrip() for line in lines) + "\n"


def chapter_starts(text: str) -> dict[int, int]:
    """Chapter number -> character offset of its ``Chapter N`` heading line."""
    return {int(m.group(1)): m.start() for m in re.finditer(r"^Chapter (\d+)$", text, re.M)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deb", nargs="?", type=Path, help=f"{PACKAGE} {VERSION} .deb (default: download)")
    parser.add_argument("--out", type=Path, default=OUT, help="output file (default: %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        deb = args.deb or fetch_deb(Path(tmp))
        text = book_text(read_book(deb))
    raw = text.encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(args.out, "wb") as f,
        gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(raw)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(raw)} bytes uncompressed)")
    print(f"{len(text)} characters, {text.count(chr(10))} lines, {len(set(text))} distinct characters")
    starts = chapter_starts(text)
    for fraction in (0.8, 0.9):
        chapter = min(starts, key=lambda c: abs(starts[c] - fraction * len(text)))
        print(f"chapter nearest {fraction:.0%} of the text: {chapter} (character {starts[chapter]})")
    print(f"sha256 {args.out.name}: {hashlib.sha256(args.out.read_bytes()).hexdigest()}")
    print(f"sha256 uncompressed: {hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    main()
