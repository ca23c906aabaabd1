"""Burst detection on a topic's per-period counts.

Two detectors, both on counts ``r_t`` out of period totals ``d_t`` (so a topic is bursty
when its *share* of the news rises, not when the news volume does):

- :func:`kleinberg` — Kleinberg's two-state automaton, batched/binomial variant (Kleinberg
  2003, §4): base rate ``p0 = sum(r) / sum(d)``, burst rate ``s * p0``, entering the burst
  state costs ``gamma * ln(n)``; the cheapest state sequence is found by Viterbi.
- :func:`robust_zscore` — the share against a trailing baseline: median and MAD over the
  previous ``window`` periods, floored by the binomial standard error so a sparse series
  (MAD = 0) does not fire on one stray document.

``bench/bursts.py`` scores both on synthetic series with planted bursts (period-level
precision / recall / F1); the default below follows its numbers
(``reports/benchmarks/timelines.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("kleinberg", "zscore")
DEFAULT_METHOD = "kleinberg"  # higher period F1 on planted bursts: bench/bursts.py


def _as_arrays(counts: Sequence[float], totals: Sequence[float] | None) -> tuple[np.ndarray, ...]:
    r = np.asarray(counts, dtype=float)
    d = np.asarray(totals, dtype=float) if totals is not None else np.full_like(r, r.sum())
    if r.shape != d.shape or r.ndim != 1:
        raise ValueError(f"counts and totals must be 1-D of one length, got {r.shape}, {d.shape}")
    if np.any(r < 0) or np.any(r > d):
        raise ValueError("counts must lie in [0, totals] for every period")
    return r, d


def kleinberg(
    counts: Sequence[float],
    totals: Sequence[float] | None = None,
    *,
    s: float = 2.0,
    gamma: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-state binomial Kleinberg automaton.

    Returns ``(in_burst, weight)``: a boolean per period and, per period, the log-likelihood
    gain of the burst state over the base state (the burst's intensity is its sum).
    """
    r, d = _as_arrays(counts, totals)
    n = len(r)
    if n == 0 or r.sum() == 0:
        return np.zeros(n, bool), np.zeros(n)
    p0 = r.sum() / d.sum()
    p1 = min(s * p0, 0.9999)
    eps = 1e-12

    def cost(p: float) -> np.ndarray:
        return -(r * np.log(p + eps) + (d - r) * np.log(1 - p + eps))

    c = np.vstack([cost(p0), cost(p1)])  # (2, n); binomial coefficient is state-free
    up = gamma * np.log(n) if n > 1 else gamma
    total = np.zeros((2, n))
    back = np.zeros((2, n), dtype=int)
    total[0, 0], total[1, 0] = c[0, 0], c[1, 0] + up
    for t in range(1, n):
        stay0, from1 = total[0, t - 1], total[1, t - 1]  # going down is free
        total[0, t], back[0, t] = (stay0, 0) if stay0 <= from1 else (from1, 1)
        enter, stay1 = total[0, t - 1] + up, total[1, t - 1]
        total[1, t], back[1, t] = (stay1, 1) if stay1 <= enter else (enter, 0)
        total[:, t] += c[:, t]
    states = np.zeros(n, dtype=int)
    states[-1] = int(np.argmin(total[:, -1]))
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[states[t], t]
    in_burst = states == 1
    return in_burst, np.where(in_burst, c[0] - c[1], 0.0)


def robust_zscore(
    counts: Sequence[float],
    totals: Sequence[float] | None = None,
    *,
    window: int = 8,
    threshold: float = 3.0,
    min_count: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Robust z-score of each period's share against the trailing ``window`` periods.

    Returns ``(in_burst, z)``. Periods with fewer than ``min_count`` documents never burst;
    the first periods (too little history) are scored against the whole series' median.
    """
    r, d = _as_arrays(counts, totals)
    n = len(r)
    share = np.divide(r, d, out=np.zeros(n), where=d > 0)
    p_all = r.sum() / d.sum() if d.sum() else 0.0
    z = np.zeros(n)
    for t in range(n):
        hist = share[max(0, t - window) : t][d[max(0, t - window) : t] > 0]
        if len(hist) < 3:
            hist = share[d > 0]
        med = float(np.median(hist)) if len(hist) else 0.0
        mad = 1.4826 * float(np.median(np.abs(hist - med))) if len(hist) else 0.0
        p = max(med, p_all)
        se = np.sqrt(p * (1 - p) / d[t]) if d[t] > 0 else np.inf
        z[t] = (share[t] - med) / max(mad, se, 1e-12)
    return (z >= threshold) & (r >= min_count), z


def detect(
    counts: Sequence[float],
    totals: Sequence[float] | None = None,
    *,
    method: str = DEFAULT_METHOD,
    **params: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the named detector (``kleinberg`` or ``zscore``); returns ``(in_burst, score)``."""
    if method == "kleinberg":
        return kleinberg(counts, totals, **params)
    if method == "zscore":
        return robust_zscore(counts, totals, **params)
    raise ValueError(f"unknown burst method {method!r}; choose one of {METHODS}")


def intervals(in_burst: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as inclusive ``(start, end)`` index pairs."""
    mask = np.asarray(in_burst, bool)
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))
