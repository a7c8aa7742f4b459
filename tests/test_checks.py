"""lstm_course.checks: accepts right answers, rejects wrong ones with messages that say what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_course import checks


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True

    def __array__(self, dtype=None, copy=None):  # pretends to be an array of the wrong values
        return np.zeros(3)


def test_check_close_passes_and_fails_with_a_hint() -> None:
    checks.check_close(np.ones(3) + 1e-12, np.ones(3), "h")
    with pytest.raises(AssertionError, match=r"h_next is wrong at index \(1,\).*Hint: missing tanh\?"):
        checks.check_close(np.array([1.0, 5.0, 1.0]), np.ones(3), "h_next", hint="missing tanh?")


def test_check_close_rejects_wrong_shape_none_and_cheating_objects() -> None:
    with pytest.raises(AssertionError, match="shape"):
        checks.check_close(np.ones((3, 1)), np.ones(3), "x")
    with pytest.raises(AssertionError, match="forget a `return`"):
        checks.check_close(None, np.ones(3), "x")
    with pytest.raises(AssertionError):
        checks.check_close(AlwaysEqual(), np.ones(3), "x")
    with pytest.raises(AssertionError, match="array of numbers"):
        checks.check_close(["a", "b", "c"], np.ones(3), "x")


def test_check_close_flags_nan() -> None:
    with pytest.raises(AssertionError, match="NaN"):
        checks.check_close(np.array([np.nan, 1.0]), np.ones(2), "y")


def test_check_close_absolute_tolerance_near_zero() -> None:
    checks.check_close(np.array([1e-10]), np.array([0.0]), "z", atol=1e-9)
    with pytest.raises(AssertionError):
        checks.check_close(np.array([1e-10]), np.array([0.0]), "z")


def test_shape_dtype_finite_true_unchanged() -> None:
    checks.check_shape(np.zeros((2, 3)), (2, 3))
    with pytest.raises(AssertionError, match=r"\(3, 2\), expected \(2, 3\)"):
        checks.check_shape(np.zeros((3, 2)), (2, 3))
    with pytest.raises(AssertionError, match="float32"):
        checks.check_dtype(np.zeros(2), np.float32)
    with pytest.raises(AssertionError, match="1 NaN"):
        checks.check_finite(np.array([0.0, np.inf]))
    with pytest.raises(AssertionError, match="clipped"):
        checks.check_true(np.bool_(False), "not clipped")
    with pytest.raises(AssertionError, match="clipped"):
        checks.check_true(1, "truthy is not enough: clipped")
    checks.check_true(np.bool_(True), "fine")
    a = np.arange(3.0)
    with pytest.raises(AssertionError, match="in place"):
        checks.check_unchanged(a.copy(), a + 1, "x")


def test_rel_error_matches_cs231n_definition() -> None:
    assert checks.rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert checks.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)


def test_numerical_gradient_of_a_known_function() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((4, 2))
    dout = rng.standard_normal((3, 2))
    num = checks.numerical_gradient(lambda: np.tanh(x @ w), x, dout)
    exact = (dout * (1 - np.tanh(x @ w) ** 2)) @ w.T
    assert checks.rel_error(num, exact) < 1e-8
