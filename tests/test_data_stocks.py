"""The shipped stock prices (datasets/stocks/) and their loader match datasets/README.md."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from lstm_course.data.stocks import TICKERS, load_all_stocks, load_stocks
from lstm_course.paths import REPO_ROOT, dataset_path

README = REPO_ROOT / "datasets" / "README.md"
#: (ticker, first trading day at the new quotation) of the 2:1 splits inside the data.
SPLITS = [("AAPL", "2000-06-21"), ("AAPL", "2005-02-28"), ("MSFT", "2003-02-18")]


def stocks_section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- section: stocks -->(.*)<!-- end: stocks -->", text, re.S)
    assert match, "datasets/README.md has no stocks section"
    return match.group(1)


@pytest.fixture(scope="module")
def stocks():
    return load_all_stocks()


def test_sha256_matches_readme():
    match = re.search(r"`stocks/stocks\.csv\.gz` \| `([0-9a-f]{64})`", stocks_section())
    assert match, "no sha256 for stocks/stocks.csv.gz in datasets/README.md"
    digest = hashlib.sha256(dataset_path("stocks", "stocks.csv.gz").read_bytes()).hexdigest()
    assert digest == match.group(1)


def test_rows_and_ranges_match_readme(stocks):
    table = dict(
        (m.group(1), (int(m.group(2)), m.group(3), m.group(4)))
        for m in re.finditer(r"^\| (\w+) \| (\d+) \| ([\d-]+) \| ([\d-]+) \|$", stocks_section(), re.M)
    )
    assert set(table) == set(TICKERS)
    for ticker, prices in stocks.items():
        assert (len(prices), str(prices.dates[0]), str(prices.dates[-1])) == table[ticker]


def test_dates_sorted_unique_and_values_complete(stocks):
    for ticker, p in stocks.items():
        assert p.dates.dtype == np.dtype("datetime64[D]")
        assert np.all(np.diff(p.dates).astype(int) > 0), f"{ticker}: dates not strictly increasing"
        for name in ("open", "high", "low", "close", "volume", "adj_close"):
            col = p[name]
            assert col.shape == p.dates.shape, f"{ticker}.{name} has the wrong length"
            assert np.all(np.isfinite(col)), f"{ticker}.{name} has missing values"
            assert np.all(col > 0), f"{ticker}.{name} has non-positive values"
        assert np.all(p.low <= np.minimum(p.open, p.close) + 1e-9), ticker
        assert np.all(p.high >= np.maximum(p.open, p.close) - 1e-9), ticker


@pytest.mark.parametrize(("ticker", "day"), SPLITS)
def test_adjusted_close_continuous_across_splits(stocks, ticker, day):
    p = stocks[ticker]
    (i,) = np.flatnonzero(p.dates == np.datetime64(day))
    raw = p.close[i] / p.close[i - 1]
    adj = p.adj_close[i] / p.adj_close[i - 1]
    assert 0.4 < raw < 0.6, f"the unadjusted close should halve at the {day} split, ratio {raw:.3f}"
    assert 0.85 < adj < 1.15, f"adj_close should not jump at the {day} split, ratio {adj:.3f}"
    # A split-adjusted series differs from the raw one by a factor that changes by 2 at the split.
    factor_before = p.close[i - 1] / p.adj_close[i - 1]
    factor_after = p.close[i] / p.adj_close[i]
    assert factor_before / factor_after == pytest.approx(2.0, rel=0.01)


def test_adjusted_close_has_no_other_split_sized_jumps(stocks):
    real_falls = {("AAPL", "2000-09-29")}  # profit warning, -52%
    for ticker, p in stocks.items():
        ratio = p.adj_close[1:] / p.adj_close[:-1]
        days = {(ticker, str(d)) for d in p.dates[1:][(ratio < 0.6) | (ratio > 1.6)]}
        assert days <= real_falls, f"{ticker}: unexpected jumps in adj_close on {sorted(days - real_falls)}"


def test_load_stocks_rejects_unknown_ticker():
    with pytest.raises(ValueError, match="unknown ticker"):
        load_stocks("FB")
    assert load_stocks("aapl").ticker == "AAPL"
