"""Catalogue of notebook 04 (LSTM backward): typical mistakes lose points, other correct ways do not."""

from tests.catalogue import Variant, combine

STEP_TESTS = ["test_lstm_step_backward", "test_lstm_backward", "test_lstm_backward_torch"]
SEQ_TESTS = ["test_lstm_backward", "test_lstm_backward_torch"]
PEEP_TESTS = ["test_peephole_lstm_step_backward"]


def step_backward(
    dc: str = "dc_next + dh_next * o * (1.0 - tanh_c**2)",
    dc_prev: str = "dc * f",
    sig: str = "{s} * (1.0 - {s})",
    tanh_g: str = "(1.0 - g**2)",
    order: str = "di, df, dg, do",
    db: str = "da.sum(axis=0)",
) -> str:
    """Source of lstm_step_backward with one piece replaced (the defaults give the correct function)."""
    return f"""
def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc = {dc}
    di = dc * g * {sig.format(s="i")}
    df = dc * c_prev * {sig.format(s="f")}
    dg = dc * i * {tanh_g}
    do = dh_next * tanh_c * {sig.format(s="o")}
    da = np.concatenate([{order}], axis=1)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dc_prev = {dc_prev}
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = {db}
    return dx, dh_prev, dc_prev, dWx, dWh, db
"""


def backward(
    step: str = "lstm_step_backward(dh[:, t] + dh_prev, dc_prev, cache[t])",
    accumulate: str = "dWx += dWx_t; dWh += dWh_t; db += db_t",
    dh0: str = "dh_prev",
) -> str:
    """Source of lstm_backward with one piece replaced (the defaults give the correct function)."""
    return f"""
def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dh_prev = np.zeros((N, H))
    dc_prev = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx[:, t], dh_prev, dc_prev, dWx_t, dWh_t, db_t = {step}
        {accumulate}
    return dx, {dh0}, dWx, dWh, db
"""


def peephole_backward(
    do: str = "dh_next * tanh_c * o * (1.0 - o)",
    dc: str = "dc_next + dh_next * o * (1.0 - tanh_c**2) + da_o * p[2]",
    dc_prev: str = "dc * f + da_i * p[0] + da_f * p[1]",
    dp: str = "[(da_i * c_prev).sum(axis=0), (da_f * c_prev).sum(axis=0), (da_o * c_next).sum(axis=0)]",
    returns: str = "dx, dh_prev, dc_prev, dWx, dWh, db, dp",
) -> str:
    """Source of peephole_lstm_step_backward with one piece replaced (the defaults give the correct one)."""
    return f"""
def peephole_lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, p, i, f, g, o, c_next = cache
    tanh_c = np.tanh(c_next)
    da_o = {do}
    dc = {dc}
    da_i = dc * g * i * (1.0 - i)
    da_f = dc * c_prev * f * (1.0 - f)
    da_g = dc * i * (1.0 - g**2)
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    dx, dh_prev, dWx, dWh, db = da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    dc_prev = {dc_prev}
    dp = np.stack({dp})
    return {returns}
"""


def peephole(name: str, source: str, wrong: bool = True) -> Variant:
    return Variant(name, {"peephole_lstm_step_backward": source}, loses=PEEP_TESTS if wrong else [])


_PLAIN_DC = "dc_next + dh_next * o * (1.0 - tanh_c**2)"
_PEEPHOLE_WRONG = [
    peephole("peep_dc_misses_output_peephole", peephole_backward(dc=_PLAIN_DC)),
    peephole("peep_dc_prev_misses_gate_peepholes", peephole_backward(dc_prev="dc * f")),
    peephole("peep_peepholes_ignored_in_dc_and_dc_prev", peephole_backward(dc=_PLAIN_DC, dc_prev="dc * f")),
    peephole(
        "peep_dp_input_forget_use_c_next",
        peephole_backward(dp="[(da_i * c_next).sum(0), (da_f * c_next).sum(0), (da_o * c_next).sum(0)]"),
    ),
    peephole(
        "peep_dp_output_uses_c_prev",
        peephole_backward(dp="[(da_i * c_prev).sum(0), (da_f * c_prev).sum(0), (da_o * c_prev).sum(0)]"),
    ),
    peephole(
        "peep_dp_averaged_over_batch",
        peephole_backward(dp="[(da_i * c_prev).mean(0), (da_f * c_prev).mean(0), (da_o * c_next).mean(0)]"),
    ),
    peephole(
        "peep_dp_rows_f_i_o",
        peephole_backward(dp="[(da_f * c_prev).sum(0), (da_i * c_prev).sum(0), (da_o * c_next).sum(0)]"),
    ),
    peephole("peep_output_gate_without_sigmoid_prime", peephole_backward(do="dh_next * tanh_c")),
    peephole("peep_dp_not_returned", peephole_backward(returns="dx, dh_prev, dc_prev, dWx, dWh, db")),
    peephole(
        "peep_plain_backward_and_zero_dp",
        """
def peephole_lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, p, i, f, g, o, c_next = cache
    plain = (x, h_prev, c_prev, Wx, Wh, i, f, g, o, np.tanh(c_next))
    return (*lstm_step_backward(dh_next, dc_next, plain), np.zeros_like(p))
""",
    ),
]
_PEEPHOLE_RIGHT = [
    peephole(
        "peep_reuses_lstm_step_backward",  # the o-peephole path handed to the plain step as extra dc_next
        """
def peephole_lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, p, i, f, g, o, c_next = cache
    tanh_c = np.tanh(c_next)
    da_o = dh_next * tanh_c * o * (1 - o)
    dc_in = dc_next + da_o * p[2]
    dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(
        dh_next, dc_in, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    )
    dc = dc_in + dh_next * o * (1 - tanh_c**2)
    da_i, da_f = dc * g * i * (1 - i), dc * c_prev * f * (1 - f)
    dp = np.array([np.sum(da_i * c_prev, axis=0), np.sum(da_f * c_prev, axis=0), np.sum(da_o * c_next, axis=0)])
    return dx, dh_prev, dc_prev + da_i * p[0] + da_f * p[1], dWx, dWh, db, dp
""",
        wrong=False,
    ),
    peephole(
        "peep_dict_cache_of_preactivations",  # the student's own forward and cache layout
        """
def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    H = h_prev.shape[1]
    z = x @ Wx + h_prev @ Wh + b
    z[:, : 2 * H] += np.tile(c_prev, 2) * p[:2].reshape(-1)
    c_next = sigmoid(z[:, H : 2 * H]) * c_prev + sigmoid(z[:, :H]) * np.tanh(z[:, 2 * H : 3 * H])
    z[:, 3 * H :] += p[2] * c_next
    h_next = sigmoid(z[:, 3 * H :]) * np.tanh(c_next)
    return h_next, c_next, {"z": z, "x": x, "h": h_prev, "c": c_prev, "c_next": c_next, "W": (Wx, Wh), "p": p}


def peephole_lstm_step_backward(dh_next, dc_next, cache):
    z, p, (Wx, Wh) = cache["z"], cache["p"], cache["W"]
    H = p.shape[1]
    s = sigmoid(z)
    i, f, o, g = s[:, :H], s[:, H : 2 * H], s[:, 3 * H :], np.tanh(z[:, 2 * H : 3 * H])
    tc = np.tanh(cache["c_next"])
    da = np.empty_like(z)
    da[:, 3 * H :] = dh_next * tc * o * (1 - o)
    dc = dc_next + dh_next * o * (1 - tc * tc) + da[:, 3 * H :] * p[2]
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H : 2 * H] = dc * cache["c"] * f * (1 - f)
    da[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
    seen = np.stack([cache["c"], cache["c"], cache["c_next"]])  # (3, N, H): what each peephole looks at
    gate_grads = np.stack([da[:, :H], da[:, H : 2 * H], da[:, 3 * H :]])
    dp = np.einsum("knh,knh->kh", gate_grads, seen)
    dc_prev = dc * f + np.einsum("knh,kh->nh", gate_grads[:2], p[:2])
    return da @ Wx.T, da @ Wh.T, dc_prev, cache["x"].T @ da, cache["h"].T @ da, da.sum(0), dp
""",
        wrong=False,
    ),
]

_SINGLE = [
    # ---- lstm_step_backward: wrong ----
    Variant(
        "step_dc_prev_only_forget_path", {"lstm_step_backward": step_backward(dc_prev="dc_next * f")}, loses=STEP_TESTS
    ),
    Variant(
        "step_no_tanh_prime_on_c", {"lstm_step_backward": step_backward(dc="dc_next + dh_next * o")}, loses=STEP_TESTS
    ),
    Variant(
        "step_sigmoid_prime_of_activation",  # sigmoid' applied to the stored activation
        {"lstm_step_backward": step_backward(sig="sigmoid({s}) * (1.0 - sigmoid({s}))")},
        loses=STEP_TESTS,
    ),
    Variant(
        "step_tanh_prime_of_activation",
        {"lstm_step_backward": step_backward(tanh_g="(1.0 - np.tanh(g) ** 2)")},
        loses=STEP_TESTS,
    ),
    Variant(
        "step_gates_wrong_order_ifog", {"lstm_step_backward": step_backward(order="di, df, do, dg")}, loses=STEP_TESTS
    ),
    Variant(
        "step_db_summed_over_wrong_axis", {"lstm_step_backward": step_backward(db="da.sum(axis=1)")}, loses=STEP_TESTS
    ),
    Variant("step_db_not_summed", {"lstm_step_backward": step_backward(db="da.mean(axis=0)")}, loses=STEP_TESTS),
    Variant(
        "step_no_return",
        {"lstm_step_backward": "def lstm_step_backward(dh_next, dc_next, cache):\n    pass\n"},
        loses=STEP_TESTS,
    ),
    # ---- lstm_step_backward: correct, written differently ----
    Variant(
        "step_one_concatenated_matmul",
        {
            "lstm_step_backward": """
def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    D = x.shape[1]
    dc = dc_next + dh_next * o * (1 - tanh_c * tanh_c)
    gates = np.hstack([i, f, g, o])
    upstream = np.hstack([dc * g, dc * c_prev, dc * i, dh_next * tanh_c])
    local = gates * (1 - gates)
    H = i.shape[1]
    local[:, 2 * H:3 * H] = 1 - g * g
    da = upstream * local
    W = np.vstack([Wx, Wh])                  # (D + H, 4H): [x, h] @ W is the same affine map
    dxh = da @ W.T
    dW = np.hstack([x, h_prev]).T @ da
    return dxh[:, :D], dxh[:, D:], dc * f, dW[:D], dW[D:], np.sum(da, axis=0)
"""
        },
    ),
    Variant(
        "cache_dict_with_preactivations",
        {
            "lstm_step_backward": """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    c_next = sigmoid(af) * c_prev + sigmoid(ai) * np.tanh(ag)
    h_next = sigmoid(ao) * np.tanh(c_next)
    return h_next, c_next, {"x": x, "h_prev": h_prev, "c_prev": c_prev, "c_next": c_next, "a": a, "Wx": Wx, "Wh": Wh}


def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    h, c = h0, (np.zeros_like(h0) if c0 is None else c0)
    hs, caches = [], []
    for t in range(x.shape[1]):
        h, c, step = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(step)
    return np.stack(hs, axis=1), {"steps": caches}


def lstm_step_backward(dh_next, dc_next, cache):
    a, H = cache["a"], cache["h_prev"].shape[1]
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    tc = np.tanh(cache["c_next"])
    dc = dc_next + dh_next * o * (1 - tc**2)
    da = np.concatenate([dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f),
                         dc * i * (1 - g**2), dh_next * tc * o * (1 - o)], axis=1)
    return (da @ cache["Wx"].T, da @ cache["Wh"].T, dc * f,
            cache["x"].T @ da, cache["h_prev"].T @ da, da.sum(axis=0))
""",
            "lstm_backward": """
def lstm_backward(dh, cache):
    steps = cache["steps"]
    dh_prev = np.zeros_like(dh[:, 0])
    dc_prev = np.zeros_like(dh[:, 0])
    dxs, grads = [], None
    for t in reversed(range(dh.shape[1])):
        dx_t, dh_prev, dc_prev, *g = lstm_step_backward(dh[:, t] + dh_prev, dc_prev, steps[t])
        dxs.insert(0, dx_t)
        grads = g if grads is None else [a + b for a, b in zip(grads, g)]
    return (np.stack(dxs, axis=1), dh_prev, *grads)
""",
        },
    ),
    # ---- lstm_backward: wrong ----
    Variant(
        "seq_not_accumulated_over_time",
        {"lstm_backward": backward(accumulate="dWx = dWx_t; dWh = dWh_t; db = db_t")},
        loses=SEQ_TESTS,
    ),
    Variant("seq_dh0_zeros", {"lstm_backward": backward(dh0="np.zeros_like(dh_prev)")}, loses=SEQ_TESTS),
    Variant(
        "seq_dh_from_later_steps_dropped",
        {"lstm_backward": backward(step="lstm_step_backward(dh[:, t], dc_prev, cache[t])")},
        loses=SEQ_TESTS,
    ),
    Variant(
        "seq_cell_gradient_dropped",
        {"lstm_backward": backward(step="lstm_step_backward(dh[:, t] + dh_prev, 0 * dc_prev, cache[t])")},
        loses=SEQ_TESTS,
    ),
    Variant(
        "seq_forward_in_time",
        {"lstm_backward": backward().replace("range(T - 1, -1, -1)", "range(T)")},
        loses=SEQ_TESTS,
    ),
    Variant(
        "seq_mutates_dh",  # correct values, but writes into the caller's dh (hidden test)
        {"lstm_backward": backward(step="lstm_step_backward(dh[:, t].__iadd__(dh_prev), dc_prev, cache[t])")},
        loses=["test_lstm_backward"],
    ),
    # ---- lstm_backward: correct, written differently ----
    Variant("seq_preallocated_inplace_accumulation", {"lstm_backward": backward()}),
    Variant(
        "seq_batched_weight_gradients",
        {
            "lstm_backward": '''
def lstm_backward(dh, cache):
    """Gate gradients step by step, then dx and the weight gradients in one matrix product each."""
    N, T, H = dh.shape
    Wx, Wh = cache[0][3], cache[0][4]
    da = np.empty((N, T, 4 * H), dtype=dh.dtype)
    dh_prev = np.zeros((N, H), dtype=dh.dtype)
    dc_prev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        x, h_prev, c_prev, _, _, i, f, g, o, tanh_c = cache[t]
        dh_t = dh[:, t] + dh_prev
        dc = dc_prev + dh_t * o * (1 - tanh_c**2)
        da[:, t] = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                   dc * i * (1 - g**2), dh_t * tanh_c * o * (1 - o)], axis=1)
        dh_prev = da[:, t] @ Wh.T
        dc_prev = dc * f
    xs = np.stack([c[0] for c in cache], axis=1).reshape(N * T, -1)
    hs = np.stack([c[1] for c in cache], axis=1).reshape(N * T, H)
    flat = da.reshape(N * T, 4 * H)
    return (flat @ Wx.T).reshape(N, T, -1), dh_prev, xs.T @ flat, hs.T @ flat, flat.sum(axis=0)
'''
        },
    ),
]

# The peephole tests cell calls neither lstm_step_backward nor lstm_backward, and theirs never call the peephole
# functions, so each peephole variant rides on a submission of the plain LSTM's variants (one autograde for two).
# peep_reuses_lstm_step_backward calls lstm_step_backward: only with a correct one, written with the usual cache.
_BY_NAME = {v.name: v for v in _SINGLE}
_PLAIN_WRONG = [v for v in _SINGLE if v.loses]
VARIANTS = [
    combine(_PLAIN_WRONG[k], _PEEPHOLE_WRONG[k]) if k < len(_PEEPHOLE_WRONG) else _PLAIN_WRONG[k]
    for k in range(len(_PLAIN_WRONG))
] + [
    combine(_BY_NAME["step_one_concatenated_matmul"], _PEEPHOLE_RIGHT[0]),
    combine(_BY_NAME["cache_dict_with_preactivations"], _PEEPHOLE_RIGHT[1]),
    *(
        v
        for v in _SINGLE
        if not v.loses and v.name not in ("step_one_concatenated_matmul", "cache_dict_with_preactivations")
    ),
]
assert len(_PEEPHOLE_WRONG) <= len(_PLAIN_WRONG)
assert sorted(n for c in VARIANTS for n in c.name.split("+")) == sorted(
    [*_BY_NAME, *(v.name for v in _PEEPHOLE_WRONG + _PEEPHOLE_RIGHT)]
), "every variant graded exactly once"
