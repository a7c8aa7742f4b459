"""Comparisons for the notebooks' tests, with messages that tell a student what is wrong.

Every check raises ``AssertionError`` with a sentence that names the quantity, what was expected and,
where one is given, a hint about the usual mistake (``"c_next ignores the forget gate?"``). The checks
coerce answers to real NumPy arrays first, so an object whose ``__eq__`` always answers ``True`` cannot
pass them.

Conventions follow CS231n: ``rel_error(x, y) = max |x - y| / max(1e-8, |x| + |y|)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "check_close",
    "check_close_diagnosed",
    "check_dtype",
    "check_finite",
    "check_no_warnings",
    "check_shape",
    "check_true",
    "check_unchanged",
    "numerical_gradient",
    "rel_error",
]


def _fail(message: str, hint: str | None) -> None:
    raise AssertionError(f"{message} Hint: {hint}" if hint else message)


def as_array(value: Any, name: str = "result") -> np.ndarray:
    """Return ``value`` as a NumPy array of numbers, or fail with a clear message.

    Rejects ``None`` (the usual sign of a missing ``return``), objects that do not convert to a numeric
    array, and anything that is not an ndarray subclass after conversion.
    """
    if value is None:
        raise AssertionError(f"{name} is None: did you forget a `return`?")
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except Exception as exc:
            raise AssertionError(f"{name} could not be turned into a NumPy array ({exc}).") from None
    if type(arr) is not np.ndarray:
        arr = np.array(arr)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise AssertionError(f"{name} should be an array of numbers, got an array of {arr.dtype}.")
    return arr


def rel_error(x: Any, y: Any) -> float:
    """Maximum relative error between two arrays, as in CS231n: ``max |x-y| / max(1e-8, |x|+|y|)``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0 and y.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def check_shape(value: Any, shape: Sequence[int], name: str = "result", hint: str | None = None) -> np.ndarray:
    """Fail unless ``value`` is a numeric array of exactly ``shape``; return it as an array."""
    arr = as_array(value, name)
    if tuple(arr.shape) != tuple(shape):
        _fail(f"{name} has shape {tuple(arr.shape)}, expected {tuple(shape)}.", hint)
    return arr


def check_dtype(value: Any, dtype: Any, name: str = "result", hint: str | None = None) -> np.ndarray:
    """Fail unless ``value`` is an array of ``dtype`` (e.g. float32 input must give float32 output)."""
    arr = as_array(value, name)
    if arr.dtype != np.dtype(dtype):
        _fail(f"{name} has dtype {arr.dtype}, expected {np.dtype(dtype)}.", hint)
    return arr


def check_finite(value: Any, name: str = "result", hint: str | None = None) -> np.ndarray:
    """Fail if ``value`` contains NaN or infinity."""
    arr = as_array(value, name)
    bad = ~np.isfinite(arr)
    if bad.any():
        _fail(f"{name} contains {int(bad.sum())} NaN or infinite value(s).", hint)
    return arr


def check_close(
    actual: Any,
    expected: Any,
    name: str = "result",
    tol: float = 1e-7,
    hint: str | None = None,
    atol: float = 0.0,
) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and value.

    Values match when ``rel_error(actual, expected) <= tol`` or, if ``atol`` is given, when every
    absolute difference is at most ``atol`` (useful near zero, where relative error is meaningless).

    Args:
        actual: the student's answer.
        expected: the reference value.
        name: what ``actual`` is called in the message (``"h_next"``, ``"dWx"``).
        tol: largest allowed relative error.
        hint: the likely mistake, appended to the message.
        atol: largest allowed absolute difference (0 = not used).
    """
    arr = as_array(actual, name)
    ref = np.asarray(expected)
    if arr.shape != ref.shape:
        _fail(f"{name} has shape {arr.shape}, expected {ref.shape}.", hint)
    if ref.size and np.isfinite(ref).all() and not np.isfinite(arr.astype(np.float64)).all():
        _fail(f"{name} contains NaN or infinite values where the expected values are finite.", hint)
    err = rel_error(arr, ref)
    if err <= tol:
        return
    if atol and float(np.max(np.abs(arr.astype(np.float64) - ref.astype(np.float64)))) <= atol:
        return
    idx = np.unravel_index(
        np.argmax(np.abs(arr.astype(np.float64) - ref) / np.maximum(1e-8, np.abs(arr) + np.abs(ref))),
        ref.shape,
    )
    where = (
        f" at index {tuple(int(i) for i in idx)}: got {arr[idx].item():.6g}, expected {ref[idx].item():.6g}"
        if ref.ndim
        else f": got {arr.item():.6g}, expected {ref.item():.6g}"
    )
    _fail(f"{name} is wrong{where} (relative error {err:.2e}, tolerance {tol:.0e}).", hint)


def check_close_diagnosed(
    actual: Any,
    expected: Any,
    suspects: Mapping[str, Any],
    name: str = "result",
    tol: float = 1e-7,
    hint: str | None = None,
    suspect_tol: float = 1e-6,
) -> None:
    """:func:`check_close` that recognises known mistakes and names the one the student made.

    Each suspect is what a typical wrong implementation returns (computed by the test, e.g. from a
    framework run on altered inputs: the bias set to zero, the gates reordered). When ``actual`` is
    wrong and matches a suspect within ``suspect_tol``, that suspect's hint is shown instead of ``hint``.

    Args:
        actual: the student's answer.
        expected: the reference value.
        suspects: hint -> the value a known mistake gives, tried in order.
        name: what ``actual`` is called in the message.
        tol: largest allowed relative error against ``expected``.
        hint: the hint when no suspect matches.
        suspect_tol: largest relative error at which ``actual`` counts as matching a suspect.
    """
    arr = as_array(actual, name)
    ref = np.asarray(expected)
    if arr.shape == ref.shape and rel_error(arr, ref) <= tol:
        return
    for suspect_hint, value in suspects.items():
        wrong = np.asarray(value)
        if wrong.shape == arr.shape and rel_error(arr, wrong) <= suspect_tol and rel_error(ref, wrong) > tol:
            hint = suspect_hint
            break
    check_close(arr, ref, name=name, tol=tol, hint=hint)


def check_no_warnings(func: Callable[..., Any], *args: Any, name: str = "result", hint: str | None = None) -> Any:
    """Return ``func(*args)``, failing if it overflows, divides by zero or makes a NaN on the way.

    NumPy normally only warns (``RuntimeWarning: overflow encountered in exp``) and carries on with
    ``inf``; a numerically stable function never gets there. Underflow to 0 is allowed.

    Args:
        func: the student's function.
        *args: its arguments.
        name: what the call is called in the message (``"sigmoid(-1e4)"``).
        hint: the likely mistake, appended to the message.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                return func(*args)
            except (FloatingPointError, RuntimeWarning, OverflowError, ZeroDivisionError) as exc:
                problem = str(exc) or type(exc).__name__
    _fail(f"{name} hit a floating-point error ({problem}).", hint)


def check_true(condition: Any, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` is the boolean ``True`` (not merely truthy)."""
    if isinstance(condition, np.bool_):
        condition = bool(condition)
    if condition is not True:
        _fail(message, hint)


def check_unchanged(before: np.ndarray, after: np.ndarray, name: str = "input") -> None:
    """Fail if an input array was modified in place (``before`` is a copy taken before the call)."""
    if before.shape != after.shape or not np.array_equal(before, after, equal_nan=True):
        raise AssertionError(f"Your function modified {name} in place; work on a copy instead.")


def numerical_gradient(f: Callable[[], Any], x: np.ndarray, df: Any, h: float = 1e-5) -> np.ndarray:
    """Centered-difference gradient of ``sum(f() * df)`` with respect to ``x`` (CS231n's check).

    ``f`` takes no arguments and reads ``x``, which is perturbed in place and restored.

    Args:
        f: function returning an array; it must depend on ``x``.
        x: array of float64 to differentiate with respect to.
        df: upstream gradient, same shape as ``f()``.
        h: step size.

    Returns:
        Array of the shape of ``x`` with ``d sum(f * df) / dx``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(), dtype=np.float64, copy=True)
        x[ix] = old - h
        neg = np.array(f(), dtype=np.float64, copy=True)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


class MissingModule:
    """Stands in for a library that failed to import: any use raises ``ImportError`` saying what to install.

    Made by :func:`optional_import`, so that a notebook whose NumPy exercises do not need the library still
    runs, and its tests that do need it fail with this message instead of a ``NameError``.
    """

    def __init__(self, name: str, purpose: str, pip_name: str | None = None) -> None:
        self._name, self._purpose, self._pip = name, purpose, pip_name or name

    def message(self) -> str:
        return (
            f"{self._name} is not installed here, and {self._purpose} need it: install it "
            f"(pip install {self._pip}) and restart the kernel. The exercises that do not need it still run and grade."
        )

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ImportError(self.message())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(self.message())


def optional_import(name: str, purpose: str, pip_name: str | None = None) -> Any:
    """Import module ``name``, or, if that fails, print why and return a :class:`MissingModule` for it.

    Args:
        name: module to import (``"torch"``).
        purpose: what needs it, as the subject of "... need it" (``"the comparisons with torch.nn.RNN"``).
        pip_name: the package to ``pip install`` if it differs from ``name``.
    """
    import importlib

    try:
        return importlib.import_module(name)
    except (ImportError, OSError) as exc:
        missing = MissingModule(name, purpose, pip_name)
        print(f"Note: import {name} failed ({exc}). {missing.message()}")
        return missing
