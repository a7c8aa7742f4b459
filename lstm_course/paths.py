"""Where the repository, its shipped datasets and its notebooks live."""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository checkout (the folder holding ``datasets/`` and ``notebooks/``).
REPO_ROOT: Path = Path(__file__).resolve().parent.parent


def datasets_dir() -> Path:
    """Return the folder with the course's shipped data files.

    ``LSTM_COURSE_DATA`` overrides the default ``<repo>/datasets`` (useful when the package is installed
    without the repository, e.g. from a wheel).
    """
    override = os.environ.get("LSTM_COURSE_DATA")
    return Path(override) if override else REPO_ROOT / "datasets"


def dataset_path(*parts: str) -> Path:
    """Return the path of one shipped data file, with a clear error if it is missing.

    Args:
        *parts: path components below ``datasets/``, e.g. ``("stocks", "stocks.csv.gz")``.

    Raises:
        FileNotFoundError: naming the missing file and how to get it back.
    """
    path = datasets_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"Course data file {path} is missing. The repository ships it in datasets/; "
            "re-clone the repository (or run the build script named in datasets/README.md)."
        )
    return path
