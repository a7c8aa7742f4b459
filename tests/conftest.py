"""Shared fixtures: grading environment for notebook kernels."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

# Kernels started by the tests inherit this environment. One thread per kernel: the suite may run in
# parallel workers (pytest -n 2), and two torch processes at full thread count on 2 cores crawl.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    """Temporarily set environment variables (seen by kernels started inside the block)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def fast_mode() -> Iterator[None]:
    """Notebooks run in fast mode (less data, fewer epochs) inside this fixture."""
    with environ(LSTM_COURSE_FAST="1"):
        yield
