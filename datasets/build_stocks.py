"""Build ``datasets/stocks/stocks.csv.gz`` from the ``bokeh_sampledata`` wheel (notebook 08).

The wheel ships ``bokeh_sampledata/_data/stocks.csv.gz``: daily prices from the Quandl WIKI database
(public domain), columns ``Ticker,Date,Open,High,Low,Close,Volume,Adj Close``. Open/high/low/close/volume
are unadjusted; ``Adj Close`` is adjusted for splits and dividends. This script keeps the rows of the
tickers the course uses, verbatim (no value is re-formatted), sorted by ticker then date, renames the
columns to ``ticker,date,open,high,low,close,volume,adj_close`` and writes a reproducible gzip
(no file name, mtime 0). It uses the standard library only.

Usage, from the repository root::

    pip download --no-deps bokeh_sampledata==2026.1 -d /tmp/wheels
    python datasets/build_stocks.py /tmp/wheels/bokeh_sampledata-2026.1-py3-none-any.whl

Without an argument the script runs that ``pip download`` itself into a temporary folder. It prints the
row counts, date ranges and sha256 to compare with ``datasets/README.md``.
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

from buildtools import fetch_wheel, write_csv_gz

VERSION = "2026.1"
MEMBER = "bokeh_sampledata/_data/stocks.csv.gz"
#: sha256 of MEMBER as recorded by bokeh_sampledata 2026.1 (its licenses/datasets.json).
MEMBER_SHA256 = "5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd"
#: FB (196 rows, 2012-2013) is too short for the course and left out.
TICKERS = ("AAPL", "GOOG", "IBM", "MSFT")
SOURCE_HEADER = ["Ticker", "Date", "Open", "High", "Low", "Close", "Volume", "Adj Close"]
HEADER = ["ticker", "date", "open", "high", "low", "close", "volume", "adj_close"]
OUT = Path(__file__).resolve().parent / "stocks" / "stocks.csv.gz"


def extract_rows(wheel: Path) -> list[list[str]]:
    """Return the kept rows (as strings, verbatim) of the stocks file inside ``wheel``."""
    with zipfile.ZipFile(wheel) as zf:
        packed = zf.read(MEMBER)
    digest = hashlib.sha256(packed).hexdigest()
    if digest != MEMBER_SHA256:
        raise SystemExit(f"{MEMBER} has sha256 {digest}, expected {MEMBER_SHA256}: not bokeh_sampledata {VERSION}?")
    reader = csv.reader(io.StringIO(gzip.decompress(packed).decode("utf-8")))
    header = next(reader)
    if header != SOURCE_HEADER:
        raise SystemExit(f"unexpected header {header}")
    rows = [row for row in reader if row[0] in TICKERS]
    rows.sort(key=lambda row: (row[0], row[1]))  # ISO dates sort as strings
    for row in rows:
        if len(row) != len(HEADER) or any(not field for field in row):
            raise SystemExit(f"malformed row {row}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", nargs="?", type=Path, help=f"bokeh_sampledata-{VERSION} wheel (default: download)")
    parser.add_argument("--out", type=Path, default=OUT, help="output file (default: %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(f"bokeh_sampledata=={VERSION}", Path(tmp))
        rows = extract_rows(wheel)
    raw = write_csv_gz(HEADER, rows, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(raw)} bytes uncompressed)")
    for ticker in TICKERS:
        dates = [row[1] for row in rows if row[0] == ticker]
        print(f"  {ticker}: {len(dates)} rows, {dates[0]} .. {dates[-1]}")
    print(f"sha256 {args.out.name}: {hashlib.sha256(args.out.read_bytes()).hexdigest()}")
    print(f"sha256 uncompressed: {hashlib.sha256(raw).hexdigest()}")


if __name__ == "__main__":
    main()
