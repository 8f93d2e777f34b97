"""Views for the coming days, with intervals, from a creator's daily history.

Two methods, both over whole UTC days of views with a weekly season:

* ``ets``: an exponential smoothing state-space model (statsmodels' ``ETSModel``:
  additive error, additive damped trend, additive weekly season), fitted by
  maximum likelihood, with its own prediction intervals. Used when statsmodels
  is installed (``pip install 'socialflow[analytics]'``) and the history holds
  at least four weeks.
* ``seasonal_naive``: every forecast day is the mean of the same weekday over
  the last ``WEEKS`` weeks; the interval adds the empirical quantiles of the
  same method's errors on the history when forecasting as many weeks ahead
  (so a trend the method lags behind widens and shifts it). No dependency
  beyond numpy; the fallback for short histories or without statsmodels.

Forecasts are clipped at zero. :func:`backtest` holds out the last days of a
series and scores a method on them (docs/analytics.md has the numbers on
seeded history).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

SEASON = 7
WEEKS = 4
MIN_ETS_DAYS = 4 * SEASON


@dataclass(frozen=True)
class Forecast:
    method: str
    mean: list[float]
    low: list[float]
    high: list[float]


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def seasonal_naive(history: list[float], horizon: int, level: float = 0.8) -> Forecast:
    """Same weekday, averaged over the last ``WEEKS`` weeks; empirical intervals."""
    y = np.asarray(history, dtype=float)
    n = len(y)
    if n == 0:
        zeros = [0.0] * horizon
        return Forecast("seasonal_naive", zeros, zeros, zeros)

    def predict(upto: int, day: int) -> float:
        # Days ``day - 7k`` that are known (< upto), the last WEEKS of them.
        known = [y[d] for d in range(day - SEASON, -1, -SEASON) if d < upto][:WEEKS]
        return float(np.mean(known)) if known else float(np.mean(y[:upto]))

    tails = ((1 - level) / 2, 1 - (1 - level) / 2)
    bands: dict[int, tuple[float, float]] = {}

    def band(weeks_ahead: int) -> tuple[float, float]:
        # The same method's errors on the history, made ``weeks_ahead`` weeks before the
        # day (so the lag behind a trend shows in them), as empirical quantiles.
        if weeks_ahead not in bands:
            lead = SEASON * (weeks_ahead - 1)
            errors = [y[d] - predict(d - lead, d) for d in range(SEASON + lead, n)]
            if len(errors) < 2:
                spread = float(np.std(y)) * _z(level)
                bands[weeks_ahead] = (-spread, spread)
            else:
                low_q, high_q = np.quantile(errors, tails)
                bands[weeks_ahead] = (float(low_q), float(high_q))
        return bands[weeks_ahead]

    mean, low, high = [], [], []
    for h in range(horizon):
        value = predict(n, n + h)
        below, above = band(h // SEASON + 1)
        mean.append(max(value, 0.0))
        low.append(max(value + below, 0.0))
        high.append(max(value + above, 0.0))
    return Forecast("seasonal_naive", mean, low, high)


def ets_available() -> bool:
    try:
        import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401
    except ImportError:
        return False
    return True


def ets(history: list[float], horizon: int, level: float = 0.8) -> Forecast:
    """Damped additive-trend, additive weekly-season ETS with model intervals."""
    import pandas
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pandas.Series(np.asarray(history, dtype=float))
    model = ETSModel(
        y,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=SEASON,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat or tiny series
        fitted = model.fit(disp=False)
        frame = fitted.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(
            alpha=1 - level
        )
    mean = [max(float(v), 0.0) for v in frame["mean"]]
    low = [max(float(v), 0.0) for v in frame["pi_lower"]]
    high = [max(float(v), 0.0) for v in frame["pi_upper"]]
    return Forecast("ets", mean, low, high)


def forecast(history: list[float], horizon: int, level: float = 0.8) -> Forecast:
    """ETS where it can run (statsmodels installed, four weeks of history, not all
    zeros), else the seasonal-naive baseline."""
    if len(history) >= MIN_ETS_DAYS and any(history) and ets_available():
        try:
            return ets(history, horizon, level)
        except (ValueError, np.linalg.LinAlgError):
            pass
    return seasonal_naive(history, horizon, level)


@dataclass(frozen=True)
class Score:
    method: str
    mae: float
    mape: float
    coverage: float


def backtest(series: list[float], holdout: int, method: str, level: float = 0.8) -> Score:
    """Fit on all but the last ``holdout`` days, score the forecast of those days: mean
    absolute error, mean absolute percentage error (days with views), and the share
    of days inside the interval."""
    history, actual = series[:-holdout], np.asarray(series[-holdout:], dtype=float)
    made = (
        ets(history, holdout, level) if method == "ets" else seasonal_naive(history, holdout, level)
    )
    mean = np.asarray(made.mean)
    errors = np.abs(actual - mean)
    seen = actual > 0
    mape = float(np.mean(errors[seen] / actual[seen])) if seen.any() else 0.0
    inside = (actual >= np.asarray(made.low)) & (actual <= np.asarray(made.high))
    return Score(method, float(np.mean(errors)), mape, float(np.mean(inside)))


def seeded_history(days: int = 140, seed: int = 7) -> list[float]:
    """A creator's daily views for tests and the documented backtest: a growing level,
    weekends busier, Poisson noise (numpy's seeded generator, so always the same)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekly = np.array([1.0, 0.9, 0.95, 1.0, 1.1, 1.4, 1.5])
    expected = (200 + 1.5 * t) * weekly[t % SEASON]
    return [float(v) for v in rng.poisson(expected)]
