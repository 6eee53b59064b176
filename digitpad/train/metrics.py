"""Calibration and "not sure" metrics (numpy only: usable by the benchmarks without torch)."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None))))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood (log-spaced grid, then a finer one)."""
    grid = np.exp(np.linspace(np.log(0.2), np.log(10.0), 161))
    best = min(grid, key=lambda t: nll(logits, labels, t))
    fine = best * np.exp(np.linspace(-0.03, 0.03, 61))
    return float(min(fine, key=lambda t: nll(logits, labels, t)))


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error: mean |accuracy - confidence| over equal-width confidence bins."""
    probs = np.asarray(probs)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(correct[m].mean() - conf[m].mean())
    return float(total / max(len(conf), 1))


def choose_threshold(digit_top: np.ndarray, nondigit_top: np.ndarray, max_digit_rate: float = 0.02) -> float:
    """Highest threshold on top probability that leaves at most ``max_digit_rate`` of real digits below it.

    "Below" means top probability < threshold ("not sure").  Taking the highest such
    threshold maximises the share of non-digits caught for that real-digit budget.
    """
    top = np.sort(np.asarray(digit_top, np.float64))
    k = int(np.floor(max_digit_rate * len(top)))  # at most k digits strictly below
    threshold = float(top[k]) if k < len(top) else 1.0
    return float(np.floor(threshold * 1e4) / 1e4)  # rounding down never adds digits below


def below_rate(top: np.ndarray, threshold: float) -> float:
    return float(np.mean(np.asarray(top) < threshold))
