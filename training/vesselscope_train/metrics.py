"""Crop classification figures: accuracy, precision, recall, F1 and the counts behind them."""

from __future__ import annotations

import math

import numpy as np

PAPER_ACCURACY = 0.945  # Smistad & Løvstakken, DLMIA 2016, femoral, leave-one-subject-out


THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def crop_metrics(
    labels: np.ndarray, p_vessel: np.ndarray, threshold: float | np.ndarray
) -> dict[str, float]:
    """Figures of the decision P(vessel) > threshold (one value, or one per crop)."""
    _check_finite(p_vessel)
    predicted = p_vessel > threshold
    truth = labels.astype(bool)
    tp = int(np.sum(predicted & truth))
    tn = int(np.sum(~predicted & ~truth))
    fp = int(np.sum(predicted & ~truth))
    fn = int(np.sum(~predicted & truth))
    total = tp + tn + fp + fn
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    specificity = tn / (tn + fp) if tn + fp else float("nan")
    return {
        "accuracy": (tp + tn) / total if total else float("nan"),
        "precision": precision,
        "recall": recall,
        "specificity": specificity,
        "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
        "auc": roc_auc(truth, p_vessel),
        "crops": total,
        "positives": tp + fn,
        "tp": tp,
        "tn": tn,
        "fp": fp,
        "fn": fn,
    }


def roc_auc(truth: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (threshold-free), by ranks; NaN without both classes."""
    positives, negatives = int(truth.sum()), int((~truth).sum())
    if not positives or not negatives:
        return float("nan")
    # mean rank of each distinct score, so that ties count half
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - counts + (counts + 1) / 2.0)[inverse]
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def best_threshold(labels: np.ndarray, p_vessel: np.ndarray) -> float:
    """The threshold of THRESHOLDS with the best accuracy; ties go to the one nearest 0.5."""
    _check_finite(p_vessel)
    accuracy = np.array([np.mean((p_vessel > t) == labels.astype(bool)) for t in THRESHOLDS])
    best = np.flatnonzero(accuracy >= accuracy.max() - 1e-12)
    return float(THRESHOLDS[best[np.argmin(np.abs(THRESHOLDS[best] - 0.5))]])


def _check_finite(p_vessel: np.ndarray) -> None:
    # NaN > threshold is False: a diverged model would score as "always not a vessel", which on
    # these crops looks like a fair accuracy.
    bad = int(np.count_nonzero(~np.isfinite(p_vessel)))
    if bad:
        raise ValueError(
            f"{bad} of {len(p_vessel)} crops have no finite P(vessel): the model diverged "
            "(try a lower --lr)"
        )


def summary_line(name: str, m: dict[str, float]) -> str:
    """One line of figures, with the accuracy of answering "not a vessel" always beside the
    accuracy: on crops that are mostly not vessels, a high accuracy alone says little."""
    baseline = 1.0 - m["positives"] / m["crops"] if m["crops"] else float("nan")
    return (
        f"{name}: accuracy {_share(m['accuracy'])} (always 'not a vessel': {_share(baseline)}; "
        f"the paper's femoral crops: {PAPER_ACCURACY:.1%}), precision {_share(m['precision'])}, "
        f"recall {_share(m['recall'])}, ROC AUC {_figure(m['auc'])} on {m['crops']} crops "
        f"({m['positives']} vessels)"
    )


def _share(value: float) -> str:
    return f"{value:.1%}" if math.isfinite(value) else "n/a"


def _figure(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "n/a"
