"""Notebook 07 on real speakers it never heard: leave-one-speaker-out accuracy over seeds.

    python benchmarks/speech_speakers.py                         # every fold, 3 seeds, all six configurations
    python benchmarks/speech_speakers.py --folds lucas --seeds 0 --configs lstm   # a subset
    python benchmarks/speech_speakers.py --exclude lucas --seeds 0 --configs lstm+synth cnn+synth
                                      # the development folds the notebook's choices were made on
    python benchmarks/speech_speakers.py --seeds 0 --epochs 4 --takes 20           # a cheap configuration
    python benchmarks/speech_speakers.py --help

For every fold one of the four real FSDD speakers (datasets/speech/fsdd_8k.flac) is the test speaker; the
other three train (takes 5-49) and validate (takes 0-4), exactly as the notebook's `make_splits` and
`run_experiment` do: the benchmark runs the notebook's own cells (MFCCs, features, augmentation,
normalisation, models, training loop), so it measures what the notebook teaches. Configurations:

* ``lstm``: the bidirectional LSTM (`DigitLSTM`), augmented real clips;
* ``lstm+espeak``: the same plus the 1580 synthetic eSpeak NG training clips;
* ``lstm+synth``: the same plus eSpeak's clips and CMU Flite's 1200 (voices built from recordings of people)
  with an augmented copy of each: the notebook's headline configuration;
* ``cnn``, ``cnn+espeak``, ``cnn+synth``: the same three with the CNN-LSTM (`ConvDigitLSTM`).

Prints one line per run and, per configuration, the accuracy on the unseen speaker: mean and standard
deviation over all folds and seeds, and the mean of every fold; with several seeds also the accuracy of
each fold's seed ensemble (softmax averaged over its seeds' models; the notebook trains one model).
``--exclude SPEAKER`` drops a speaker from
every fold: ``--exclude lucas`` gives the development folds (train on two speakers, test on the third) on
which the notebook chose its headline configuration without looking at its test speaker, lucas.
``--takes N`` keeps takes 0..N-1 of every digit (validation stays takes 0-4) for a quicker, rougher run.
Each run trains a model (tens of seconds to minutes on one core); ``nice`` it on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from solution_cells import run_solution_cells  # noqa: E402

NOTEBOOK = ROOT / "solutions" / "07_speech_pytorch" / "07_speech_pytorch.ipynb"
CELLS = [
    "imports",
    "load_data",
    "frame_signal",
    "hann_window",
    "power_spectrum",
    "mel_scale",
    "mel_filterbank",
    "log_power",
    "dct_ii",
    "mfcc",
    "features",
    "make_splits",
    "augment",
    "random_augment",
    "assemble_sets",
    "normalize_splits",
    "dataset",
    "DigitLSTM",
    "evaluate",
    "train_model",
    "experiments",
]
CONFIGS = {
    "lstm": {"model": "DigitLSTM", "synthetic": False},
    "lstm+espeak": {"model": "DigitLSTM", "synthetic": "espeak"},
    "lstm+synth": {"model": "DigitLSTM", "synthetic": True},
    "cnn": {"model": "ConvDigitLSTM", "synthetic": False},
    "cnn+espeak": {"model": "ConvDigitLSTM", "synthetic": "espeak"},
    "cnn+synth": {"model": "ConvDigitLSTM", "synthetic": True},
}
SPEAKERS = ("george", "jackson", "lucas", "nicolas")


def test_probabilities(ns: dict, result: dict, features: list[np.ndarray]) -> np.ndarray:
    """(N, 10) softmax of a run's trained model on ``features``, normalised with that run's training statistics."""
    import torch

    normalised = [((f - result["mean"]) / result["std"]).astype(np.float32) for f in features]
    x, lengths, _ = ns["collate_padded"]([(torch.from_numpy(f), torch.tensor(0)) for f in normalised])
    model = result["model"].eval()
    with torch.no_grad():
        return torch.softmax(model(x, lengths), dim=1).numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", nargs="+", default=list(SPEAKERS), choices=SPEAKERS, help="test speakers")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--epochs", type=int, default=None, help="maximum epochs (default: the notebook's)")
    parser.add_argument("--copies", type=int, default=None, help="augmented copies (default: the notebook's)")
    parser.add_argument("--exclude", choices=SPEAKERS, default=None, help="drop this speaker from every fold")
    parser.add_argument("--takes", type=int, default=None, help="keep takes 0..N-1 of every digit (N > 5)")
    args = parser.parse_args(argv)
    if args.takes is not None and args.takes <= 5:
        parser.error("--takes must be more than 5: takes 0-4 are the validation takes")

    os.environ.pop("LSTM_COURSE_FAST", None)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        ns = run_solution_cells(NOTEBOOK, CELLS, {"split": None, "__name__": "speech_speakers"})
    if args.epochs is not None:
        ns["EPOCHS"] = args.epochs
    real = ns["real"]
    keep = [
        i
        for i, (voice, info) in enumerate(zip(real.voices, real.info, strict=True))
        if voice != args.exclude and (args.takes is None or int(info["take"]) < args.takes)
    ]
    folds = [f for f in args.folds if f != args.exclude]
    copies = ns["COPIES"] if args.copies is None else args.copies
    print(
        f"notebook cells loaded in {time.perf_counter() - start:.0f} s; epochs <= {ns['EPOCHS']}, patience "
        f"{ns['PATIENCE']}, {copies} augmented copies, {ns['THREADS']} thread(s); "
        f"{'all takes' if args.takes is None else f'takes 0-{args.takes - 1}'}"
        f"{'' if args.exclude is None else f', without {args.exclude}'}",
        flush=True,
    )
    scores: dict[str, dict[str, list[float]]] = {c: {f: [] for f in folds} for c in args.configs}
    ensembles: dict[str, dict[str, float]] = {c: {} for c in args.configs}
    test_features = ns["add_deltas"](ns["utterance_cmvn"](ns["real_mfcc"]))  # as run_experiment's, per utterance
    for fold in folds:
        split = {name: np.intersect1d(idx, keep) for name, idx in ns["make_splits"](real, fold).items()}
        for config in args.configs:
            probabilities = []
            for seed in args.seeds:
                spec = CONFIGS[config]
                with contextlib.redirect_stderr(io.StringIO()):  # the notebook's tqdm bars
                    result = ns["run_experiment"](
                        config,
                        make_model=ns[spec["model"]],
                        split=split,
                        copies=copies,
                        seed=seed,
                        synthetic=spec["synthetic"],
                        verbose=False,
                    )
                scores[config][fold].append(result["accuracy"])
                probabilities.append(test_probabilities(ns, result, [test_features[i] for i in split["test"]]))
                print(
                    f"test {fold:8s} {config:12s} seed {seed}: {result['accuracy']:6.1%} "
                    f"({result['parameters']:,} parameters, {len(result['history']['loss'])} epochs, "
                    f"{result['seconds']:.0f} s)",
                    flush=True,
                )
            labels = real.digits[split["test"]]
            ensembles[config][fold] = float(np.mean(np.mean(probabilities, axis=0).argmax(axis=1) == labels))
    print(f"\naccuracy on the unseen real speaker ({len(args.seeds)} seed(s) per fold):")
    for config in args.configs:
        every = np.array([a for f in folds for a in scores[config][f]])
        per_fold = ", ".join(f"{f} {np.mean(scores[config][f]):.1%}" for f in folds)
        print(f"  {config:12s} mean {every.mean():.1%} +- {every.std():.1%} (std over {len(every)} runs); {per_fold}")
    if len(args.seeds) > 1:
        print(f"seed ensembles (softmax of the {len(args.seeds)} seeds' models averaged; the notebook trains one):")
        for config in args.configs:
            per_fold = ", ".join(f"{f} {ensembles[config][f]:.1%}" for f in folds)
            print(f"  {config:12s} mean {np.mean(list(ensembles[config].values())):.1%}; {per_fold}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
