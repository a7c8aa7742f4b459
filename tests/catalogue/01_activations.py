"""Wrong and alternative implementations of notebook 01 (sigmoid, tanh and their derivatives)."""

from tests.catalogue import Variant

VARIANTS = [
    # ---- sigmoid: wrong -------------------------------------------------------------------------------
    Variant(
        "sigmoid_naive_overflows",
        {
            "sigmoid": """
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_casts_to_float64",
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_clips_to_500",  # fine in float64, but exp(500) overflows in float32
        {
            "sigmoid": """
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -500, 500)))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_clips_to_30",  # no overflow, but sigmoid(-40) comes out as sigmoid(-30)
        {
            "sigmoid": """
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -30, 30)))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_masks_in_place",  # correct values, but overwrites the caller's array
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    pos = x >= 0
    x[pos] = 1 / (1 + np.exp(-x[pos]))
    z = np.exp(x[~pos])
    x[~pos] = z / (1 + z)
    return x
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_where_both_branches_overflow",  # np.where evaluates both branches on every element
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_cancels",  # 1 - 1/(1 + e^x): no overflow for x < 0, but exp(x) overflows for large x
        {
            "sigmoid": """
def sigmoid(x):
    return 1 - 1 / (1 + np.exp(x))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_wrong_sign",
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, z / (1 + z), 1 / (1 + z))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_python_loop_flattens",  # loses the shape (and 0-d input)
        {
            "sigmoid": """
import math

def sigmoid(x):
    x = np.asarray(x, dtype=float).ravel()
    return np.array([1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in x])
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_exp_over_one_plus_exp",  # the x < 0 form used everywhere: exp(1e4) / (1 + exp(1e4)) = inf / inf
        {
            "sigmoid": """
def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_atleast_1d",  # a number comes back as an array of shape (1,)
        {
            "sigmoid": """
def sigmoid(x):
    x = np.atleast_1d(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""
        },
        loses=["test_sigmoid"],
    ),
    Variant(
        "sigmoid_unimplemented",
        {
            "sigmoid": """
def sigmoid(x):
    raise NotImplementedError()
"""
        },
        loses=["test_sigmoid"],
    ),
    # ---- sigmoid: correct, written differently ---------------------------------------------------------
    Variant(
        "sigmoid_via_logaddexp",
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    return np.exp(-np.logaddexp(0, -x))
"""
        },
        loses=[],
    ),
    Variant(
        "sigmoid_via_scipy_expit",
        {
            "sigmoid": """
from scipy.special import expit

def sigmoid(x):
    return expit(np.asarray(x))
"""
        },
        loses=[],
    ),
    Variant(
        "sigmoid_boolean_masks_on_a_copy",
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    out = np.empty_like(x, dtype=np.result_type(x, np.float32))
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    z = np.exp(x[~pos])
    out[~pos] = z / (1 + z)
    return out
"""
        },
        loses=[],
    ),
    Variant(
        "sigmoid_via_np_tanh",
        {
            "sigmoid": """
def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x)))
"""
        },
        loses=[],
    ),
    Variant(
        "sigmoid_clips_to_88",  # exp(88) still fits in float32; the clipped tail is below every tolerance
        {
            "sigmoid": """
def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -88, 88)))
"""
        },
        loses=[],
    ),
    Variant(
        # Overflows internally but silences it: no warning reaches the caller and 1 / (1 + inf) = 0 is exact,
        # so by behaviour (all the tests can judge) it is correct.
        "sigmoid_naive_inside_errstate",
        {
            "sigmoid": """
def sigmoid(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))
"""
        },
        loses=[],
    ),
    # ---- tanh: wrong ----------------------------------------------------------------------------------
    Variant(
        "tanh_naive_nan",
        {
            "tanh": """
def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_forgets_2x",
        {
            "tanh": """
def tanh(x):
    return 2 * sigmoid(x) - 1
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_via_naive_sigmoid",
        {
            "tanh": """
def tanh(x):
    return 2 / (1 + np.exp(-2 * np.asarray(x))) - 1
"""
        },
        loses=["test_tanh"],
    ),
    # 2 * sigmoid(2x) - 1 and its rearrangements never overflow, but cancel catastrophically near 0 (float32
    # tanh(1e-6) 7% off, tanh(1e-9) = 0): the small-value tests require relative accuracy.
    Variant(
        "tanh_via_sigmoid_cancels_near_zero",
        {
            "tanh": """
def tanh(x):
    x = np.asarray(x)
    return 2 * sigmoid(2 * x) - 1
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_via_minus_sigmoid_cancels_near_zero",
        {
            "tanh": """
def tanh(x):
    return 1 - 2 * sigmoid(-2 * np.asarray(x))
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_stable_exponentials_cancel_near_zero",
        {
            "tanh": """
def tanh(x):
    x = np.asarray(x)
    z = np.exp(-2 * np.abs(x))
    return np.sign(x) * (1 - z) / (1 + z)
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_casts_to_float64",
        {
            "tanh": """
def tanh(x):
    return np.tanh(np.asarray(x, dtype=np.float64))
"""
        },
        loses=["test_tanh"],
    ),
    Variant(
        "tanh_in_place",
        {
            "tanh": """
def tanh(x):
    x = np.asarray(x)
    np.tanh(x, out=x)
    return x
"""
        },
        loses=["test_tanh"],
    ),
    # ---- tanh: correct, written differently -----------------------------------------------------------
    Variant(
        "tanh_via_np_tanh",
        {
            "tanh": """
def tanh(x):
    return np.tanh(x)
"""
        },
        loses=[],
    ),
    Variant(
        "tanh_via_sinh_cosh_with_series_near_zero",  # no cancellation: x - x^3/3 where |x| is tiny
        {
            "tanh": """
def tanh(x):
    x = np.asarray(x)
    a = np.minimum(np.abs(x), 20)
    e = np.exp(-2 * a)
    t = np.sign(x) * (1 - e) / (1 + e)
    return np.where(np.abs(x) < 1e-2, x - x**3 / 3 + 2 * x**5 / 15, t).astype(x.dtype)
"""
        },
        loses=[],
    ),
    Variant(
        "tanh_expm1_of_plus_2x_for_negatives",  # expm1(2x) / (expm1(2x) + 2) for x <= 0, mirrored
        {
            "tanh": """
def tanh(x):
    x = np.asarray(x)
    u = np.expm1(2 * -np.abs(x))
    return np.where(x < 0, u / (u + 2), -u / (u + 2))
"""
        },
        loses=[],
    ),
    # ---- sigmoid_derivative -----------------------------------------------------------------------------
    Variant(
        "sigmoid_derivative_of_the_input",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    return sigmoid(s) * (1 - sigmoid(s))
"""
        },
        loses=["test_sigmoid_derivative"],
    ),
    Variant(
        "sigmoid_derivative_exp_formula_on_s",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    return np.exp(-s) / (1 + np.exp(-s)) ** 2
"""
        },
        loses=["test_sigmoid_derivative"],
    ),
    Variant(
        "sigmoid_derivative_plus_sign",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    return s * (1 + s)
"""
        },
        loses=["test_sigmoid_derivative"],
    ),
    Variant(
        "sigmoid_derivative_in_place",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    s = np.asarray(s)
    s *= 1 - s
    return s
"""
        },
        loses=["test_sigmoid_derivative"],
    ),
    Variant(
        "sigmoid_derivative_casts_to_float64",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    s = np.asarray(s, dtype=float)
    return s * (1 - s)
"""
        },
        loses=["test_sigmoid_derivative"],
    ),
    Variant(
        "sigmoid_derivative_expanded",
        {
            "sigmoid_derivative": """
def sigmoid_derivative(s):
    return s - s**2
"""
        },
        loses=[],
    ),
    # ---- tanh_derivative --------------------------------------------------------------------------------
    Variant(
        "tanh_derivative_forgets_square",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    return 1 - t
"""
        },
        loses=["test_tanh_derivative"],
    ),
    Variant(
        "tanh_derivative_of_the_input",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    return 1 - np.tanh(t) ** 2
"""
        },
        loses=["test_tanh_derivative"],
    ),
    Variant(
        "tanh_derivative_sigmoid_formula",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    return t * (1 - t)
"""
        },
        loses=["test_tanh_derivative"],
    ),
    Variant(
        "tanh_derivative_in_place",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    t = np.asarray(t)
    np.square(t, out=t)
    return 1 - t
"""
        },
        loses=["test_tanh_derivative"],
    ),
    Variant(
        "tanh_derivative_casts_to_float64",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    return 1 - np.asarray(t, dtype=np.float64) ** 2
"""
        },
        loses=["test_tanh_derivative"],
    ),
    Variant(
        "tanh_derivative_factored",
        {
            "tanh_derivative": """
def tanh_derivative(t):
    return (1 - t) * (1 + t)
"""
        },
        loses=[],
    ),
]
