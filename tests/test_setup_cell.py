"""The setup cell: a no-op off Colab; on Colab it clones the repository and installs only what is missing."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from autograder import setup_cell
from lstm_course import colab

URL = setup_cell.repository_url()


def run_cell(monkeypatch: pytest.MonkeyPatch, on_colab: bool, returncode: int = 0) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(cmd, **kw):
        calls.append(list(cmd))
        return subprocess.CompletedProcess(cmd, returncode, "", "fatal: unable to access: Could not resolve host")

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(setup_cell.render_setup_cell(), "<setup cell>", "exec"), {})
    return calls


def test_setup_cell_does_nothing_off_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    path_before = list(sys.path)
    assert run_cell(monkeypatch, on_colab=False) == []
    assert sys.path == path_before


def test_setup_cell_on_colab_clones_the_repository_and_installs_nothing_present(monkeypatch) -> None:
    calls = run_cell(monkeypatch, on_colab=True)
    assert calls[0][:2] == ["git", "clone"] and URL in calls[0] and setup_cell.COLAB_CHECKOUT in calls[0]
    assert all("pip" not in call for call in calls[1:]), "everything is installed here, so nothing to pip install"


def test_setup_cell_on_colab_says_what_to_check_when_the_clone_fails(monkeypatch) -> None:
    with pytest.raises(RuntimeError) as failed:
        run_cell(monkeypatch, on_colab=True, returncode=128)
    message = str(failed.value)
    assert URL in message and "Could not resolve host" in message, "name the repository and git's own reason"
    assert "internet access" in message and "run this cell again" in message


def test_setup_cell_on_colab_never_installs_tensorflow_or_torch(monkeypatch) -> None:
    monkeypatch.setattr(colab.importlib.util, "find_spec", lambda name: None)  # a bare runtime
    calls = run_cell(monkeypatch, on_colab=True)
    pip = [c for c in calls if "pip" in c]
    assert len(pip) == 1
    installed = " ".join(pip[0])
    for name in ("tensorflow", "torch"):
        assert name not in installed
    assert "numpy" in installed


def test_repository_url_lives_in_one_place() -> None:
    root = Path(__file__).resolve().parent.parent
    hits = [
        p.relative_to(root)
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".toml", ".md", ".yml", ".txt", ".cfg"}
        and ".git" not in p.parts
        and URL in p.read_text(errors="ignore")
    ]
    # pyproject.toml is the one place; README.md shows it to people (its links are checked below).
    assert {str(h) for h in hits} <= {"pyproject.toml", "README.md"}, f"the repository URL is written in {hits}"
    readme = (root / "README.md").read_text()
    repo_path = URL.removeprefix("https://github.com/")
    # Links to the course itself: Binder and Colab badges and the clone command (other GitHub links are citations).
    for link in re.findall(
        r"(?:git clone https://github\.com|https://mybinder\.org/v2/gh|https://colab\.research\.google\.com/github)"
        r"/([^/\s)]+/[^/\s)?]+)",
        readme,
    ):
        assert link == repo_path, f"README links to {link}, pyproject.toml says {repo_path}"


def test_readme_has_binder_and_colab_badges_for_every_notebook() -> None:
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    assert setup_cell.binder_url() in readme
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        assert setup_cell.colab_url(nb.name) in readme, f"README lacks the Colab badge of {nb.name}"
