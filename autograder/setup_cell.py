"""The standard first code cell of every notebook, rendered from the one place the repository URL lives.

The repository URL is ``[project.urls] Repository`` in ``pyproject.toml``. Forks change it there and run
``python -m autograder release``, which rewrites the setup cell of every source and student notebook.
"""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: no tomllib in the standard library
    tomllib = None

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Where Colab clones the repository.
COLAB_CHECKOUT = "/content/lstm-course"

TEMPLATE = """\
# Course setup: on Google Colab this fetches the course's helper package and data and installs only what
# Colab lacks (never TensorFlow or PyTorch); everywhere else it does nothing. Run it first.
import sys

if "google.colab" in sys.modules:
    import subprocess
    from pathlib import Path

    REPOSITORY = "{url}"
    checkout = Path("{checkout}")
    if not checkout.exists():
        clone = ["git", "clone", "--depth", "1", REPOSITORY, str(checkout)]
        done = subprocess.run(clone, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"Could not download the course from {{REPOSITORY}} (git says: {{done.stderr.strip()}}). "
                "Check that this runtime is connected and has internet access (Colab: Runtime > Disconnect "
                "and delete runtime, then reconnect), and that the repository address above opens in your "
                "browser; then run this cell again."
            )
    sys.path.insert(0, str(checkout))
    from lstm_course.colab import install_missing

    install_missing()"""


def repository_url(pyproject: Path = REPO_ROOT / "pyproject.toml") -> str:
    """Return the course repository's URL from ``pyproject.toml`` (``[project.urls] Repository``)."""
    if tomllib is not None:
        with open(pyproject, "rb") as f:
            return tomllib.load(f)["project"]["urls"]["Repository"]
    return _repository_url_without_tomllib(Path(pyproject).read_text(encoding="utf-8"))


def _repository_url_without_tomllib(text: str) -> str:
    """``Repository = "..."`` of the ``[project.urls]`` table, read without a TOML parser (Python 3.10)."""
    table = re.search(r"^\[project\.urls\][^\n]*\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    match = table and re.search(r"^\s*Repository\s*=\s*[\"']([^\"']+)[\"']", table.group(1), flags=re.M)
    if not match:
        raise ValueError('pyproject.toml has no [project.urls] Repository = "..."')
    return match.group(1)


def branch() -> str:
    """The branch the Binder and Colab links point at."""
    return "main"


def render_setup_cell(url: str | None = None) -> str:
    """Return the source of the setup cell for repository ``url`` (default: :func:`repository_url`)."""
    return TEMPLATE.format(url=url or repository_url(), checkout=COLAB_CHECKOUT)


def colab_url(notebook: str, url: str | None = None) -> str:
    """Open-in-Colab link of ``notebooks/<notebook>`` on GitHub."""
    path = (url or repository_url()).removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{branch()}/notebooks/{notebook}"


def binder_url(url: str | None = None) -> str:
    """Binder link that opens JupyterLab on the notebooks folder."""
    path = (url or repository_url()).removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{path}/{branch()}?urlpath=lab/tree/notebooks"
