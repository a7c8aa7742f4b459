"""Speed of the course's scratch NumPy LSTM against ``torch.nn.LSTM`` on CPU (forward + backward).

The scratch code is the SOLUTION of notebook 04: the cells ``lstm_forward_given``, ``lstm_step_backward``
and ``lstm_backward`` are read from ``solutions/04_lstm_backward/04_lstm_backward.ipynb`` with nbformat and
executed, so the benchmark always measures what the notebook teaches.

Usage::

    python benchmarks/lstm_speed.py                 # 1 thread for NumPy's BLAS and for torch
    python benchmarks/lstm_speed.py --threads 2 --repeats 50

Thread counts are fixed through the environment before NumPy and torch are imported and are printed.
Timings are medians over ``--repeats`` runs after one warm-up; on a shared machine treat them as upper
bounds.

Which matrix-multiply kernels each library runs is printed too, because it decides most of the time (the
scratch LSTM spends over half of it in NumPy's BLAS). torch brings MKL/oneDNN, which use AVX-512 where the CPU
has it; NumPy's wheels bring OpenBLAS, which picks its kernel from the CPU unless the environment variable
``OPENBLAS_CORETYPE`` forces one (the course's development machine sets ``OPENBLAS_CORETYPE=Haswell``, an
AVX2 kernel, although its CPU has AVX-512). When the environment forces an AVX2 kernel on a CPU with AVX-512, the
benchmark measures a second time in a fresh process without the override, so that both libraries use the
CPU's own instruction set, and prints both results. ``--openblas-coretype NAME`` forces a kernel and measures
once (``--openblas-coretype auto``: OpenBLAS' own choice).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from solution_cells import run_solution_cells

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO_ROOT / "solutions" / "04_lstm_backward" / "04_lstm_backward.ipynb"
CELLS = ("lstm_forward_given", "lstm_step_backward", "lstm_backward")
SHAPE = {"N": 64, "T": 50, "D": 32, "H": 128}
AVX2_KERNELS = {"haswell", "zen", "sandybridge"}  # OpenBLAS kernel families without AVX-512


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for NumPy's BLAS and torch (default 1)")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per measurement (default 30)")
    parser.add_argument(
        "--openblas-coretype",
        metavar="NAME",
        help="force OpenBLAS' kernel (OPENBLAS_CORETYPE, e.g. Haswell, SkylakeX; 'auto': its own choice), measure once",
    )
    return parser.parse_args()


def openblas_kernel() -> str | None:
    """The kernel family NumPy's OpenBLAS runs (e.g. 'Haswell', 'SkylakeX'), or None for another BLAS."""
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("internal_api") == "openblas":
            return info.get("architecture")
    return None


def cpu_has_avx512() -> bool:
    """True when the CPU advertises the AVX-512 subsets OpenBLAS' SkylakeX kernels use (Linux only)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return all(flag in flags for flag in ("avx512f", "avx512bw", "avx512dq", "avx512vl"))


def load_scratch_lstm(notebook: Path = NOTEBOOK) -> dict:
    """Execute the forward/backward cells of notebook 04's solution; return their namespace."""
    import numpy as np

    return run_solution_cells(notebook, CELLS, {"np": np})


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main() -> int:
    args = parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.openblas_coretype == "auto":
        os.environ.pop("OPENBLAS_CORETYPE", None)
    elif args.openblas_coretype:
        os.environ["OPENBLAS_CORETYPE"] = args.openblas_coretype
    forced = os.environ.get("OPENBLAS_CORETYPE")
    ratio = measure(args)
    verdict = "within" if ratio <= 2.0 else "NOT within"
    print(f"ratio scratch / torch (float32, torch's default): {ratio:.2f} -> {verdict} the 2x goal")
    kernel = openblas_kernel()
    if args.openblas_coretype or not forced or (kernel or "").lower() not in AVX2_KERNELS or not cpu_has_avx512():
        return 0
    print(
        f"\nThe environment sets OPENBLAS_CORETYPE={forced}, an AVX2 kernel, on a CPU with AVX-512 (which torch "
        "uses). Like for like, with OpenBLAS' own choice of kernel:",
        flush=True,
    )
    command = [sys.executable, __file__, "--threads", str(args.threads), "--repeats", str(args.repeats)]
    return subprocess.call([*command, "--openblas-coretype", "auto"])


def measure(args: argparse.Namespace) -> float:
    """Time both LSTMs in float32 and float64, print a table; return the float32 ratio scratch / torch."""
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    scratch = load_scratch_lstm()
    lstm_forward, lstm_backward = scratch["lstm_forward"], scratch["lstm_backward"]
    N, T, D, H = SHAPE["N"], SHAPE["T"], SHAPE["D"], SHAPE["H"]
    rng = np.random.default_rng(0)
    base = {
        "x": rng.standard_normal((N, T, D)),
        "Wx": rng.standard_normal((D, 4 * H)) / np.sqrt(D),
        "Wh": rng.standard_normal((H, 4 * H)) / np.sqrt(H),
        "b": 0.1 * rng.standard_normal(4 * H),
        "dh": rng.standard_normal((N, T, H)),
    }

    print(f"scratch LSTM (solution of {NOTEBOOK.relative_to(REPO_ROOT)}) vs torch.nn.LSTM, forward + backward")
    print(
        f"N={N} T={T} D={D} H={H}; threads: NumPy BLAS {args.threads} (OMP/OPENBLAS/MKL_NUM_THREADS), "
        f"torch {torch.get_num_threads()}; numpy {np.__version__}, torch {torch.__version__}"
    )
    print(
        f"matrix kernels: NumPy OpenBLAS {openblas_kernel() or '(not OpenBLAS)'}"
        f"{' (forced by OPENBLAS_CORETYPE)' if os.environ.get('OPENBLAS_CORETYPE') else ' (its own choice)'}, "
        f"torch {torch.backends.cpu.get_cpu_capability()}"
    )
    print(f"{'dtype':8} {'scratch ms':>11} {'torch ms':>9} {'ratio':>6}  max |grad difference|")
    ratios = {}
    for dtype, tdtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        a = {k: v.astype(dtype) for k, v in base.items()}
        h0 = np.zeros((N, H), dtype=dtype)

        def scratch_step(a=a, h0=h0):
            _, cache = lstm_forward(a["x"], h0, a["Wx"], a["Wh"], a["b"])
            return lstm_backward(a["dh"], cache)

        lstm = torch.nn.LSTM(D, H, batch_first=True).to(tdtype)
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(torch.from_numpy(a["Wx"].T.copy()))
            lstm.weight_hh_l0.copy_(torch.from_numpy(a["Wh"].T.copy()))
            lstm.bias_ih_l0.copy_(torch.from_numpy(a["b"]))
            lstm.bias_hh_l0.zero_()
        xt = torch.from_numpy(a["x"]).requires_grad_(True)
        dht = torch.from_numpy(a["dh"])

        def torch_step(lstm=lstm, xt=xt, dht=dht):
            lstm.zero_grad(set_to_none=True)
            xt.grad = None
            out, _ = lstm(xt)
            out.backward(dht)

        dx, _, dWx, dWh, db = scratch_step()
        torch_step()
        diff = max(
            float(np.max(np.abs(ours - theirs)))
            for ours, theirs in (
                (dx, xt.grad.numpy()),
                (dWx, lstm.weight_ih_l0.grad.numpy().T),
                (dWh, lstm.weight_hh_l0.grad.numpy().T),
                (db, lstm.bias_ih_l0.grad.numpy()),
            )
        )
        t_scratch = median_seconds(scratch_step, args.repeats)
        t_torch = median_seconds(torch_step, args.repeats)
        ratios[np.dtype(dtype).name] = t_scratch / t_torch
        print(
            f"{np.dtype(dtype).name:8} {1e3 * t_scratch:11.1f} {1e3 * t_torch:9.1f} "
            f"{t_scratch / t_torch:6.2f}  {diff:.1e}"
        )
    return ratios["float32"]


if __name__ == "__main__":
    sys.exit(main())
