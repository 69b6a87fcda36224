"""Grouped k-fold: no real image cluster and no simulated cine in both train and test.

Groups are dealt to folds per domain (real, simulated), largest first, each to the fold holding
the fewest crops of that domain so far, after a seeded shuffle: every fold gets both domains and
about the same number of crops.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def grouped_folds(groups: np.ndarray, domains: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """The fold (0..k-1) of every crop, its group's fold."""
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {k}")
    rng = np.random.default_rng(seed)
    fold_of_group: dict[str, int] = {}
    for domain in sorted(set(domains.tolist())):
        sizes = Counter(groups[domains == domain].tolist())
        if len(sizes) < k:
            raise ValueError(f"{domain}: {len(sizes)} groups cannot fill {k} folds")
        names = sorted(sizes)
        rng.shuffle(names)
        filled = np.zeros(k, np.int64)
        for name in sorted(names, key=lambda n: -sizes[n]):  # stable: ties keep shuffled order
            fold = int(np.argmin(filled))
            fold_of_group[name] = fold
            filled[fold] += sizes[name]
    return np.array([fold_of_group[g] for g in groups.tolist()], np.int64)
