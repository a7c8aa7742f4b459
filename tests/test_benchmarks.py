"""The speed benchmark runs and its two LSTMs agree; its timings are printed, never asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_lstm_speed_benchmark_compares_equal_gradients() -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "lstm_speed.py"), "--repeats", "1", "--openblas-coretype", "auto"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = dict(re.findall(r"^(float32|float64)\s+\S+\s+\S+\s+\S+\s+(\S+)$", run.stdout, re.MULTILINE))
    assert set(rows) == {"float32", "float64"}, run.stdout
    assert float(rows["float32"]) < 1e-3, f"scratch and torch gradients differ in float32:\n{run.stdout}"
    assert float(rows["float64"]) < 1e-10, f"scratch and torch gradients differ in float64:\n{run.stdout}"
    assert "matrix kernels: NumPy" in run.stdout and "the 2x goal" in run.stdout, run.stdout


def test_speech_speakers_benchmark_lists_its_options() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speech_speakers.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    options = ("--folds", "--seeds", "--configs", "--epochs", "--exclude", "--takes")
    assert all(option in run.stdout for option in options), run.stdout
