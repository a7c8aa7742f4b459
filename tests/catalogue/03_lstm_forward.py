"""Wrong and alternative implementations of notebook 03's graded functions (LSTM forward, peepholes)."""

from tests.catalogue import Variant, combine


def _step(body: str, cache: str = "None") -> dict[str, str]:
    """An lstm_step_forward whose gate and state lines are ``body`` (a is computed, H is known)."""
    return {
        "lstm_step_forward": f"""
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
{body}
    return h_next, c_next, {cache}
"""
    }


_GATES = """    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])"""


def _forward(init: str, loop: str = "", gates: str = _GATES.replace("    ", "        ", 4)) -> dict[str, str]:
    """An lstm_forward with its initial states set by ``init`` and an optional change in the loop."""
    return {
        "lstm_forward": f"""
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, D = x.shape
    H = h0.shape[1]
{init}
    xw = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, 4 * H)
    h = np.zeros((N, T, H))
    for t in range(T):
        a = xw[:, t] + h_prev @ Wh
{gates}
        c_next = f * c_prev + i * g
        h_next = o * np.tanh(c_next)
        h[:, t] = h_next
{loop or "        h_prev, c_prev = h_next, c_next"}
    return h, None
"""
    }


_GOOD_INIT = """    h_prev = h0
    c_prev = np.zeros((N, H)) if c0 is None else c0"""


def _peephole(i: str, f: str, o: str, g: str = "np.tanh(a[:, 2 * H : 3 * H])") -> dict[str, str]:
    """A peephole_lstm_step_forward with the given gate expressions (o may use c_next)."""
    return {
        "peephole_lstm_step_forward": f"""
def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = {i}
    f = {f}
    g = {g}
    c_next = f * c_prev + i * g
    o = {o}
    h_next = o * np.tanh(c_next)
    return h_next, c_next, None
"""
    }


_PI = "sigmoid(a[:, :H] + p[0] * c_prev)"
_PF = "sigmoid(a[:, H : 2 * H] + p[1] * c_prev)"
_PO = "sigmoid(a[:, 3 * H :] + p[2] * c_next)"

STEP = ["test_lstm_step_forward"]
FORWARD = ["test_lstm_forward"]
PEEPHOLE = ["test_peephole_lstm_step_forward"]

_SINGLE = [
    # --- lstm_step_forward ---
    Variant(
        "step_gates_ifog_order",
        _step("""    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)"""),
        loses=STEP,
    ),
    Variant(
        "step_gates_fiog_order",
        _step("""    f = sigmoid(a[:, :H])
    i = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)"""),
        loses=STEP,
    ),
    Variant(
        "step_missing_tanh_on_c", _step(_GATES + "\n    c_next = f * c_prev + i * g\n    h_next = o * c_next"), STEP
    ),
    Variant(
        "step_h_uses_c_prev",
        _step(_GATES + "\n    c_next = f * c_prev + i * g\n    h_next = o * np.tanh(c_prev)"),
        STEP,
    ),
    Variant("step_forget_gate_ignored", _step(_GATES + "\n    c_next = i * g\n    h_next = o * np.tanh(c_next)"), STEP),
    Variant(
        "step_forget_gate_as_one",
        _step(_GATES + "\n    c_next = c_prev + i * g\n    h_next = o * np.tanh(c_next)"),
        STEP,
    ),
    Variant(
        "step_input_gate_ignored",
        _step(_GATES + "\n    c_next = f * c_prev + g\n    h_next = o * np.tanh(c_next)"),
        STEP,
    ),
    Variant(
        "step_sigmoid_on_g",
        _step(
            _GATES.replace("np.tanh(a[:, 2 * H : 3 * H])", "sigmoid(a[:, 2 * H : 3 * H])")
            + "\n    c_next = f * c_prev + i * g\n    h_next = o * np.tanh(c_next)"
        ),
        STEP,
    ),
    Variant(
        "step_tanh_on_o",
        _step(
            _GATES.replace("sigmoid(a[:, 3 * H :])", "np.tanh(a[:, 3 * H :])")
            + "\n    c_next = f * c_prev + i * g\n    h_next = o * np.tanh(c_next)"
        ),
        STEP,
    ),
    Variant(
        "step_bias_ignored",
        _step("    a = a - b\n" + _GATES + "\n    c_next = f * c_prev + i * g\n    h_next = o * np.tanh(c_next)"),
        STEP,
    ),
    Variant(
        "step_h_prev_ignored",
        _step("    a = x @ Wx + b\n" + _GATES + "\n    c_next = f * c_prev + i * g\n    h_next = o * np.tanh(c_next)"),
        STEP,
    ),
    Variant(
        "step_mutates_c_prev",
        _step(
            _GATES
            + "\n    c_prev *= f\n    c_prev += i * g\n    c_next = c_prev.copy()\n    h_next = o * np.tanh(c_next)"
        ),
        STEP,
    ),
    Variant(
        "step_concatenated_matmul",
        {
            "lstm_step_forward": """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    a = np.hstack([x, h_prev]) @ np.vstack([Wx, Wh]) + b
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    return h_next, c_next, {"i": i, "f": f, "g": g, "o": o, "c": c_next}
"""
        },
        loses=[],
    ),
    Variant(
        "step_einsum_own_sigmoid",
        {
            "lstm_step_forward": """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", h_prev, Wh) + b
    ifo = 1.0 / (1.0 + np.exp(-a[:, [*range(0, 2 * H), *range(3 * H, 4 * H)]]))
    i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]
    g = np.tanh(a[:, 2 * H : 3 * H])
    c_next = i * g + f * c_prev
    return o * np.tanh(c_next), c_next, (x, h_prev, c_prev)
"""
        },
        loses=[],
    ),
    # --- lstm_forward ---
    Variant(
        "forward_h0_ignored",
        _forward("    h_prev = np.zeros_like(h0)\n    c_prev = np.zeros((N, H)) if c0 is None else c0"),
        FORWARD,
    ),
    Variant("forward_c0_ignored", _forward("    h_prev = h0\n    c_prev = np.zeros((N, H))"), FORWARD),
    Variant("forward_c0_none_crashes", _forward("    h_prev = h0\n    c_prev = c0"), FORWARD),
    Variant("forward_state_not_carried", _forward(_GOOD_INIT, loop="        pass"), FORWARD),
    Variant("forward_cell_not_carried", _forward(_GOOD_INIT, loop="        h_prev = h_next"), FORWARD),
    Variant(
        "forward_gates_ifog_order",
        _forward(
            _GOOD_INIT,
            gates="""        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H : 2 * H])
        o = sigmoid(a[:, 2 * H : 3 * H])
        g = np.tanh(a[:, 3 * H :])""",
        ),
        FORWARD,
    ),
    Variant(
        "forward_returns_cell_states",
        {
            "lstm_forward": """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    h_prev = h0
    c_prev = np.zeros_like(h0) if c0 is None else c0
    cs = []
    for t in range(T):
        h_prev, c_prev, _ = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        cs.append(c_prev)
    return np.stack(cs, axis=1), None
"""
        },
        FORWARD,
    ),
    Variant(
        "forward_mutates_c0",
        {
            "lstm_forward": """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    H = h0.shape[1]
    h_prev = h0
    c = np.zeros((N, H)) if c0 is None else c0
    h = np.zeros((N, T, H))
    for t in range(T):
        a = x[:, t] @ Wx + h_prev @ Wh + b
        i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2*H]), np.tanh(a[:, 2*H:3*H]), sigmoid(a[:, 3*H:])
        c *= f
        c += i * g
        h_prev = o * np.tanh(c)
        h[:, t] = h_prev
    return h, None
"""
        },
        FORWARD,
    ),
    Variant(
        "forward_loop_over_step",  # no all-steps projection: a plain loop over lstm_step_forward
        {
            "lstm_forward": """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    N, T, _ = x.shape
    h_prev = h0
    c_prev = np.zeros_like(h0) if c0 is None else c0
    hs, caches = [], []
    for t in range(T):
        h_prev, c_prev, cache = lstm_step_forward(x[:, t], h_prev, c_prev, Wx, Wh, b)
        hs.append(h_prev)
        caches.append(cache)
    return np.stack(hs, axis=1), {"steps": caches}
"""
        },
        loses=[],
    ),
    Variant(
        "forward_einsum_time_major",
        {
            "lstm_forward": """
def lstm_forward(x, h0, Wx, Wh, b, c0=None):
    H = h0.shape[1]
    xw = np.einsum("ntd,dk->tnk", x, Wx) + b
    h_prev, c_prev = h0, (np.zeros_like(h0) if c0 is None else c0)
    out = []
    for a_x in xw:
        a = a_x + h_prev @ Wh
        i, f, g, o = np.split(a, 4, axis=1)
        c_prev = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
        h_prev = sigmoid(o) * np.tanh(c_prev)
        out.append(h_prev)
    return np.stack(out, axis=1), (x, h0, c0)
"""
        },
        loses=[],
    ),
    # --- peephole_lstm_step_forward ---
    Variant("peephole_o_sees_c_prev", _peephole(_PI, _PF, "sigmoid(a[:, 3 * H :] + p[2] * c_prev)"), PEEPHOLE),
    Variant("peephole_o_without_peephole", _peephole(_PI, _PF, "sigmoid(a[:, 3 * H :])"), PEEPHOLE),
    Variant(
        "peephole_ignored",
        _peephole("sigmoid(a[:, :H])", "sigmoid(a[:, H : 2 * H])", "sigmoid(a[:, 3 * H :])"),
        PEEPHOLE,
    ),
    Variant(
        "peephole_rows_swapped",
        _peephole("sigmoid(a[:, :H] + p[1] * c_prev)", "sigmoid(a[:, H : 2 * H] + p[0] * c_prev)", _PO),
        PEEPHOLE,
    ),
    Variant(
        "peephole_added_after_sigmoid",
        _peephole("sigmoid(a[:, :H]) + p[0] * c_prev", "sigmoid(a[:, H : 2 * H]) + p[1] * c_prev", _PO),
        PEEPHOLE,
    ),
    Variant("peephole_on_g_too", _peephole(_PI, _PF, _PO, g="np.tanh(a[:, 2 * H : 3 * H] + p[1] * c_prev)"), PEEPHOLE),
    Variant(
        "peephole_full_matrix",  # p treated as (H, H)-like: c_prev @ diag would be fine, c_prev @ p.T is not
        _peephole("sigmoid(a[:, :H] + c_prev @ np.outer(p[0], p[0]))", _PF, _PO),
        PEEPHOLE,
    ),
    Variant(
        "peephole_via_stacked_shift",
        {
            "peephole_lstm_step_forward": """
def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    a[:, : 2 * H] += np.hstack([p[0] * c_prev, p[1] * c_prev])
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    c_next = f * c_prev + i * np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :] + np.einsum("h,nh->nh", p[2], c_next))
    return o * np.tanh(c_next), c_next, {"a": a, "c": c_next}
"""
        },
        loses=[],
    ),
]

# The three functions are tested independently (the solution's lstm_forward does not call lstm_step_forward,
# the peephole test compares with torch only), so one submission carries a step, a sequence and a peephole
# variant. Sequence variants that call lstm_step_forward (returns_cell_states, loop_over_step) are only
# combined with a correct step.
_BY_NAME = {v.name: v for v in _SINGLE}
_STEP_WRONG = [v for v in _SINGLE if v.name.startswith("step_") and v.loses]
_FORWARD_WRONG = [
    v for v in _SINGLE if v.name.startswith("forward_") and v.loses and v is not _BY_NAME["forward_returns_cell_states"]
]
_PEEPHOLE_WRONG = [v for v in _SINGLE if v.name.startswith("peephole_") and v.loses]
VARIANTS = [
    combine(*(group[k] for group in (_STEP_WRONG, _FORWARD_WRONG, _PEEPHOLE_WRONG) if k < len(group)))
    for k in range(max(len(_STEP_WRONG), len(_FORWARD_WRONG), len(_PEEPHOLE_WRONG)))
] + [
    _BY_NAME["forward_returns_cell_states"],
    combine(
        _BY_NAME["step_concatenated_matmul"],
        _BY_NAME["forward_einsum_time_major"],
        _BY_NAME["peephole_via_stacked_shift"],
    ),
    combine(_BY_NAME["step_einsum_own_sigmoid"], _BY_NAME["forward_loop_over_step"]),
]
assert sorted(n for c in VARIANTS for n in c.name.split("+")) == sorted(_BY_NAME), "every variant graded exactly once"
