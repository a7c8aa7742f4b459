"""Daily stock prices of notebook 08 (``datasets/stocks/stocks.csv.gz``, Quandl WIKI, public domain).

Built by ``datasets/build_stocks.py`` from the ``bokeh_sampledata`` wheel; provenance and sha256 are in
``datasets/README.md``. Open/high/low/close/volume are *unadjusted*: they jump at stock splits (AAPL
halves on 2000-06-21 and 2005-02-28). ``adj_close`` is adjusted for splits and dividends and is the price
to model.

Example::

    from lstm_course.data.stocks import load_stocks

    aapl = load_stocks("AAPL")
    aapl.dates[:2], aapl.adj_close[:2]   # datetime64[D], float64
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_course.paths import dataset_path

__all__ = ["COLUMNS", "TICKERS", "StockPrices", "load_all_stocks", "load_stocks"]

#: Tickers shipped in ``datasets/stocks/``.
TICKERS: tuple[str, ...] = ("AAPL", "GOOG", "IBM", "MSFT")
#: Columns of the shipped file.
COLUMNS: tuple[str, ...] = ("ticker", "date", "open", "high", "low", "close", "volume", "adj_close")
FILE: tuple[str, str] = ("stocks", "stocks.csv.gz")


@dataclass(frozen=True)
class StockPrices:
    """Daily prices of one ticker, oldest first; every array has length T (trading days).

    Attributes:
        ticker: e.g. ``"AAPL"``.
        dates: (T,) ``datetime64[D]``, strictly increasing.
        open, high, low, close: (T,) float64 unadjusted prices in USD.
        volume: (T,) int64 shares traded (unadjusted).
        adj_close: (T,) float64 close adjusted for splits and dividends.
    """

    ticker: str
    dates: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    adj_close: np.ndarray

    def __len__(self) -> int:
        return len(self.dates)

    def __getitem__(self, column: str) -> np.ndarray:
        """``prices["adj_close"]`` is ``prices.adj_close``."""
        if column not in COLUMNS[1:]:
            raise KeyError(f"{column!r} is not one of {COLUMNS[1:]}")
        return getattr(self, column)

    def to_frame(self) -> Any:
        """Return a pandas DataFrame indexed by date (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(
            {name: getattr(self, name) for name in COLUMNS[2:]},
            index=pd.DatetimeIndex(self.dates, name="date"),
        )


def _read_rows() -> list[list[str]]:
    with gzip.open(dataset_path(*FILE), "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ValueError(f"{FILE[1]} has columns {header}, expected {list(COLUMNS)}")
        return list(reader)


def _to_prices(ticker: str, rows: list[list[str]]) -> StockPrices:
    cols = list(zip(*rows, strict=True))
    floats = {name: np.array(cols[i], dtype=np.float64) for i, name in enumerate(COLUMNS) if i >= 2}
    floats["volume"] = np.array(cols[COLUMNS.index("volume")], dtype=np.int64)
    dates = np.array(cols[1], dtype="datetime64[D]")
    return StockPrices(ticker=ticker, dates=dates, **floats)


def load_all_stocks() -> dict[str, StockPrices]:
    """Return every shipped ticker: ``{"AAPL": StockPrices, ...}``."""
    rows = _read_rows()
    return {t: _to_prices(t, [r for r in rows if r[0] == t]) for t in TICKERS}


def load_stocks(ticker: str = "AAPL") -> StockPrices:
    """Return the daily prices of one ticker (AAPL, IBM, MSFT: 3270 days from 2000-03-01; GOOG: 2148).

    Args:
        ticker: one of :data:`TICKERS`.

    Raises:
        ValueError: for a ticker that is not shipped.
    """
    ticker = ticker.upper()
    if ticker not in TICKERS:
        raise ValueError(f"unknown ticker {ticker!r}; the course ships {', '.join(TICKERS)}")
    return _to_prices(ticker, [r for r in _read_rows() if r[0] == ticker])
