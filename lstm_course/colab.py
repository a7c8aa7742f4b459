"""What the notebooks' setup cell does on Google Colab, after cloning the repository.

Colab preinstalls NumPy, Matplotlib, TensorFlow/Keras, PyTorch, scikit-learn, pandas, librosa and tqdm.
:func:`install_missing` pip-installs only the course requirements that are not importable, and never
TensorFlow or PyTorch: reinstalling those would replace Colab's builds (and pull GPU wheels).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

#: import name -> pip requirement, for what the notebooks import.
REQUIREMENTS: dict[str, str] = {
    "numpy": "numpy>=1.26",
    "matplotlib": "matplotlib>=3.8",
    "tqdm": "tqdm>=4.66",
    "pandas": "pandas>=2.1",
    "sklearn": "scikit-learn>=1.4",
    "librosa": "librosa>=0.10",
    "keras": "keras>=3.0",
}
#: Never installed by the setup cell: the student keeps the runtime's own build.
NEVER_INSTALL: frozenset[str] = frozenset({"tensorflow", "torch"})


def missing_requirements() -> list[str]:
    """Return the pip requirements whose module cannot be imported here."""
    return [req for module, req in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]


def install_missing(dry_run: bool = False) -> list[str]:
    """Pip-install what is missing (quietly) and return the requirements installed.

    Args:
        dry_run: only report what would be installed.
    """
    missing = missing_requirements()
    if missing and not dry_run:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    for module in sorted(NEVER_INSTALL):
        if importlib.util.find_spec(module) is None:
            print(f"Note: {module} is not installed in this runtime; the notebooks that use it will not run.")
    return missing
