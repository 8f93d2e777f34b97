"""Backtest the analytics forecasts on seeded history (docs/analytics.md, Forecast).

``python benchmarks/analytics_forecast.py [--seeds 10] [--holdout 30]``: for each
seed, 140 days of synthetic daily views (``socialflow.analytics.forecast.seeded_history``:
a growing level, busier weekends, Poisson noise), the last ``holdout`` held
out; prints each method's mean absolute error, mean absolute percentage error
and 80% interval coverage, per seed and averaged. ETS needs statsmodels
(``pip install 'socialflow[analytics]'``).
"""

from __future__ import annotations

import argparse
import statistics

from socialflow.analytics.forecast import backtest, ets_available, seeded_history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--holdout", type=int, default=30)
    args = parser.parse_args()
    methods = ["seasonal_naive", *(["ets"] if ets_available() else [])]
    print("| method | MAE (views/day) | MAPE | 80% interval coverage |")
    print("|---|---|---|---|")
    for method in methods:
        scores = [
            backtest(seeded_history(seed=seed), args.holdout, method)
            for seed in range(1, args.seeds + 1)
        ]
        mae = statistics.mean(s.mae for s in scores)
        mape = statistics.mean(s.mape for s in scores)
        coverage = statistics.mean(s.coverage for s in scores)
        print(f"| `{method}` | {mae:.1f} | {mape:.1%} | {coverage:.0%} |")


if __name__ == "__main__":
    main()
