"""Part-of-speech tagging of the Brown Corpus: notebook 06b's BiLSTM tagger against its two non-sequential baselines.

Used by ``python benchmarks/nlp_baselines.py --corpus brown`` (see its docstring). Everything that defines a model
is notebook 06b's own code, executed from ``solutions/06b_pos_tagging/06b_pos_tagging.ipynb``: its graded
functions (vocabulary, encoding, word shapes, masked loss and accuracy, ``build_tagger``, ``random_search``,
``tagging_report``) and its locked cells (most frequent tag, features, window logistic regression, batching and
training, the random search). Only the sizes come from here: training and validation sentences, the number of
seeds and epochs. With the defaults it repeats the notebook's run (search included) and adds seeds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from solution_cells import run_solution_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "solutions" / "06b_pos_tagging" / "06b_pos_tagging.ipynb"
FUNCTIONS = ("build_vocabulary", "encode", "word_shape", "masked_metrics", "build_tagger", "random_search")
PIPELINE = ("most_frequent_tag", "features", "window_baseline", "training_tools")


def glove_window_features(ns: dict, sentences: list[list[str]]) -> list[dict[str, float]]:
    """The notebook's window features plus the GloVe vectors of the word and of its two neighbours (150 numbers)."""
    index, matrix = ns["GLOVE_INDEX"], ns["GLOVE_MATRIX"]
    out = ns["window_features"](sentences)
    k = 0
    for sentence in sentences:
        rows = [matrix[index.get(w.lower(), 1)] for w in sentence]
        zero = np.zeros_like(matrix[0])
        for i in range(len(sentence)):
            for prefix, v in (
                ("g", rows[i]),
                ("pg", rows[i - 1] if i else zero),
                ("ng", rows[i + 1] if i + 1 < len(rows) else zero),
            ):
                out[k].update({f"{prefix}{d}": float(x) for d, x in enumerate(v)})
            k += 1
    return out


def without_glove(inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The tagger's four inputs with every GloVe index set to 1, the all-zero row: the tagger sees no GloVe vector."""
    return [inputs[0], np.where(inputs[1] > 0, 1, 0).astype(inputs[1].dtype), inputs[2], inputs[3]]


def compare_taggers(
    train_sentences: int, seeds: int, epochs: int, val_sentences: int = 1000, ablations: bool = False
) -> None:
    """Print test token accuracy (overall and on unknown words) of the three models; the LSTM over ``seeds``.

    With ``ablations``, also the same tagger without its GloVe input (same seeds) and the window logistic
    regression with GloVe features: which part of the margin is the pretrained vectors.
    """
    import os

    os.environ["LSTM_COURSE_FAST"] = "0"
    ns = run_solution_cells(NOTEBOOK, ("imports", *FUNCTIONS, "tagging_report"), {})
    load = ns["load_tagging_split"]
    ns["train"] = load("train").subset(train_sentences)
    ns["val"] = load("validation").subset(val_sentences)
    ns["test"] = load("test")
    ns["K"], ns["TAG_INDEX"] = len(ns["TAGS"]), {t: i for i, t in enumerate(ns["TAGS"])}
    train, val, test = ns["train"], ns["val"], ns["test"]
    print(
        f"\nBrown Corpus, 12 universal tags (notebook 06b's code): train {len(train)} sentences ({train.num_tokens} "
        f"tokens, a random subset), validation {len(val)} ({val.num_tokens}), test {len(test)} ({test.num_tokens})",
        flush=True,
    )
    start = time.perf_counter()
    run_solution_cells(NOTEBOOK, PIPELINE, ns)
    print(f"  features and window logistic regression: {time.perf_counter() - start:.0f} s", flush=True)
    start = time.perf_counter()
    run_solution_cells(NOTEBOOK, ("search",), ns)
    config = ns["best_config"]
    trials = ", ".join(f"{s:.4f}" for _, s in ns["trials"])
    print(f"  the notebook's random search ({time.perf_counter() - start:.0f} s): validation {trials}; chose {config}")

    report, tags = ns["tagging_report"], ns["TAG_INDEX"]
    x_test, y_test, pad = ns["X_test"], ns["y_test"], ns["PAD_TAG"]
    real = y_test != pad
    unknown = (x_test[0] == 1) & real
    true = y_test[real]

    def line(name: str, accs: list[float], oov: list[float], seconds: float) -> None:
        spread = (
            f" +- {np.std(accs):.4f} (std over {len(accs)} seeds; min {min(accs):.4f}, max {max(accs):.4f})"
            if len(accs) > 1
            else ""
        )
        print(
            f"  {name:44} accuracy {np.mean(accs):.4f}{spread}; on the {unknown.sum() / real.sum():.1%} unknown "
            f"test words {np.mean(oov):.4f}  ({seconds:.0f} s)",
            flush=True,
        )

    mft = np.array([tags[t] for s in ns["most_frequent_tag_predict"](test.words) for t in s])
    r = report(true, mft, unknown[real], ns["K"])
    best_baseline = r["accuracy"]
    line("most frequent tag per word", [r["accuracy"]], [r["unknown_accuracy"]], 0)
    start = time.perf_counter()
    features = ns["window_vectorizer"].transform(ns["window_features"](test.words))
    window = np.array([tags[t] for t in ns["window_logreg"].predict(features)])
    r = report(true, window, unknown[real], ns["K"])
    best_baseline = max(best_baseline, r["accuracy"])
    line("logistic regression, window of words+suffixes", [r["accuracy"]], [r["unknown_accuracy"]], 0)

    accs, oov = [], []
    start = time.perf_counter()
    for seed in range(seeds):
        model, history = ns["train_tagger"](config, ns["X_train"], ns["y_train"], epochs, seed=seed, seconds=10**6)
        r = report(y_test, ns["predict_proba"](model, x_test).argmax(-1), unknown, ns["K"])
        accs.append(r["accuracy"])
        oov.append(r["unknown_accuracy"])
        print(
            f"    seed {seed}: {len(history.history['loss'])} epochs, test accuracy {accs[-1]:.4f}, "
            f"unknown words {oov[-1]:.4f}",
            flush=True,
        )
    line("notebook 06b's BiLSTM tagger", accs, oov, time.perf_counter() - start)
    margin, spread = np.mean(accs) - best_baseline, max(accs) - min(accs)
    print(
        f"  margin over the strongest baseline {100 * margin:+.2f} points; spread between seeds (max - min) "
        f"{100 * spread:.2f} points: {'margin larger' if margin > spread else 'margin NOT larger'}",
        flush=True,
    )
    if not ablations:
        return
    print("  ablations:")
    start = time.perf_counter()
    vectorizer = ns["DictVectorizer"]().fit(glove_window_features(ns, train.words))
    logreg = ns["LogisticRegression"](max_iter=300).fit(
        vectorizer.transform(glove_window_features(ns, train.words)), [t for g in train.tags for t in g]
    )
    pred = np.array([tags[t] for t in logreg.predict(vectorizer.transform(glove_window_features(ns, test.words)))])
    r = report(true, pred, unknown[real], ns["K"])
    line(
        "window logistic regression + GloVe (+-1 words)",
        [r["accuracy"]],
        [r["unknown_accuracy"]],
        time.perf_counter() - start,
    )
    x_val = ns["X_val"]
    ns["X_val"] = without_glove(x_val)  # train_tagger's early stopping reads the validation pieces from here
    accs, oov = [], []
    start = time.perf_counter()
    for seed in range(seeds):
        model, _ = ns["train_tagger"](
            config, without_glove(ns["X_train"]), ns["y_train"], epochs, seed=seed, seconds=10**6
        )
        r = report(y_test, ns["predict_proba"](model, without_glove(x_test)).argmax(-1), unknown, ns["K"])
        accs.append(r["accuracy"])
        oov.append(r["unknown_accuracy"])
    ns["X_val"] = x_val
    line("the same BiLSTM tagger without GloVe", accs, oov, time.perf_counter() - start)
