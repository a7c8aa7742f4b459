"""Wrong and alternative implementations of notebook 02's graded functions (RNN, BPTT, clipping)."""

from tests.catalogue import Variant, combine

# A backward pass that reads a dict cache, for the forward variants that store one.
_STEP_BACKWARD_DICT = """
def rnn_step_backward(dh_next, cache):
    da = dh_next * (1 - cache["h_next"] ** 2)
    return (
        da @ cache["Wx"].T,
        da @ cache["Wh"].T,
        cache["x"].T @ da,
        cache["h_prev"].T @ da,
        da.sum(axis=0),
    )
"""

_SINGLE = [
    # --- rnn_step_forward ---
    Variant(
        "step_bias_ignored",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + h_prev @ Wh)
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward", "test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_missing_tanh",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = x @ Wx + h_prev @ Wh + b
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward", "test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_sigmoid_instead_of_tanh",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = 1 / (1 + np.exp(-(x @ Wx + h_prev @ Wh + b)))
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward", "test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_h_prev_ignored",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward", "test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_Wh_transposed",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + h_prev @ Wh.T + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward", "test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_float32_breaks",  # hidden edge case: casting to float32 inputs' precision is fine, int is not
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    if x.dtype != np.float64:
        raise TypeError("only float64")
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward", "test_rnn_forward"],
    ),
    Variant(
        "step_mutates_h_prev",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = x @ Wx + b
    a += h_prev @ Wh
    h_prev[...] = np.tanh(a)
    h_next = h_prev.copy()
    return h_next, (x, None, Wx, Wh, h_next)
"""
        },
        loses=["test_rnn_step_forward"],
    ),
    Variant(
        "step_concatenated_matmul",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(np.hstack([x, h_prev]) @ np.vstack([Wx, Wh]) + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
"""
        },
        loses=[],
    ),
    Variant(
        "step_einsum_dict_cache",
        {
            "rnn_step_forward": """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", h_prev, Wh) + b)
    return h_next, {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h_next": h_next}
""",
            "rnn_step_backward": _STEP_BACKWARD_DICT,
        },
        loses=[],
    ),
    # --- rnn_forward ---
    Variant(
        "forward_h0_ignored",
        {
            "rnn_forward": """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches = []
    h_prev = np.zeros_like(h0)
    for t in range(T):
        h_prev, cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(cache)
    return h, caches
"""
        },
        loses=["test_rnn_forward", "test_rnn_backward"],
    ),
    Variant(
        "forward_state_not_carried",
        {
            "rnn_forward": """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches = []
    for t in range(T):
        h[:, t], cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        caches.append(cache)
    return h, caches
"""
        },
        loses=["test_rnn_forward", "test_rnn_backward"],
    ),
    Variant(
        "forward_reversed_in_time",
        {
            "rnn_forward": """
def rnn_forward(x, h0, Wx, Wh, b):
    xt = x.transpose(1, 0, 2)
    T, N, _ = xt.shape
    h = np.zeros((N, T, Wh.shape[0]))
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, cache = rnn_step_forward(xt[t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(cache)
    return h[:, ::-1], caches
"""
        },
        loses=["test_rnn_forward", "test_rnn_backward"],
    ),
    Variant(
        "forward_all_steps_projection",  # one matmul for every step's input, own cache format
        {
            "rnn_forward": """
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wh.shape[0]
    xw = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H)
    h = np.empty((N, T, H), dtype=np.result_type(x, Wx))
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(xw[:, t] + h_prev @ Wh)
        h[:, t] = h_prev
    return h, {"x": x, "h0": h0, "h": h, "Wx": Wx, "Wh": Wh}
""",
            "rnn_backward": """
def rnn_backward(dh, cache):
    x, h0, h, Wx, Wh = cache["x"], cache["h0"], cache["h"], cache["Wx"], cache["Wh"]
    N, T, H = dh.shape
    da = np.zeros_like(h)
    carry = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + carry) * (1 - h[:, t] ** 2)
        carry = da[:, t] @ Wh.T
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T
    dWx = np.einsum("ntd,nth->dh", x, da)
    dWh = np.einsum("ntk,nth->kh", h_prev, da)
    return dx, carry, dWx, dWh, da.sum(axis=(0, 1))
""",
        },
        loses=[],
    ),
    # --- rnn_step_backward ---
    Variant(
        "step_backward_no_tanh_derivative",
        {
            "rnn_step_backward": """
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""
        },
        loses=["test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_backward_derivative_of_tanh_of_output",
        {
            "rnn_step_backward": """
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - np.tanh(h_next) ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""
        },
        loses=["test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_backward_dWh_uses_h_next",
        {
            "rnn_step_backward": """
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_next.T @ da, da.sum(axis=0)
"""
        },
        loses=["test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_backward_db_not_summed",
        {
            "rnn_step_backward": """
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.mean(axis=0)
"""
        },
        loses=["test_rnn_step_backward", "test_rnn_backward"],
    ),
    Variant(
        "step_backward_dh_prev_not_transposed",
        {
            "rnn_step_backward": """
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1 - h_next**2)
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""
        },
        loses=["test_rnn_step_backward", "test_rnn_backward"],
    ),
    # --- rnn_backward ---
    Variant(
        "bptt_weight_gradients_not_accumulated",
        {
            "rnn_backward": """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = None
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dh_prev, dWx, dWh, db = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
        dx[:, t] = dx_t
    return dx, dh_prev, dWx, dWh, db
"""
        },
        loses=["test_rnn_backward"],
    ),
    Variant(
        "bptt_weight_gradients_from_last_step_only",
        {
            "rnn_backward": """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = None
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
            dWx, dWh, db = dWx_t, dWh_t, db_t
        dx[:, t] = dx_t
    return dx, dh_prev, dWx, dWh, db
"""
        },
        loses=["test_rnn_backward"],
    ),
    Variant(
        "bptt_dh_prev_not_added",
        {
            "rnn_backward": """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = dWx = dWh = db = None
    for t in reversed(range(T)):
        dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
            dWx, dWh, db = np.zeros_like(dWx_t), np.zeros_like(dWh_t), np.zeros_like(db_t)
        dx[:, t] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
"""
        },
        loses=["test_rnn_backward"],
    ),
    Variant(
        "bptt_forward_order",  # walks the steps forwards: the carried gradient goes the wrong way
        {
            "rnn_backward": """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = dWx = dWh = db = None
    dh_prev = np.zeros((N, H))
    for t in range(T):
        dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
            dWx, dWh, db = np.zeros_like(dWx_t), np.zeros_like(dWh_t), np.zeros_like(db_t)
        dx[:, t] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
"""
        },
        loses=["test_rnn_backward"],
    ),
    Variant(
        "bptt_mutates_dh",  # adds the carried gradient into the caller's dh in place
        {
            "rnn_backward": """
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = dWx = dWh = db = None
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dh[:, t] += dh_prev
        dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        if dx is None:
            dx = np.zeros((N, T, dx_t.shape[1]))
            dWx, dWh, db = np.zeros_like(dWx_t), np.zeros_like(dWh_t), np.zeros_like(db_t)
        dx[:, t] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
"""
        },
        loses=["test_rnn_backward"],
    ),
    # --- clip_by_global_norm ---
    Variant(
        "clip_each_separately",
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    out = []
    for g in grads:
        n = np.linalg.norm(g)
        out.append(g * (max_norm / n) if n > max_norm else g.copy())
    return out
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_always",
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * (max_norm / norm) for g in grads]
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_in_place",
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_replaces_list_items",
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    if norm > max_norm:
        grads[:] = [g * (max_norm / norm) for g in grads]
    return grads
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_sum_of_norms",  # adds the arrays' norms instead of their squares
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return [g * scale for g in grads]
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_zero_division",  # 0 / 0 = NaN for all-zero gradients
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g / norm * min(norm, max_norm) for g in grads]
"""
        },
        loses=["test_clip_by_global_norm"],
    ),
    Variant(
        "clip_via_concatenation",
        {
            "clip_by_global_norm": """
def clip_by_global_norm(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    norm = np.linalg.norm(flat)
    factor = min(1.0, max_norm / max(norm, 1e-300))
    return [np.array(g) * factor for g in grads]
"""
        },
        loses=[],
    ),
]

# clip_by_global_norm's tests use no RNN function and no RNN test uses clipping: each clipping variant rides
# along with an RNN variant. The RNN variants stay apart from each other: a wrong forward or step also costs
# the tests that build on it (a backward test first checks the forward pass).
_BY_NAME = {v.name: v for v in _SINGLE}
VARIANTS = [
    *(
        combine(_BY_NAME[rnn], _BY_NAME[clip])
        for rnn, clip in [
            ("bptt_weight_gradients_not_accumulated", "clip_each_separately"),
            ("bptt_weight_gradients_from_last_step_only", "clip_always"),
            ("bptt_dh_prev_not_added", "clip_in_place"),
            ("bptt_forward_order", "clip_replaces_list_items"),
            ("bptt_mutates_dh", "clip_sum_of_norms"),
            ("step_backward_db_not_summed", "clip_zero_division"),
            ("step_concatenated_matmul", "clip_via_concatenation"),
        ]
    ),
    # correct step functions with a dict cache, and a correct forward/backward pair that never calls them
    combine(_BY_NAME["step_einsum_dict_cache"], _BY_NAME["forward_all_steps_projection"]),
]
VARIANTS += [v for v in _SINGLE if v.name not in {n for c in VARIANTS for n in c.name.split("+")}]
assert sorted(n for c in VARIANTS for n in c.name.split("+")) == sorted(_BY_NAME), "every variant graded exactly once"
