"""Catalogue of notebook 09 (the GRU in NumPy, truncated BPTT, perplexity, n-grams, sampling): typical mistakes
lose points, other correct ways do not.

Every autograde runs the whole notebook (Keras, PyTorch, two short training runs), so mistakes in functions whose
tests cells do not use each other share one submission. ``gru_forward`` calls ``gru_step_forward``, and
``train_epoch`` calls ``tbptt_windows``, so a wrong step and a wrong window never share a submission with a
mistake of the function built on them. The three ways of getting the hidden state wrong are in the same solution
cell and are graded one by one.
"""

from tests.catalogue import Variant, combine

# --- the GRU --------------------------------------------------------------------------------------------

GRU_STEP_HEAD = """
def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    a = x @ Wx + bx
    b = h_prev @ Wh + bh
    r = sigmoid(a[:, :H] + b[:, :H])
    z = sigmoid(a[:, H : 2 * H] + b[:, H : 2 * H])
"""

RESET_BEFORE_MATMUL = (
    GRU_STEP_HEAD
    + """
    # the original GRU (Keras reset_after=False): reset h_prev, then multiply
    n = np.tanh(a[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + bh[2 * H :])
    return (1.0 - z) * n + z * h_prev
"""
)

UPDATE_GATE_SWAPPED = (
    GRU_STEP_HEAD
    + """
    n = np.tanh(a[:, 2 * H :] + r * b[:, 2 * H :])
    return z * n + (1.0 - z) * h_prev  # z used as 1 - z
"""
)

GATE_ORDER_KERAS = """
def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    H = h_prev.shape[1]
    a = x @ Wx + bx
    b = h_prev @ Wh + bh
    z = sigmoid(a[:, :H] + b[:, :H])  # Keras' order z, r, n instead of r, z, n
    r = sigmoid(a[:, H : 2 * H] + b[:, H : 2 * H])
    n = np.tanh(a[:, 2 * H :] + r * b[:, 2 * H :])
    return (1.0 - z) * n + z * h_prev
"""

GRU_STEP_PER_GATE = """
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    Wxr, Wxz, Wxn = np.split(Wx, 3, axis=1)
    Whr, Whz, Whn = np.split(Wh, 3, axis=1)
    bxr, bxz, bxn = np.split(bx, 3)
    bhr, bhz, bhn = np.split(bh, 3)
    r = sigmoid(x @ Wxr + bxr + h_prev @ Whr + bhr)
    z = sigmoid(x @ Wxz + bxz + h_prev @ Whz + bhz)
    n = np.tanh(x @ Wxn + bxn + r * (h_prev @ Whn + bhn))
    return n + z * (h_prev - n)
"""

GRU_FORWARD_STACKED = """
def gru_forward(x, h0, Wx, Wh, bx, bh):
    states, h = [], h0
    for x_t in np.moveaxis(x, 1, 0):
        h = gru_step_forward(x_t, h, Wx, Wh, bx, bh)
        states.append(h)
    return np.stack(states, axis=1)
"""

GRU_FORWARD_RETURNS_INPUT_STATE = """
def gru_forward(x, h0, Wx, Wh, bx, bh):
    states, h = [], h0
    for t in range(x.shape[1]):
        states.append(h)  # the state BEFORE step t
        h = gru_step_forward(x[:, t], h, Wx, Wh, bx, bh)
    return np.stack(states, axis=1)
"""

# --- batching and truncated BPTT --------------------------------------------------------------------------

BATCHIFY = """
def batchify(ids, batch_size):
    ids = np.asarray(ids)
    length = len(ids) // batch_size
    return ids[: batch_size * length].reshape(batch_size, length)
"""

TARGETS_NOT_SHIFTED = (
    BATCHIFY
    + """

def tbptt_windows(data, steps):
    length = data.shape[1]
    return [(data[:, i : min(i + steps, length - 1)], data[:, i : min(i + steps, length - 1)])  # y = x
            for i in range(0, length - 1, steps)]
"""
)

BATCHIFY_STRIDED = """
def batchify(ids, batch_size):
    ids = np.asarray(ids)
    length = len(ids) // batch_size
    return ids[: batch_size * length].reshape(length, batch_size).T  # every b-th id: rows are not contiguous


def tbptt_windows(data, steps):
    length = data.shape[1]
    return [(data[:, i : min(i + steps, length - 1)], data[:, i + 1 : min(i + 1 + steps, length)])
            for i in range(0, length - 1, steps)]
"""

BATCHING_GENERATOR = """
def batchify(ids, batch_size):
    return np.array(np.split(np.asarray(ids)[: len(ids) // batch_size * batch_size], batch_size))


def tbptt_windows(data, steps):
    windows, i = [], 0
    while i < data.shape[1] - 1:
        s = min(steps, data.shape[1] - 1 - i)
        windows.append((data[:, i : i + s], data[:, i + 1 : i + 1 + s]))
        i += s
    return windows
"""

EPOCH_HEAD = """
def train_epoch(model, data, steps, optimizer, max_norm=1.0, bar=None):
    model.train()
    state, losses = None, []
    for x, y in tbptt_windows(data, steps):
"""

EPOCH_TAIL = """
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward({backward})
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.item())
    return losses
"""

NOT_DETACHED = (
    EPOCH_HEAD
    + "        logits, state = model(x, state)  # the state keeps the whole history's graph\n"
    + EPOCH_TAIL.format(backward="")
)

NOT_DETACHED_RETAIN_GRAPH = (
    EPOCH_HEAD + "        logits, state = model(x, state)\n" + EPOCH_TAIL.format(backward="retain_graph=True")
)  # no error, but gradients flow through every earlier window

STATE_RESET_EVERY_WINDOW = (
    EPOCH_HEAD + "        logits, _ = model(x)  # starts every window from zeros\n" + EPOCH_TAIL.format(backward="")
)

NO_CLIPPING = """
def train_epoch(model, data, steps, optimizer, max_norm=1.0, bar=None):
    state, losses = None, []
    for x, y in tbptt_windows(data, steps):
        if state is not None:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        logits, state = model(x, state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()  # max_norm ignored
        losses.append(loss.item())
    return losses
"""

EPOCH_DETACH_VIA_DATA = """
def train_epoch(model, data, steps, optimizer, max_norm=1.0, bar=None):
    state, losses = None, []
    for x, y in tbptt_windows(data, steps):
        if isinstance(state, tuple):
            state = (state[0].data, state[1].data)
        elif state is not None:
            state = state.data
        logits, state = model(x, state)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum") / y.numel()
        model.zero_grad()
        loss.backward()
        if max_norm:
            torch.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm)
        optimizer.step()
        losses.append(float(loss))
    return losses
"""

# --- cross-entropy, n-grams, sampling, units -----------------------------------------------------------------

CE_HELPERS = """

def perplexity(nll):
    return float(np.exp(nll))


def bits_per_character(nll):
    return float(nll / np.log(2.0))
"""

PERPLEXITY_PER_SEQUENCE = (
    """
def masked_cross_entropy(logits, targets, mask):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, np.asarray(targets)[..., None], axis=-1)[..., 0]
    mask = np.asarray(mask, dtype=np.float64)
    return float(np.mean(-(picked * mask).sum(axis=1) / mask.sum(axis=1)))  # mean of per-sequence means
"""
    + CE_HELPERS
)

CE_UNSTABLE = (
    """
def masked_cross_entropy(logits, targets, mask):
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)  # overflows for large logits
    picked = np.take_along_axis(probs, np.asarray(targets)[..., None], axis=-1)[..., 0]
    mask = np.asarray(mask, dtype=np.float64)
    return float(-(np.log(picked) * mask).sum() / mask.sum())
"""
    + CE_HELPERS
)

CE_LOGSUMEXP = """
from scipy.special import logsumexp


def masked_cross_entropy(logits, targets, mask):
    keep = np.asarray(mask).astype(bool)
    rows = np.asarray(logits, dtype=np.float64)[keep]
    return float(np.mean(logsumexp(rows, axis=-1) - rows[np.arange(len(rows)), np.asarray(targets)[keep]]))


def perplexity(nll):
    return float(2.0 ** (nll / np.log(2.0)))


def bits_per_character(nll):
    return float(np.log2(np.exp(nll)))
"""

ADDK_DENOMINATOR_WITHOUT_V = """
def addk_log_probs(train_ids, eval_ids, n, k, vocab_size):
    from collections import Counter

    grams = Counter(tuple(train_ids[i : i + n]) for i in range(len(train_ids) - n + 1))
    contexts = Counter(tuple(train_ids[i : i + n - 1]) for i in range(len(train_ids) - n + 1))
    return np.log([(grams[tuple(eval_ids[j : j + n])] + k) / (contexts[tuple(eval_ids[j : j + n - 1])] + k)
                   for j in range(len(eval_ids) - n + 1)])  # + k, not + k V: probabilities do not sum to 1
"""

ADDK_DICTIONARIES = """
def addk_log_probs(train_ids, eval_ids, n, k, vocab_size):
    from collections import Counter, defaultdict

    grams, contexts = Counter(), defaultdict(int)
    for i in range(len(train_ids) - n + 1):
        gram = tuple(int(c) for c in train_ids[i : i + n])
        grams[gram] += 1
        contexts[gram[:-1]] += 1
    out = []
    for j in range(len(eval_ids) - n + 1):
        gram = tuple(int(c) for c in eval_ids[j : j + n])
        out.append(np.log(grams[gram] + k) - np.log(contexts[gram[:-1]] + k * vocab_size))
    return np.array(out)
"""

TEMPERATURE_AFTER_SOFTMAX = """
def next_char_probs(logits, temperature=1.0, top_k=None):
    scaled = np.asarray(logits, dtype=np.float64).copy()
    if top_k is not None:
        scaled[np.argsort(scaled)[:-top_k]] = -np.inf
    p = np.exp(scaled - scaled.max())
    p = p / p.sum() / temperature  # temperature applied to the probabilities
    return p / p.sum()
"""

TOP_K_NOT_RENORMALISED = """
def next_char_probs(logits, temperature=1.0, top_k=None):
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    p = np.exp(scaled - scaled.max())
    p = p / p.sum()
    if top_k is not None:
        p[np.argsort(p)[:-top_k]] = 0.0  # the kept probabilities no longer sum to 1
    return p
"""

NEXT_CHAR_PARTITION = """
def next_char_probs(logits, temperature=1.0, top_k=None):
    z = np.array(logits, dtype=np.float64) / temperature
    if top_k is not None and top_k < len(z):
        threshold = np.partition(z, -top_k)[-top_k]
        z = np.where(z >= threshold, z, -np.inf)
    z -= z.max()
    return np.exp(z) / np.exp(z).sum()
"""

GENERATE_IGNORES_PROMPT = """
def generate(model, prompt_ids, n_chars, temperature=1.0, top_k=None, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(np.asarray(prompt_ids)[-1:], dtype=torch.int64)[None])  # last char only
        for _ in range(n_chars):
            probs = next_char_probs(logits[0, -1].double().numpy(), temperature, top_k)
            nxt = int(rng.choice(len(probs), p=probs))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]]), state)
    return np.array(out, dtype=np.int64)
"""

GENERATE_REREADS_EVERYTHING = """
def generate(model, prompt_ids, n_chars, temperature=1.0, top_k=None, seed=0):
    rng = np.random.default_rng(seed)
    seq = [int(i) for i in prompt_ids]
    model.eval()
    for _ in range(n_chars):
        with torch.no_grad():
            logits, _ = model(torch.tensor([seq]))  # the whole text again: slower, but the same distribution
        probs = next_char_probs(logits[0, -1].double().numpy(), temperature, top_k)
        seq.append(int(rng.choice(len(probs), p=probs)))
    return np.array(seq[len(prompt_ids) :], dtype=np.int64)
"""

CORRELATION_NOT_CENTRED = """
def unit_correlations(activations, feature):
    a = np.asarray(activations, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    denominator = np.sqrt((a**2).sum(axis=0) * (f**2).sum())  # cosine similarity, not a correlation
    return np.divide(a.T @ f, denominator, out=np.zeros(a.shape[1]), where=denominator > 0)
"""

CORRELATION_CORRCOEF = """
def unit_correlations(activations, feature):
    out = np.zeros(np.shape(activations)[1])
    for u in range(len(out)):
        column = np.asarray(activations)[:, u]
        if np.std(column) > 0 and np.std(feature) > 0:
            out[u] = np.corrcoef(column, feature)[0, 1]
    return out
"""

VARIANTS = [
    # 1: the GRU's reset gate applied before the matrix product, with independent mistakes elsewhere
    combine(
        Variant(
            "gru_reset_before_matmul",
            {"gru_step_forward": RESET_BEFORE_MATMUL},
            loses=["test_gru_step", "test_gru_forward"],
        ),
        Variant("targets_not_shifted", {"batching": TARGETS_NOT_SHIFTED}, loses=["test_batching"]),
        Variant("perplexity_per_sequence", {"cross_entropy": PERPLEXITY_PER_SEQUENCE}, loses=["test_cross_entropy"]),
        Variant(
            "temperature_after_softmax", {"next_char_probs": TEMPERATURE_AFTER_SOFTMAX}, loses=["test_next_char_probs"]
        ),
        Variant(
            "correlation_not_centred", {"unit_correlations": CORRELATION_NOT_CENTRED}, loses=["test_unit_correlations"]
        ),
    ),
    # 2: update gate used as 1 - z; the hidden state not detached (the second backward fails)
    combine(
        Variant(
            "gru_update_gate_swapped",
            {"gru_step_forward": UPDATE_GATE_SWAPPED},
            loses=["test_gru_step", "test_gru_forward"],
        ),
        Variant("hidden_state_not_detached", {"train_epoch": NOT_DETACHED}, loses=["test_train_epoch"]),
        Variant("addk_denominator_without_v", {"ngram": ADDK_DENOMINATOR_WITHOUT_V}, loses=["test_ngram"]),
        Variant("generate_ignores_prompt", {"generate": GENERATE_IGNORES_PROMPT}, loses=["test_generate"]),
        Variant("cross_entropy_overflows", {"cross_entropy": CE_UNSTABLE}, loses=["test_cross_entropy"]),
    ),
    # 3: not detached but retain_graph=True (runs, gradients wrong); gate order of Keras; top-k not renormalised
    combine(
        Variant("not_detached_retain_graph", {"train_epoch": NOT_DETACHED_RETAIN_GRAPH}, loses=["test_train_epoch"]),
        Variant(
            "gate_order_z_r_n", {"gru_step_forward": GATE_ORDER_KERAS}, loses=["test_gru_step", "test_gru_forward"]
        ),
        Variant("top_k_not_renormalised", {"next_char_probs": TOP_K_NOT_RENORMALISED}, loses=["test_next_char_probs"]),
    ),
    # 4: the state restarted from zeros in every window; rows of every b-th character; gru_forward off by one
    combine(
        Variant("state_reset_every_window", {"train_epoch": STATE_RESET_EVERY_WINDOW}, loses=["test_train_epoch"]),
        Variant(
            "gru_forward_returns_previous_state",
            {"gru_forward": GRU_FORWARD_RETURNS_INPUT_STATE},
            loses=["test_gru_forward"],
        ),
    ),
    combine(
        Variant("no_gradient_clipping", {"train_epoch": NO_CLIPPING}, loses=["test_train_epoch"]),
        Variant("batchify_strided_rows", {"batching": BATCHIFY_STRIDED}, loses=["test_batching"]),
    ),
    # correct, written differently: full marks
    combine(
        Variant("gru_step_per_gate", {"gru_step_forward": GRU_STEP_PER_GATE}),
        Variant("gru_forward_stacked", {"gru_forward": GRU_FORWARD_STACKED}),
        Variant("batching_split_and_while", {"batching": BATCHING_GENERATOR}),
        Variant("epoch_detach_via_data", {"train_epoch": EPOCH_DETACH_VIA_DATA}),
        Variant("cross_entropy_logsumexp", {"cross_entropy": CE_LOGSUMEXP}),
        Variant("addk_dictionaries", {"ngram": ADDK_DICTIONARIES}),
        Variant("next_char_partition", {"next_char_probs": NEXT_CHAR_PARTITION}),
        Variant("generate_rereads_everything", {"generate": GENERATE_REREADS_EVERYTHING}),
        Variant("correlation_corrcoef", {"unit_correlations": CORRELATION_CORRCOEF}),
    ),
]
