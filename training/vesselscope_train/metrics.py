"""Crop classification figures: accuracy, precision, recall, F1 and the counts behind them."""

from __future__ import annotations

import numpy as np

PAPER_ACCURACY = 0.945  # Smistad & Løvstakken, DLMIA 2016, femoral, leave-one-subject-out


THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def crop_metrics(
    labels: np.ndarray, p_vessel: np.ndarray, threshold: float | np.ndarray
) -> dict[str, float]:
    """Figures of the decision P(vessel) > threshold (one value, or one per crop)."""
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
    accuracy = np.array([np.mean((p_vessel > t) == labels.astype(bool)) for t in THRESHOLDS])
    best = np.flatnonzero(accuracy >= accuracy.max() - 1e-12)
    return float(THRESHOLDS[best[np.argmin(np.abs(THRESHOLDS[best] - 0.5))]])


def summary_line(name: str, m: dict[str, float]) -> str:
    return (
        f"{name}: accuracy {m['accuracy']:.1%} (paper {PAPER_ACCURACY:.1%}), precision "
        f"{m['precision']:.1%}, recall {m['recall']:.1%}, ROC AUC {m['auc']:.3f} on {m['crops']} "
        f"crops ({m['positives']} vessels)"
    )
