"""Catalogue of notebook 05 (Adam, training step): typical mistakes lose points, other correct ways do not."""

from tests.catalogue import Variant, combine

ADAM_TESTS = ["test_adam_update"]
STEP_TESTS = ["test_train_step"]


def adam(
    m: str = "beta1 * m[k] + (1 - beta1) * g",
    v: str = "beta2 * v[k] + (1 - beta2) * g**2",
    m_hat: str = "m[k] / (1 - beta1**t)",
    v_hat: str = "v[k] / (1 - beta2**t)",
    step: str = "params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)",
    t: str = 'state.get("t", 0) + 1',
) -> str:
    """Source of adam_update with one piece replaced (the defaults give the correct function)."""
    return f"""
def adam_update(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    t = {t}
    m = dict(state.get("m", {{k: 0.0 for k in params}}))
    v = dict(state.get("v", {{k: 0.0 for k in params}}))
    new = {{}}
    for k in params:
        g = grads[k]
        m[k] = {m}
        v[k] = {v}
        m_hat = {m_hat}
        v_hat = {v_hat}
        new[k] = {step}
    return new, {{"t": t, "m": m, "v": v}}
"""


def train_step(
    loss: str = "np.mean(diff**2)",
    dpred: str = "2.0 * diff / diff.size",
    dh_last: str = 'dpred @ params["Wy"].T',
    head: str = "h_last.T @ dpred, dpred.sum(axis=0)",
    clip: str = "clip_by_global_norm(grads, max_norm)",
    last: str = "h[:, -1]",
) -> str:
    """Source of train_step with one piece replaced (the defaults give the correct function)."""
    return f"""
def train_step(params, x, y, state, lr=1e-3, max_norm=1.0, forward=lstm_forward, backward=lstm_backward):
    N, H = x.shape[0], params["Wh"].shape[0]
    h, cache = forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    h_last = {last}
    diff = h_last @ params["Wy"] + params["by"] - y
    loss = float({loss})
    dpred = {dpred}
    dh = np.zeros_like(h)
    dh[:, -1] = {dh_last}
    _, _, dWx, dWh, db = backward(dh, cache)
    dWy, dby = {head}
    grads = [dWx, dWh, db, dWy, dby]
    grads = {clip}
    params, state = adam_update(params, dict(zip(["Wx", "Wh", "b", "Wy", "by"], grads)), state, lr=lr)
    return loss, params, state
"""


_SINGLE = [
    # ---- adam_update: wrong ----
    Variant("adam_no_bias_correction", {"adam_update": adam(m_hat="m[k]", v_hat="v[k]")}, loses=ADAM_TESTS),
    Variant(
        "adam_betas_swapped",
        {
            "adam_update": adam(
                m="beta2 * m[k] + (1 - beta2) * g",
                v="beta1 * v[k] + (1 - beta1) * g**2",
                m_hat="m[k] / (1 - beta2**t)",
                v_hat="v[k] / (1 - beta1**t)",
            )
        },
        loses=ADAM_TESTS,
    ),
    Variant("adam_step_counter_stuck_at_1", {"adam_update": adam(t="1")}, loses=ADAM_TESTS),
    Variant("adam_no_sqrt", {"adam_update": adam(step="params[k] - lr * m_hat / (v_hat + eps)")}, loses=ADAM_TESTS),
    Variant(
        "adam_ascends", {"adam_update": adam(step="params[k] + lr * m_hat / (np.sqrt(v_hat) + eps)")}, loses=ADAM_TESTS
    ),
    Variant(
        "adam_ignores_hyperparameters",
        {"adam_update": adam(step="params[k] - 1e-3 * m_hat / (np.sqrt(v_hat) + 1e-8)")},
        loses=ADAM_TESTS,
    ),
    # ---- adam_update: correct, written differently ----
    Variant("adam_helper_style", {"adam_update": adam()}),
    Variant(
        "adam_in_place",
        {
            "adam_update": """
def adam_update(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if not state:
        state["t"] = 0
        for k, p in params.items():
            state["m_" + k] = np.zeros_like(p)
            state["v_" + k] = np.zeros_like(p)
    state["t"] += 1
    t = state["t"]
    for k in params:
        state["m_" + k] *= beta1
        state["m_" + k] += (1 - beta1) * grads[k]
        state["v_" + k] *= beta2
        state["v_" + k] += (1 - beta2) * np.square(grads[k])
        step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)   # bias corrections folded into the step size
        params[k] -= step * state["m_" + k] / (np.sqrt(state["v_" + k]) + eps * np.sqrt(1 - beta2**t))
    return params, state
"""
        },
    ),
    # ---- train_step: wrong ----
    Variant("step_no_clipping", {"train_step": train_step(clip="grads")}, loses=STEP_TESTS),
    Variant(
        "step_clip_each_tensor_separately",
        {"train_step": train_step(clip="[clip_by_global_norm([g], max_norm)[0] for g in grads]")},
        loses=STEP_TESTS,
    ),
    Variant(
        "step_head_not_trained", {"train_step": train_step(head="0 * params['Wy'], 0 * params['by']")}, loses=STEP_TESTS
    ),
    Variant("step_no_gradient_into_lstm", {"train_step": train_step(dh_last="0.0")}, loses=STEP_TESTS),
    Variant("step_gradient_missing_factor_2", {"train_step": train_step(dpred="diff / diff.size")}, loses=STEP_TESTS),
    Variant(
        "step_sum_instead_of_mean",
        {"train_step": train_step(loss="np.sum(diff**2)", dpred="2.0 * diff")},
        loses=STEP_TESTS,
    ),
    Variant("step_head_on_mean_over_time", {"train_step": train_step(last="h.mean(axis=1)")}, loses=STEP_TESTS),
    Variant(
        "step_loss_after_update",
        {
            "train_step": train_step().replace(
                "    return loss, params, state",
                "    h2, _ = forward(x, np.zeros((N, H)), params['Wx'], params['Wh'], params['b'])\n"
                "    return float(np.mean((h2[:, -1] @ params['Wy'] + params['by'] - y) ** 2)), params, state",
            )
        },
        loses=STEP_TESTS,
    ),
    # ---- train_step: correct, written differently ----
    Variant("step_template_style", {"train_step": train_step()}),
    Variant(
        "step_inline_clipping_and_square",
        {
            "train_step": """
def train_step(params, x, y, state, lr=1e-3, max_norm=1.0, forward=lstm_forward, backward=lstm_backward):
    H = params["Wh"].shape[0]
    h, cache = forward(x, np.zeros((len(x), H), dtype=x.dtype), params["Wx"], params["Wh"], params["b"])
    pred = h[:, -1, :] @ params["Wy"] + params["by"]
    err = pred - y
    loss = np.square(err).mean()
    dpred = err * (2 / len(x))
    dh = np.concatenate([np.zeros_like(h[:, :-1]), (dpred @ params["Wy"].T)[:, None, :]], axis=1)
    dWx, dWh, db = backward(dh, cache)[2:]
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": h[:, -1].T @ dpred, "by": dpred.sum(0)}
    total = np.sqrt(sum((g * g).sum() for g in grads.values()))
    if total > max_norm:
        grads = {k: g * (max_norm / total) for k, g in grads.items()}
    params, state = adam_update(params, grads, state, lr=lr)
    return float(loss), params, state
"""
        },
    ),
]

# test_train_step compares your train_step with what your own adam_update makes of the right gradients, so it
# keeps full marks with any of the wrong Adams above (and test_adam_update never calls train_step): an Adam
# variant and a training-step variant share one submission.
_BY_NAME = {v.name: v for v in _SINGLE}
_ADAM_WRONG = [v for v in _SINGLE if v.name.startswith("adam_") and v.loses]
_STEP_WRONG = [v for v in _SINGLE if v.name.startswith("step_") and v.loses]
VARIANTS = [
    combine(*(group[k] for group in (_ADAM_WRONG, _STEP_WRONG) if k < len(group)))
    for k in range(max(len(_ADAM_WRONG), len(_STEP_WRONG)))
] + [
    combine(_BY_NAME["adam_helper_style"], _BY_NAME["step_template_style"]),
    combine(_BY_NAME["adam_in_place"], _BY_NAME["step_inline_clipping_and_square"]),
]
assert sorted(n for c in VARIANTS for n in c.name.split("+")) == sorted(_BY_NAME), "every variant graded exactly once"
