"""The burst detectors measured on synthetic series with planted bursts (the harness behind
the choice of ``timelines.burst_method``; see ``bench/timelines.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conflict_narratives.timelines.bursts import detect, intervals


def planted_series(
    rng: np.random.Generator,
    *,
    n_periods: int = 80,
    n_bursts: int = 2,
    mean_total: float = 300.0,
    overdispersion: float = 0.25,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One synthetic topic series: ``(counts, totals, truth)`` with ``n_bursts`` planted bursts.

    Totals vary (weekly news volume with drift); the topic's base share (1–10 %) wobbles
    by a log-normal factor (``overdispersion``: real series are noisier than binomial);
    each burst lasts 1–6 periods and multiplies the share by 2–5.
    """
    trend = np.exp(rng.normal(0, 0.3, n_periods).cumsum() * 0.2)
    totals = rng.poisson(mean_total * trend / trend.mean()).clip(min=5)
    base = rng.uniform(0.01, 0.10)
    share = base * np.exp(rng.normal(0, overdispersion, n_periods))
    truth = np.zeros(n_periods, bool)
    for _ in range(n_bursts):
        length = int(rng.integers(1, 7))
        start = int(rng.integers(0, n_periods - length))
        truth[start : start + length] = True
        share[start : start + length] *= rng.uniform(2, 5)
    counts = rng.binomial(totals, share.clip(max=0.95))
    return counts.astype(float), totals.astype(float), truth


def evaluate_detectors(
    configs: dict[str, dict],
    *,
    n_series: int = 200,
    seed: int = 0,
    **series_kw: float,
) -> pd.DataFrame:
    """Period-level precision / recall / F1 (micro-averaged) and burst-level recall (a
    planted burst counts as found when any of its periods is flagged) of each detector
    configuration ``{name: {"method": ..., **params}}`` on the same planted series."""
    rng = np.random.default_rng(seed)
    series = [planted_series(rng, **series_kw) for _ in range(n_series)]
    rows = []
    for name, cfg in configs.items():
        cfg = dict(cfg)
        method = cfg.pop("method")
        tp = fp = fn = found = planted = 0
        for counts, totals, truth in series:
            pred, _ = detect(counts, totals, method=method, **cfg)
            tp += int((pred & truth).sum())
            fp += int((pred & ~truth).sum())
            fn += int((~pred & truth).sum())
            for a, b in intervals(truth):
                planted += 1
                found += bool(pred[a : b + 1].any())
        p = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        rows.append(
            {
                "detector": name,
                "method": method,
                "params": cfg,
                "precision": p,
                "recall": rec,
                "f1": 2 * p * rec / (p + rec) if p + rec else 0.0,
                "burst_recall": found / planted if planted else 0.0,
            }
        )
    return pd.DataFrame(rows)
