"""Print each solution notebook's run time and peak memory, executed top to bottom as a student would.

    python benchmarks/notebooks.py                 # every assignment
    python benchmarks/notebooks.py 01_activations  # some
    python benchmarks/notebooks.py --fast          # with LSTM_COURSE_FAST=1, as the catalogue tests run
    python benchmarks/notebooks.py 07_speech_pytorch --executed /tmp/runs   # also keep the executed notebook

Each notebook runs in a fresh Jupyter kernel (nbclient) started by a fresh Python process; the peak memory is
the kernel's maximum resident set size. The budget is 3 minutes and 2 GiB per notebook on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import assignments, resolve_assignments, source_notebook  # noqa: E402

RUNNER = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
error = ""
try:
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}},
                   shutdown_kernel="immediate").execute()
except Exception as exc:
    error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
seconds = time.perf_counter() - start
if len(sys.argv) > 3:
    nbformat.write(nb, sys.argv[3])
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "error": error}))
"""


def run(assignment: str, fast: bool, executed: Path | None = None) -> dict:
    """Execute one solution notebook (written with its outputs into the folder ``executed`` if given); returns
    seconds, peak MiB of the kernel and any error."""
    path = source_notebook(assignment)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    if fast:
        env["LSTM_COURSE_FAST"] = "1"
    else:
        env.pop("LSTM_COURSE_FAST", None)
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), str(path.parent)]
        + ([] if executed is None else [str(executed / path.name)]),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"seconds": float("nan"), "peak_mib": float("nan"), "error": out.stderr.strip()[-300:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    parser.add_argument("--fast", action="store_true", help="set LSTM_COURSE_FAST=1 (the catalogue tests' mode)")
    parser.add_argument("--executed", type=Path, default=None, help="folder to write the executed notebooks to")
    args = parser.parse_args()
    if args.executed is not None:
        args.executed.mkdir(parents=True, exist_ok=True)
    names = resolve_assignments(args.assignments or assignments())
    print(
        f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
        f"mode={'fast' if args.fast else 'full'}"
    )
    print(f"{'notebook':<26} {'seconds':>8} {'peak MiB':>9}  within budget (180 s, 2048 MiB)")
    total = time.perf_counter()
    for name in names:
        r = run(name, args.fast, args.executed)
        ok = r["seconds"] < 180 and r["peak_mib"] < 2048 and not r["error"]
        print(f"{name:<26} {r['seconds']:8.1f} {r['peak_mib']:9.0f}  {'yes' if ok else 'NO'} {r['error']}", flush=True)
    print(f"total {time.perf_counter() - total:.1f} s")


if __name__ == "__main__":
    main()
