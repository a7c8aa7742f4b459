"""Catalogue of notebook 10 (encoder-decoder LSTMs and attention): typical mistakes lose points, other correct
ways do not.

Every autograde runs the whole notebook (a short training run of two models in fast mode), so mistakes in
functions whose tests cells do not use each other are graded together in one submission: the tests of the
decoder use the decoder's own attention module as their reference, and greedy decoding and beam search are
tested on a scripted model, so each of these mistakes still has to lose its own tests cell's points.
"""

from tests.catalogue import Variant, combine

# --- the mistakes the issue names -------------------------------------------------------------------------

SHIFT = """
def shift_targets(y, lengths):
    N, T = y.shape
    dec_in = torch.full((N, T + 1), PAD, dtype=torch.int64)
    dec_target = torch.full((N, T + 1), PAD, dtype=torch.int64)
    {inputs}
    dec_target[:, :T] = y
    {end}
    return dec_in, dec_target
"""
NO_SHIFT = Variant(
    "no_teacher_forcing_shift",
    {
        "shift_targets": SHIFT.format(
            inputs="dec_in[:, :T] = y  # the input at step t is the target of step t: nothing to predict",
            end="dec_target[torch.arange(N), lengths] = EOS",
        )
    },
    loses=["test_shift_targets"],
)
NO_END_TOKEN = Variant(
    "end_token_never_emitted",
    {
        "shift_targets": SHIFT.format(
            inputs="dec_in[:, 0] = BOS\n    dec_in[:, 1:] = y", end="pass  # no EOS: the model never learns to stop"
        )
    },
    loses=["test_shift_targets"],
)

ATTENTION = """
class Attention(nn.Module):
    def __init__(self, query_size, key_size):
        super().__init__()
        self.W = nn.Linear(query_size, key_size, bias=False)

    def forward(self, query, keys, mask):
        scores = torch.bmm(keys, self.W(query).unsqueeze(2)).squeeze(2)
        weights = {weights}
        return torch.bmm(weights.unsqueeze(1), keys).squeeze(1), weights
"""
SOFTMAX_WRONG_AXIS = Variant(
    "attention_softmax_over_the_batch",
    {"Attention": ATTENTION.format(weights='torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=0)')},
    loses=["test_Attention"],
)
PADDING_NOT_MASKED = Variant(
    "attention_scores_not_masked",
    {"Attention": ATTENTION.format(weights="torch.softmax(scores, dim=1)  # padded positions get weight too")},
    loses=["test_Attention"],
)

BEAM = """
def beam_search(model, src, length, beam_width=3, max_len=80, alpha=1.0):
    with torch.no_grad():
        keys, mask, state, context = model.encode(src, length)
        hyps, totals = [[]], torch.zeros(1)
        finished = []
        for _ in range(max_len):
            n = len(hyps)
            y = torch.tensor([h[-1] if h else BOS for h in hyps])
            logits, state, context, _ = model.step(y, state, context, keys.expand(n, -1, -1), mask.expand(n, -1))
            candidates = (totals[:, None] + torch.log_softmax(logits, dim=1)).flatten()
            vocab = logits.shape[1]
            best = torch.topk(candidates, beam_width - len(finished)).indices
            keep_rows, new_hyps, new_totals = [], [], []
            for index in best.tolist():
                row, token = divmod(index, vocab)
                if token == EOS:
                    finished.append(({score}, hyps[row]))
                else:
                    keep_rows.append(row)
                    new_hyps.append(hyps[row] + [token])
                    new_totals.append(candidates[index])
            if len(finished) >= beam_width or not new_hyps:
                break
            rows = torch.tensor(keep_rows)
            state = tuple(s[rows] for s in state)
            context = context[rows]
            hyps, totals = new_hyps, torch.stack(new_totals)
    if not finished:
        return hyps[int(torch.argmax(totals))]
    return max(finished, key=lambda f: f[0])[1]
"""
BEAM_NO_LENGTH_NORM = Variant(
    "beam_search_without_length_normalisation",
    {"beam_search": BEAM.format(score="candidates[index].item()")},
    loses=["test_beam_search"],
)
BEAM_NORM_WITHOUT_EOS = Variant(
    "beam_search_length_without_the_end_token",
    {"beam_search": BEAM.format(score="candidates[index].item() / max(len(hyps[row]), 1) ** alpha")},
    loses=["test_beam_search"],
)

GREEDY = """
def greedy_decode(model, src, lengths, max_len):
    with torch.no_grad():
        keys, mask, state, context = model.encode(src, lengths)
        y = torch.full((src.shape[0],), BOS, dtype=torch.int64)
        outputs, all_weights = [], []
        for _ in range(max_len):
            logits, state, context, weights = model.step({feed}, state, context, keys, mask)
            y = logits.argmax(dim=1)
            outputs.append(y)
            all_weights.append(weights)
            {stop}
    tokens = [{cut} for row in torch.stack(outputs, dim=1).tolist()]
    return tokens, None if all_weights[0] is None else torch.stack(all_weights, dim=1)
"""
# Keeps the EOS and whatever follows it, and runs max_len steps.
GREEDY_IGNORES_EOS = Variant(
    "greedy_never_stops_at_the_end_token",
    {"greedy_decode": GREEDY.format(feed="y", stop="pass  # runs max_len steps", cut="row")},
    loses=["test_greedy_decode"],
)
# Feeds BOS at every step instead of its own prediction.
GREEDY_FEEDS_BOS = Variant(
    "greedy_feeds_the_start_token_every_step",
    {
        "greedy_decode": GREEDY.format(
            feed="torch.full_like(y, BOS)",
            stop="if (torch.stack(outputs, 1) == EOS).any(1).all():\n                break",
            cut="row[: row.index(EOS)] if EOS in row else row",
        )
    },
    loses=["test_greedy_decode"],
)

# --- further mistakes --------------------------------------------------------------------------------------

LOSS_UNMASKED = Variant(
    "loss_averages_over_padding",
    {
        "sequence_loss": """
def sequence_loss(logits, targets):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
"""
    },
    loses=["test_sequence_loss"],
)

ENCODER = """
class Encoder(nn.Module):
    def __init__(self, vocab_size, embedding_size=32, hidden_size=48):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, src, lengths):
        mask = torch.arange(src.shape[1])[None, :] < lengths[:, None]
        {body}
"""
ENCODER_UNPACKED = Variant(
    "encoder_reads_the_padding",
    {
        "Encoder": ENCODER.format(
            body="""keys, (h, c) = self.lstm(self.embedding(src))  # the backward direction starts on the padding
        return keys * mask[..., None], mask, (torch.cat([h[0], h[1]], 1), torch.cat([c[0], c[1]], 1))"""
        )
    },
    loses=["test_Encoder"],
)

DECODER = """
class Decoder(nn.Module):
    def __init__(self, vocab_size, embedding_size, hidden_size, key_size, attention=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.cell = nn.LSTMCell(embedding_size + key_size, hidden_size)
        self.attention = Attention(hidden_size, key_size) if attention else None
        self.out = nn.Linear(hidden_size + key_size, vocab_size)

    def step(self, y_prev, state, context, keys, mask):
        {step}

    def forward(self, dec_in, state, context, keys, mask):
        all_logits, all_weights = [], []
        y = dec_in[:, 0]
        for t in range(dec_in.shape[1]):
            logits, state, context, weights = self.step({feed}, state, context, keys, mask)
            y = logits.argmax(1)
            all_logits.append(logits)
            all_weights.append(weights)
        weights = None if self.attention is None else torch.stack(all_weights, dim=1)
        return torch.stack(all_logits, dim=1), weights
"""
STEP = """h, c = self.cell(torch.cat([self.embedding(y_prev), context], dim=1), state)
        weights = None
        if self.attention is not None:
            context, weights = self.attention({query}, keys, mask)
        return self.out(torch.cat([h, context], dim=1)), (h, c), context, weights"""
DECODER_OLD_QUERY = Variant(
    "decoder_attends_with_the_previous_state",
    {"Decoder": DECODER.format(step=STEP.format(query="state[0]"), feed="dec_in[:, t]")},
    loses=["test_Decoder"],
)
# forward feeds back its own predictions instead of the given decoder inputs.
DECODER_NO_TEACHER_FORCING = Variant(
    "decoder_forward_feeds_its_own_predictions",
    {"Decoder": DECODER.format(step=STEP.format(query="h"), feed="y")},
    loses=["test_Decoder"],
)

# --- correct, written differently ----------------------------------------------------------------------------

SHIFT_CAT = """
def shift_targets(y, lengths):
    N, T = y.shape
    dec_in = torch.cat([torch.full((N, 1), BOS, dtype=torch.int64), y.long()], dim=1)
    positions = torch.arange(T + 1)[None, :]
    padded = torch.cat([y.long(), torch.full((N, 1), PAD, dtype=torch.int64)], dim=1)
    dec_target = torch.where(positions == lengths[:, None], torch.full_like(padded, EOS), padded)
    dec_target = torch.where(positions > lengths[:, None], torch.full_like(padded, PAD), dec_target)
    return dec_in, dec_target
"""

LOSS_BY_HAND = """
def sequence_loss(logits, targets):
    logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    mask = (targets != PAD).to(logp.dtype)
    return -(logp * mask).sum() / mask.sum()
"""

ENCODER_LOOP_FREE_INDEXING = """
class Encoder(nn.Module):
    def __init__(self, vocab_size, embedding_size=32, hidden_size=48):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, src, lengths):
        T = src.shape[1]
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        keys, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=T)
        mask = torch.arange(T).unsqueeze(0).expand(len(src), T) < lengths.unsqueeze(1)
        H = keys.shape[-1] // 2
        last = keys[torch.arange(len(src)), lengths - 1, :H]  # forward direction at the last real step
        first = keys[:, 0, H:]  # backward direction at step 0
        _, (h_n, c_n) = self.lstm(packed)
        return keys, mask, (torch.cat([last, first], dim=1), c_n.transpose(0, 1).reshape(len(src), -1))
"""

ATTENTION_EINSUM = """
class Attention(nn.Module):
    def __init__(self, query_size, key_size):
        super().__init__()
        self.W = nn.Linear(query_size, key_size, bias=False)

    def forward(self, query, keys, mask):
        scores = torch.einsum("nk,ntk->nt", self.W(query), keys)
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
        weights = torch.exp(scores - scores.max(dim=1, keepdim=True).values) * mask
        weights = weights / weights.sum(dim=1, keepdim=True)
        return torch.einsum("nt,ntk->nk", weights, keys), weights
"""

DECODER_LISTS = """
class Decoder(nn.Module):
    def __init__(self, vocab_size, embedding_size, hidden_size, key_size, attention=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.cell = nn.LSTMCell(embedding_size + key_size, hidden_size)
        self.attention = Attention(hidden_size, key_size) if attention else None
        self.out = nn.Linear(hidden_size + key_size, vocab_size)

    def step(self, y_prev, state, context, keys, mask):
        x = torch.cat((self.embedding(y_prev), context), dim=-1)
        h, c = self.cell(x, state)
        if self.attention is None:
            return self.out(torch.cat((h, context), dim=-1)), (h, c), context, None
        new_context, weights = self.attention(h, keys, mask)
        return self.out(torch.cat((h, new_context), dim=-1)), (h, c), new_context, weights

    def forward(self, dec_in, state, context, keys, mask):
        steps = [None] * dec_in.shape[1]
        for t in range(dec_in.shape[1]):
            logits, state, context, weights = self.step(dec_in[:, t], state, context, keys, mask)
            steps[t] = (logits, weights)
        logits = torch.stack([s[0] for s in steps], 1)
        if self.attention is None:
            return logits, None
        return logits, torch.stack([s[1] for s in steps], 1)
"""

GREEDY_PER_ROW_LENGTHS = """
def greedy_decode(model, src, lengths, max_len):
    N = src.shape[0]
    with torch.no_grad():
        keys, mask, state, context = model.encode(src, lengths)
        y = torch.full((N,), BOS, dtype=torch.long)
        tokens, ended, weights_seen = [[] for _ in range(N)], [False] * N, []
        for _ in range(max_len):
            logits, state, context, w = model.step(y, state, context, keys, mask)
            y = logits.argmax(-1)
            weights_seen.append(w)
            for i, token in enumerate(y.tolist()):
                if not ended[i]:
                    if token == EOS:
                        ended[i] = True
                    else:
                        tokens[i].append(token)
            if all(ended):
                break
    if weights_seen[0] is None:
        return tokens, None
    return tokens, torch.stack(weights_seen, dim=1)
"""

BEAM_HEAPQ = """
import heapq


def beam_search(model, src, length, beam_width=3, max_len=80, alpha=1.0):
    with torch.no_grad():
        keys, mask, state, context = model.encode(src, length)
        # each hypothesis: (total log-probability, tokens, its state row)
        beams = [(0.0, [], (state[0][0], state[1][0]), context[0])]
        done = []
        for _ in range(max_len):
            k = len(beams)
            y = torch.tensor([b[1][-1] if b[1] else BOS for b in beams])
            st = (torch.stack([b[2][0] for b in beams]), torch.stack([b[2][1] for b in beams]))
            ctx = torch.stack([b[3] for b in beams])
            logits, (h, c), ctx, _ = model.step(y, st, ctx, keys.repeat(k, 1, 1), mask.repeat(k, 1))
            logp = torch.log_softmax(logits, dim=-1)
            options = []
            for r, b in enumerate(beams):
                for token, lp in enumerate(logp[r].tolist()):
                    options.append((b[0] + lp, b[1], token, r))
            chosen = heapq.nlargest(beam_width - len(done), options, key=lambda o: o[0])
            beams = []
            for total, tokens, token, r in chosen:
                if token == EOS:
                    done.append((total / (len(tokens) + 1) ** alpha, tokens))
                else:
                    beams.append((total, tokens + [token], (h[r], c[r]), ctx[r]))
            if len(done) >= beam_width or not beams:
                break
    if done:
        return max(done, key=lambda d: d[0])[1]
    return max(beams, key=lambda b: b[0])[1]
"""

VARIANTS = [
    combine(NO_SHIFT, SOFTMAX_WRONG_AXIS, BEAM_NO_LENGTH_NORM, GREEDY_IGNORES_EOS, LOSS_UNMASKED, DECODER_OLD_QUERY),
    combine(NO_END_TOKEN, PADDING_NOT_MASKED, BEAM_NORM_WITHOUT_EOS, GREEDY_FEEDS_BOS, ENCODER_UNPACKED),
    DECODER_NO_TEACHER_FORCING,
    Variant(
        "every_function_written_differently",
        {
            "shift_targets": SHIFT_CAT,
            "sequence_loss": LOSS_BY_HAND,
            "Encoder": ENCODER_LOOP_FREE_INDEXING,
            "Attention": ATTENTION_EINSUM,
            "Decoder": DECODER_LISTS,
            "greedy_decode": GREEDY_PER_ROW_LENGTHS,
            "beam_search": BEAM_HEAPQ,
        },
        loses=[],
    ),
]
