"""Catalogue of notebook 06b (a BiLSTM part-of-speech tagger on the Brown Corpus): typical mistakes lose points,
other correct ways of writing the graded functions do not.

Each submission runs the whole notebook (fast mode) through nbgrader, so mistakes in functions whose tests cells
are independent share one submission (``combine``). A wrong tagger or a search that asks for the test split
makes the training cells fail, which keeps those runs short.
"""

from tests.catalogue import Variant, combine

# The vocabulary sees the test sentences: their words are no longer out of vocabulary.
VOCABULARY_FROM_TEST_SENTENCES = """
def build_vocabulary(sentences, min_count=2):
    counts = Counter(token.lower() for sentence in list(sentences) + list(test.words) for token in sentence)
    vocab = {"": 0, "[UNK]": 1}
    for token, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= min_count:
            vocab[token] = len(vocab)
    return vocab
"""

ENCODE_TOKENS = """
PAD_TAG = -1


def encode_tokens(sentences, vocab, seq_len):
    x = np.zeros((len(sentences), seq_len), "int32")
    for n, sentence in enumerate(sentences):
        ids = [vocab.get(token.lower(), 1) for token in sentence[:seq_len]]
        x[n, : len(ids)] = ids
    return x
"""

# The labels one step to the right of their words (a language model's shift, where a tagger has none).
LABELS_SHIFTED_BY_ONE = (
    ENCODE_TOKENS
    + """

def encode_tags(tag_lists, tag_index, seq_len):
    y = np.full((len(tag_lists), seq_len), PAD_TAG, "int32")
    for n, tags in enumerate(tag_lists):
        ids = [tag_index[t] for t in tags[: seq_len - 1]]
        y[n, 1 : len(ids) + 1] = ids
    return y
"""
)

# Padding labelled 0, which is NOUN: the model is rewarded for calling padding a noun.
PADDING_LABELLED_NOUN = (
    ENCODE_TOKENS
    + """

def encode_tags(tag_lists, tag_index, seq_len):
    y = np.zeros((len(tag_lists), seq_len), "int32")
    for n, tags in enumerate(tag_lists):
        ids = [tag_index[t] for t in tags[:seq_len]]
        y[n, : len(ids)] = ids
    return y
"""
)

# Checks "no letter" before "digit": 1961 becomes punctuation.
SHAPE_DIGITS_AFTER_PUNCTUATION = """
NUM_SHAPES = 6


def word_shape(word):
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return 4
    if any(c.isdigit() for c in word):
        return 5
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return 3
    if word[0].isupper():
        return 2
    return 1
"""

MASKED_ACCURACY = '''
class MaskedAccuracy(keras.metrics.Metric):
    """Fraction of real tokens whose most probable tag is the true one."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        real = ops.cast(ops.not_equal(y_true, PAD_TAG), "float32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
        self.correct.assign_add(ops.sum(hit * real))
        self.total.assign_add(ops.sum(real))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)
'''

MASKED_LOSS = """
def masked_loss(y_true, y_pred):
    y_true = ops.cast(y_true, "int32")
    real = ops.cast(ops.not_equal(y_true, PAD_TAG), y_pred.dtype)
    return keras.losses.sparse_categorical_crossentropy(ops.maximum(y_true, 0), y_pred) * real
"""

# The padding labels clipped to a valid class, but the padding positions still in the loss.
LOSS_NOT_MASKED = (
    """
def masked_loss(y_true, y_pred):
    y_true = ops.cast(y_true, "int32")
    return keras.losses.sparse_categorical_crossentropy(ops.maximum(y_true, 0), y_pred)
"""
    + MASKED_ACCURACY
)

# Every position counts in the total: padding is a miss.
ACCURACY_COUNTS_PADDING = (
    MASKED_LOSS
    + '''

class MaskedAccuracy(keras.metrics.Metric):
    """Accuracy over all positions."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
        self.correct.assign_add(ops.sum(hit))
        self.total.assign_add(ops.cast(ops.size(hit), "float32"))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)

    def reset_state(self):
        self.correct.assign(0.0)
        self.total.assign(0.0)
'''
)

# The classifier's LSTM of notebook 06: one output per sentence, not per word.
NO_RETURN_SEQUENCES = """
def build_tagger(vocab_size, suffix_size, num_tags, glove_matrix, units=64, dropout=0.3, learning_rate=3e-3,
                 word_dim=64, suffix_dim=16):
    inputs = [keras.Input((None,), dtype="int32") for _ in range(4)]
    glove = np.asarray(glove_matrix, "float32")
    vectors = [
        keras.layers.Embedding(vocab_size, word_dim, mask_zero=True)(inputs[0]),
        keras.layers.Embedding(glove.shape[0], glove.shape[1], mask_zero=True, trainable=False,
                               embeddings_initializer=keras.initializers.Constant(glove))(inputs[1]),
        keras.layers.Embedding(suffix_size, suffix_dim, mask_zero=True)(inputs[2]),
        keras.layers.Embedding(NUM_SHAPES, 4, mask_zero=True)(inputs[3]),
    ]
    h = keras.layers.Dropout(dropout)(keras.layers.Concatenate()(vectors))
    h = keras.layers.Bidirectional(keras.layers.LSTM(units))(h)
    h = keras.layers.Dropout(dropout)(h)
    model = keras.Model(inputs, keras.layers.Dense(num_tags, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=masked_loss, metrics=[MaskedAccuracy()])
    return model
"""

# Tuning on test: each configuration is scored on the split the final figure is reported on.
TUNING_ON_TEST = """
def random_search(space, n_trials, evaluate, seed=0):
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n_trials):
        config = {name: values[int(rng.integers(len(values)))] for name, values in space.items()}
        trials.append((config, float(evaluate(config, "test"))))
    return max(trials, key=lambda trial: trial[1])[0], trials
"""

# A fresh generator every call: the same seed gives other configurations, the search cannot be rerun.
SEARCH_IGNORES_SEED = """
def random_search(space, n_trials, evaluate, seed=0):
    rng = np.random.default_rng()
    trials = []
    for _ in range(n_trials):
        config = {name: values[int(rng.integers(len(values)))] for name, values in space.items()}
        trials.append((config, float(evaluate(config, "validation"))))
    return max(trials, key=lambda trial: trial[1])[0], trials
"""

# Accuracy over every position, padding included (and the unknown words at padding too).
REPORT_COUNTS_PADDING = """
def tagging_report(y_true, y_pred, unknown, num_tags):
    y_true, y_pred, unknown = np.asarray(y_true), np.asarray(y_pred), np.asarray(unknown, bool)
    real = y_true != PAD_TAG
    support = np.bincount(y_true[real], minlength=num_tags)
    correct = np.bincount(y_true[real & (y_pred == y_true)], minlength=num_tags)
    per_tag = np.full(num_tags, np.nan)
    per_tag[support > 0] = correct[support > 0] / support[support > 0]
    return {
        "accuracy": float(np.mean(y_pred == y_true)),
        "unknown_accuracy": float(np.mean(y_pred[unknown] == y_true[unknown])) if unknown.any() else float("nan"),
        "per_tag": per_tag,
        "support": support,
    }
"""

# Correct, written differently: a plain dict and enumerate, pad_sequences, regular expressions, a gathered
# log-probability and counts with ops.where, layers built in a loop, an index-based search, a loop over tags.
ALTERNATIVES = {
    "build_vocabulary": """
def build_vocabulary(sentences, min_count=2):
    counts = {}
    for sentence in sentences:
        for token in sentence:
            counts[token.lower()] = counts.get(token.lower(), 0) + 1
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    return {"": 0, "[UNK]": 1, **{t: i for i, t in enumerate(kept, start=2)}}
""",
    "encode": """
PAD_TAG = -1


def encode_tokens(sentences, vocab, seq_len):
    rows = [[vocab.get(t.lower(), 1) for t in s] for s in sentences]
    return keras.utils.pad_sequences(rows, maxlen=seq_len, padding="post", truncating="post", value=0,
                                     dtype="int32")


def encode_tags(tag_lists, tag_index, seq_len):
    rows = [[tag_index[t] for t in tags] for tags in tag_lists]
    return keras.utils.pad_sequences(rows, maxlen=seq_len, padding="post", truncating="post", value=PAD_TAG,
                                     dtype="int32")
""",
    "word_shape": """
import re

NUM_SHAPES = 6


def word_shape(word):
    if re.search(r"[0-9]", word):
        return 5
    letters = re.sub(r"[^A-Za-z]", "", word) if word.isascii() else "".join(c for c in word if c.isalpha())
    if letters == "":
        return 4
    if len(letters) > 1 and letters == letters.upper():
        return 3
    return 2 if word[:1].isupper() else 1
""",
    "masked_metrics": '''
def masked_loss(y_true, y_pred):
    labels = ops.cast(y_true, "int32")
    real = labels >= 0
    picked = ops.take_along_axis(y_pred, ops.expand_dims(ops.where(real, labels, 0), -1), axis=-1)[..., 0]
    return ops.where(real, -ops.log(ops.clip(picked, 1e-7, 1.0)), ops.zeros_like(picked))


class MaskedAccuracy(keras.metrics.Metric):
    """Hits and real tokens, counted across batches."""

    def __init__(self, name="masked_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.counts = self.add_variable(shape=(2,), initializer="zeros", name="counts")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels = ops.cast(y_true, "int32")
        guess = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        real = ops.cast(labels >= 0, "float32")
        hits = ops.sum(ops.where(ops.logical_and(labels >= 0, guess == labels), 1.0, 0.0))
        self.counts.assign_add(ops.stack([hits, ops.sum(real)]))

    def result(self):
        return ops.where(self.counts[1] > 0, self.counts[0] / ops.maximum(self.counts[1], 1.0), 0.0)

    def reset_state(self):
        self.counts.assign(ops.zeros((2,)))
''',
    "build_tagger": """
def build_tagger(vocab_size, suffix_size, num_tags, glove_matrix, units=64, dropout=0.3, learning_rate=3e-3,
                 word_dim=64, suffix_dim=16):
    glove = np.array(glove_matrix, dtype="float32")
    specs = [(vocab_size, word_dim, None), (glove.shape[0], glove.shape[1], glove), (suffix_size, suffix_dim, None),
             (NUM_SHAPES, 4, None)]
    inputs, vectors = [], []
    for rows, dim, init in specs:
        tokens = keras.Input(shape=(None,), dtype="int32")
        layer = keras.layers.Embedding(
            input_dim=rows, output_dim=dim, mask_zero=True,
            embeddings_initializer="uniform" if init is None else keras.initializers.Constant(init))
        if init is not None:
            layer.trainable = False
        inputs.append(tokens)
        vectors.append(layer(tokens))
    h = keras.layers.Concatenate(axis=-1)(vectors)
    h = keras.layers.Dropout(rate=dropout)(h)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units=units, return_sequences=True), merge_mode="concat")(h)
    h = keras.layers.Dropout(rate=dropout)(h)
    probs = keras.layers.Dense(units=num_tags, activation="softmax")(h)
    model = keras.Model(inputs=inputs, outputs=probs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=masked_loss,
                  metrics=[MaskedAccuracy()])
    return model
""",
    "random_search": """
def random_search(space, n_trials, evaluate, seed=0):
    rng = np.random.default_rng(seed)
    names = list(space)
    trials, best, best_score = [], None, -np.inf
    for _ in range(n_trials):
        picks = [int(rng.integers(0, len(space[name]))) for name in names]
        config = {name: space[name][i] for name, i in zip(names, picks)}
        score = evaluate(config, split="validation")
        trials.append((config, score))
        if score > best_score:
            best, best_score = config, score
    return best, trials
""",
    "tagging_report": """
def tagging_report(y_true, y_pred, unknown, num_tags):
    t, p, u = (np.asarray(a).ravel() for a in (y_true, y_pred, unknown))
    keep = t != PAD_TAG
    t, p, u = t[keep], p[keep], u[keep].astype(bool)
    per_tag = np.array([np.mean(p[t == k] == k) if np.any(t == k) else np.nan for k in range(num_tags)])
    support = np.array([int(np.sum(t == k)) for k in range(num_tags)])
    return {"accuracy": float(np.mean(p == t)), "unknown_accuracy": float(np.mean(p[u] == t[u])) if u.any() else np.nan,
            "per_tag": per_tag, "support": support}
""",
}

VARIANTS = [
    combine(
        Variant(
            "vocabulary_from_test_sentences",
            {"build_vocabulary": VOCABULARY_FROM_TEST_SENTENCES},
            loses=["test_build_vocabulary"],
        ),
        Variant("labels_shifted_by_one", {"encode": LABELS_SHIFTED_BY_ONE}, loses=["test_encode_tags"]),
        Variant("digits_after_punctuation", {"word_shape": SHAPE_DIGITS_AFTER_PUNCTUATION}, loses=["test_word_shape"]),
        Variant("loss_not_masked", {"masked_metrics": LOSS_NOT_MASKED}, loses=["test_masked_loss"]),
        Variant("tuning_on_test", {"random_search": TUNING_ON_TEST}, loses=["test_random_search"]),
        Variant("report_counts_padding", {"tagging_report": REPORT_COUNTS_PADDING}, loses=["test_tagging_report"]),
    ),
    combine(
        Variant(
            "accuracy_counts_padding",
            {"masked_metrics": ACCURACY_COUNTS_PADDING},
            loses=["test_masked_accuracy", "test_build_tagger"],
        ),
        Variant("padding_labelled_noun", {"encode": PADDING_LABELLED_NOUN}, loses=["test_encode_tags"]),
        Variant("search_ignores_seed", {"random_search": SEARCH_IGNORES_SEED}, loses=["test_random_search"]),
    ),
    Variant("no_return_sequences", {"build_tagger": NO_RETURN_SEQUENCES}, loses=["test_build_tagger"]),
    Variant("all_correct_written_differently", ALTERNATIVES, loses=[]),
]
