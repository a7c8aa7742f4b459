"""Part-of-speech tagging of the Brown Corpus: a bidirectional LSTM tagger against two non-sequential baselines.

Used by ``python benchmarks/nlp_baselines.py --corpus brown`` (see its docstring). Data: ``datasets/tagging/``
(12 universal tags, split by document). All three models train on the same random subset of training
sentences; the LSTM's early stopping watches the validation documents; every token of the test documents is
scored once per model.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

SEQ_LEN = 40  # longer sentences are cut into pieces of at most 40 tokens (every token is still tagged)
MIN_COUNT = 2  # words and suffixes seen fewer times in training are unknown ('[UNK]', index 1)


def suffix(word: str) -> str:
    """The suffix feature of a word: its last 3 letters, lower case, marked '^' when capitalised."""
    return ("^" if word[:1].isupper() else "") + word.lower()[-3:]


def index_of(items: Counter, min_count: int) -> dict[str, int]:
    """{'': 0 (padding), '[UNK]': 1, then items seen >= min_count times, most frequent first}."""
    index = {"": 0, "[UNK]": 1}
    for item, count in sorted(items.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= min_count:
            index[item] = len(index)
    return index


def pieces(words: list[list[str]], tags: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Sentences cut into consecutive pieces of at most SEQ_LEN tokens."""
    out_w, out_t = [], []
    for w, t in zip(words, tags, strict=True):
        for i in range(0, len(w), SEQ_LEN):
            out_w.append(w[i : i + SEQ_LEN])
            out_t.append(t[i : i + SEQ_LEN])
    return out_w, out_t


def encode(split, vocab, suffixes, tag_index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, SEQ_LEN) word ids, suffix ids (0 = padding, 1 = unknown) and tag ids (-1 = padding)."""
    words, tags = pieces(split.words, split.tags)
    x = np.zeros((len(words), SEQ_LEN), "int32")
    s = np.zeros_like(x)
    y = np.full_like(x, -1)
    for i, (w, t) in enumerate(zip(words, tags, strict=True)):
        x[i, : len(w)] = [vocab.get(word.lower(), 1) for word in w]
        s[i, : len(w)] = [suffixes.get(suffix(word), 1) for word in w]
        y[i, : len(w)] = [tag_index[tag] for tag in t]
    return x, s, y


def window_features(words: list[list[str]]) -> list[dict[str, float]]:
    """One feature dict per token: the word, its 1-3 letter suffixes, shape, and its neighbours (+-1)."""
    out = []
    for sentence in words:
        low = [w.lower() for w in sentence]
        for i, word in enumerate(sentence):
            prev = low[i - 1] if i > 0 else "<s>"
            nxt = low[i + 1] if i + 1 < len(sentence) else "</s>"
            out.append(
                {
                    "w=" + low[i]: 1.0,
                    "s1=" + low[i][-1:]: 1.0,
                    "s2=" + low[i][-2:]: 1.0,
                    "s3=" + low[i][-3:]: 1.0,
                    "cap": float(word[:1].isupper()),
                    "digit": float(any(c.isdigit() for c in word)),
                    "hyphen": float("-" in word),
                    "prev=" + prev: 1.0,
                    "next=" + nxt: 1.0,
                    "prev_s3=" + prev[-3:]: 1.0,
                    "next_s3=" + nxt[-3:]: 1.0,
                }
            )
    return out


def masked_token_loss(y_true, y_pred):
    """(N, T) cross-entropy per token, 0 where y_true == -1 (padding)."""
    from keras import losses, ops

    y_true = ops.cast(y_true, "int32")
    mask = ops.cast(y_true >= 0, y_pred.dtype)
    return losses.sparse_categorical_crossentropy(ops.maximum(y_true, 0), y_pred) * mask


def build_tagger(vocab_size: int, suffix_size: int, num_tags: int, units: int = 64, dropout: float = 0.3):
    """[words, suffixes] (N, T) -> (N, T, num_tags): two masked embeddings -> BiLSTM(return_sequences) -> softmax."""
    import keras

    words = keras.Input((None,), dtype="int32")
    sufs = keras.Input((None,), dtype="int32")
    h = keras.layers.Concatenate()(
        [
            keras.layers.Embedding(vocab_size, 64, mask_zero=True)(words),
            keras.layers.Embedding(suffix_size, 16, mask_zero=True)(sufs),
        ]
    )
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(h)
    h = keras.layers.Dropout(dropout)(h)
    model = keras.Model([words, sufs], keras.layers.Dense(num_tags, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=masked_token_loss, metrics=["accuracy"])
    return model


def compare_taggers(train_sentences: int, seeds: int, epochs: int) -> None:
    """Print test token accuracy (overall and on unknown words) of the three models."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from lstm_course.data.tagging import TAGS, load_tagging_splits
    from lstm_course.runtime import seed_everything

    splits = load_tagging_splits()
    train, val, test = splits["train"].subset(train_sentences), splits["validation"], splits["test"]
    print(
        f"\nBrown Corpus, 12 universal tags: train {len(train)} sentences ({train.num_tokens} tokens, a random "
        f"subset), validation {len(val)} ({val.num_tokens}), test {len(test)} ({test.num_tokens}); pieces of "
        f"at most {SEQ_LEN} tokens"
    )
    true = np.array([t for sentence in test.tags for t in sentence])
    train_words = Counter(w.lower() for s in train.words for w in s)
    unknown = np.array([train_words[w.lower()] < MIN_COUNT for s in test.words for w in s])

    def report(name: str, accs: list[float], oov_accs: list[float], seconds: float) -> None:
        spread = f" +- {np.std(accs):.4f} (std over {len(accs)} seeds, min {min(accs):.4f})" if len(accs) > 1 else ""
        print(
            f"  {name:44} accuracy {np.mean(accs):.4f}{spread}; on the {unknown.mean():.1%} unknown test words "
            f"{np.mean(oov_accs):.4f}  ({seconds:.0f} s)",
            flush=True,
        )

    start = time.perf_counter()
    pair_counts = Counter(
        (w.lower(), t) for s, g in zip(train.words, train.tags, strict=True) for w, t in zip(s, g, strict=True)
    )
    best: dict[str, str] = {}
    for (word, tag), _ in pair_counts.most_common():
        best.setdefault(word, tag)
    overall = Counter(t for g in train.tags for t in g).most_common(1)[0][0]
    pred = np.array([best.get(w.lower(), overall) for s in test.words for w in s])
    report(
        "most frequent tag per word",
        [np.mean(pred == true)],
        [np.mean(pred[unknown] == true[unknown])],
        time.perf_counter() - start,
    )

    start = time.perf_counter()
    dv = DictVectorizer()
    x_train = dv.fit_transform(window_features(train.words))
    y_train = [t for g in train.tags for t in g]
    logreg = LogisticRegression(max_iter=200).fit(x_train, y_train)
    pred = logreg.predict(dv.transform(window_features(test.words)))
    report(
        "logistic regression, window of words+suffixes",
        [np.mean(pred == true)],
        [np.mean(pred[unknown] == true[unknown])],
        time.perf_counter() - start,
    )

    import keras

    tag_index = {t: i for i, t in enumerate(TAGS)}
    vocab = index_of(train_words, MIN_COUNT)
    suffixes = index_of(Counter(suffix(w) for s in train.words for w in s), MIN_COUNT)
    data = {name: encode(s, vocab, suffixes, tag_index) for name, s in (("train", train), ("val", val), ("test", test))}
    (xt, st, yt), (xv, sv, yv), (xe, se, ye) = data["train"], data["val"], data["test"]
    real = ye >= 0
    unknown_pieces = (xe == 1) & real
    accs, oov_accs = [], []
    start = time.perf_counter()
    for seed in range(seeds):
        seed_everything(seed)
        model = build_tagger(len(vocab), len(suffixes), len(TAGS))
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
        model.fit(
            [xt, st], yt, validation_data=([xv, sv], yv), epochs=epochs, batch_size=64, callbacks=[stop], verbose=0
        )
        pred = model.predict([xe, se], batch_size=256, verbose=0).argmax(axis=-1)
        accs.append(float(np.mean(pred[real] == ye[real])))
        oov_accs.append(float(np.mean(pred[unknown_pieces] == ye[unknown_pieces])))
        print(f"    seed {seed}: test accuracy {accs[-1]:.4f}, unknown words {oov_accs[-1]:.4f}", flush=True)
    report("bidirectional LSTM tagger (words+suffixes)", accs, oov_accs, time.perf_counter() - start)
