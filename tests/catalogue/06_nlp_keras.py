"""Catalogue of notebook 06 (Keras LSTM text classification on Reuters R8): typical mistakes lose points,
other correct ways of writing the graded functions do not.

Each variant runs the whole notebook (fast mode) through nbgrader, about half a minute with TensorFlow, so
mistakes in functions whose tests cells are independent share one submission (``combine``).
"""

from tests.catalogue import Variant, combine

# The Keras 2 tutorial habit: no mask, so the LSTM reads the padding as if it were words.
LSTM_NO_MASK = """
def build_lstm_classifier(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3, bidirectional=False):
    binary = num_classes == 2
    lstm = keras.layers.LSTM(units)
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        keras.layers.Bidirectional(lstm) if bidirectional else lstm,
        keras.layers.Dropout(dropout),
        keras.layers.Dense(1 if binary else num_classes, activation="sigmoid" if binary else "softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""

STACKED_NO_MASK = """
def build_stacked_bilstm(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3):
    binary = num_classes == 2
    inputs = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(vocab_size, embed_dim)(inputs)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(h)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units))(h)
    h = keras.layers.Dropout(dropout)(h)
    outputs = keras.layers.Dense(1 if binary else num_classes, activation="sigmoid" if binary else "softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""

# pad_sequences' default: zeros in front of the words (the vectorizer wrapped to do so).
VECTORIZER_PADS_IN_FRONT = '''
class _FrontPadded:
    """TextVectorization, but with the padding moved in front of the words."""

    def __init__(self, layer):
        self.layer = layer

    def get_vocabulary(self):
        return self.layer.get_vocabulary()

    def __call__(self, texts):
        x = np.asarray(self.layer(texts))
        out = np.zeros_like(x)
        for i, row in enumerate(x):
            n = int(np.count_nonzero(row))
            if n:
                out[i, -n:] = row[:n]
        return out


def make_vectorizer(train_texts, max_tokens, seq_len):
    layer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=seq_len)
    layer.adapt(list(train_texts))
    return _FrontPadded(layer)
'''

# A softmax over a single unit is identically 1: the binary model can never learn.
LSTM_SOFTMAX_ON_ONE_UNIT = """
def build_lstm_classifier(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3, bidirectional=False):
    lstm = keras.layers.LSTM(units)
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True),
        keras.layers.Bidirectional(lstm) if bidirectional else lstm,
        keras.layers.Dropout(dropout),
        keras.layers.Dense(1 if num_classes == 2 else num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam",
                  loss="binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""

# The multi-label recipe on a single-label task: one independent sigmoid per class, binary cross-entropy.
STACKED_SIGMOID_PER_CLASS = """
def build_stacked_bilstm(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3):
    inputs = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True)(inputs)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(h)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Bidirectional(keras.layers.LSTM(units))(h)
    h = keras.layers.Dropout(dropout)(h)
    outputs = keras.layers.Dense(num_classes, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
"""

# The vocabulary sees the test set: its words are no longer out of vocabulary.
VOCABULARY_FROM_TEST_DATA = """
def make_vectorizer(train_texts, max_tokens, seq_len):
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=seq_len)
    vectorizer.adapt(list(train_texts) + list(test.texts))
    return vectorizer
"""

# Stops early but keeps the weights of the last (worse) epoch.
EARLY_STOPPING_KEEPS_LAST_WEIGHTS = """
def fit_with_early_stopping(model, x_train, y_train, x_val, y_val, epochs=20, batch_size=64, patience=2,
                            callbacks=()):
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    return model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch_size,
                     callbacks=[stop, *callbacks], verbose=0)
"""

INTERPOLATED_PERCENTILE = """
def choose_seq_len(lengths, coverage=0.9):
    return int(np.percentile(lengths, 100 * coverage))
"""

MICRO_F1 = """
def macro_f1(y_true, y_pred, num_classes):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))  # micro F1 = accuracy
"""

# Correct, written differently: quantile, hand-built vocabulary, functional and Sequential models swapped,
# keyword arguments everywhere, F1 from a confusion matrix.
ALTERNATIVES = {
    "choose_seq_len": """
def choose_seq_len(lengths, coverage=0.9):
    return int(np.quantile(np.asarray(lengths), coverage, method="inverted_cdf"))
""",
    "make_vectorizer": """
from collections import Counter


def make_vectorizer(train_texts, max_tokens, seq_len):
    counts = Counter(word for text in train_texts for word in text.lower().split())
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][: max_tokens - 2]
    return keras.layers.TextVectorization(output_sequence_length=seq_len, vocabulary=words)
""",
    "build_lstm_classifier": """
def build_lstm_classifier(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3, bidirectional=False):
    tokens = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(input_dim=vocab_size, output_dim=embed_dim, mask_zero=True)(tokens)
    rnn = keras.layers.LSTM(units=units)
    state = keras.layers.Bidirectional(rnn, merge_mode="concat")(vectors) if bidirectional else rnn(vectors)
    state = keras.layers.Dropout(rate=dropout)(state)
    if num_classes == 2:
        probs, loss = keras.layers.Dense(1, activation="sigmoid")(state), keras.losses.BinaryCrossentropy()
    else:
        probs = keras.layers.Dense(num_classes, activation="softmax")(state)
        loss = keras.losses.SparseCategoricalCrossentropy()
    model = keras.Model(tokens, probs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss=loss, metrics=["accuracy"])
    return model
""",
    "build_stacked_bilstm": """
def build_stacked_bilstm(vocab_size, num_classes, embed_dim=64, units=32, dropout=0.3):
    out_units, act = (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")
    model = keras.Sequential()
    model.add(keras.Input((None,), dtype="int32"))
    model.add(keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True))
    model.add(keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True)))
    model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Bidirectional(keras.layers.LSTM(units)))
    model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(out_units, activation=act))
    model.compile("adam", "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
""",
    "fit_with_early_stopping": """
def fit_with_early_stopping(model, x_train, y_train, x_val, y_val, epochs=20, batch_size=64, patience=2,
                            callbacks=()):
    everything = list(callbacks)
    everything.insert(0, keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True))
    return model.fit(x=x_train, y=y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                     callbacks=everything, validation_data=(x_val, y_val))
""",
    "macro_f1": """
def macro_f1(y_true, y_pred, num_classes):
    cm = np.bincount(num_classes * np.asarray(y_true) + np.asarray(y_pred),
                     minlength=num_classes**2).reshape(num_classes, num_classes)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    return float(np.mean(np.divide(2 * tp, denom, out=np.zeros(num_classes), where=denom > 0)))
""",
}

VARIANTS = [
    combine(
        Variant("lstm_mask_dropped", {"build_lstm_classifier": LSTM_NO_MASK}, loses=["test_build_lstm_classifier"]),
        Variant("stacked_mask_dropped", {"build_stacked_bilstm": STACKED_NO_MASK}, loses=["test_build_stacked_bilstm"]),
    ),
    # One mistake across two functions: padding in front, and a model without a mask to match.
    Variant(
        "padding_in_front_without_mask",
        {"make_vectorizer": VECTORIZER_PADS_IN_FRONT, "build_lstm_classifier": LSTM_NO_MASK},
        loses=["test_make_vectorizer", "test_build_lstm_classifier"],
    ),
    combine(
        Variant(
            "binary_softmax_on_one_unit",
            {"build_lstm_classifier": LSTM_SOFTMAX_ON_ONE_UNIT},
            loses=["test_build_lstm_classifier"],
        ),
        Variant(
            "sigmoid_per_class",
            {"build_stacked_bilstm": STACKED_SIGMOID_PER_CLASS},
            loses=["test_build_stacked_bilstm"],
        ),
    ),
    combine(
        Variant(
            "vocabulary_adapted_on_test_data",
            {"make_vectorizer": VOCABULARY_FROM_TEST_DATA},
            loses=["test_make_vectorizer"],
        ),
        Variant(
            "early_stopping_keeps_last_weights",
            {"fit_with_early_stopping": EARLY_STOPPING_KEEPS_LAST_WEIGHTS},
            loses=["test_fit_with_early_stopping"],
        ),
        Variant("interpolated_percentile", {"choose_seq_len": INTERPOLATED_PERCENTILE}, loses=["test_choose_seq_len"]),
        Variant("micro_f1", {"macro_f1": MICRO_F1}, loses=["test_macro_f1"]),
    ),
    Variant("all_correct_written_differently", ALTERNATIVES, loses=[]),
]
