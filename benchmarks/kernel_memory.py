"""Address space a grading kernel needs: import TensorFlow and PyTorch, run one LSTM layer of each, print the
process's peak virtual memory (what ``grade --memory`` limits) and peak resident memory.

    OMP_NUM_THREADS=1 python benchmarks/kernel_memory.py

A script, not a test: the figures depend on the library versions.
"""

from __future__ import annotations

import os


def peak_memory() -> dict[str, str]:
    """VmPeak (address space) and VmHWM (resident) of this process, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as fh:
        status = dict(line.split(":", 1) for line in fh if ":" in line)
    return {key: status[key].strip() for key in ("VmPeak", "VmHWM")}


def main() -> None:
    """Import both frameworks with the grader's one-thread settings, run one LSTM each, print the peaks."""
    for key in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import torch

    x = np.random.default_rng(0).normal(size=(4, 7, 3)).astype("float32")
    tf.keras.layers.LSTM(5)(x)
    torch.nn.LSTM(3, 5, batch_first=True)(torch.from_numpy(x))
    peaks = peak_memory()
    print(f"TensorFlow {tf.__version__} + PyTorch {torch.__version__}, one LSTM each:")
    print(f"peak address space (VmPeak) {peaks['VmPeak']}, peak resident (VmHWM) {peaks['VmHWM']}")


if __name__ == "__main__":
    main()
