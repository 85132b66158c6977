"""The drift benchmark's baseline: the same statistics with numpy/scipy on the same data.

Usage: python3 bench/drift_scipy.py DIR FEATURES REPEATS
DIR holds reference.f64 and current.f64 (float64, column after column) written by bench/drift.ts.
Prints {"robust": ms, "evidently": ms}: median time of one evaluation of every column.
robust    = ks_2samp (method auto) + PSI on reference deciles with open outer bins + Benjamini-Hochberg
evidently = normed wasserstein_distance (n_ref > 1000, > 5 values) + PSI on Sturges bins
"""
import json
import sys
import time

import numpy as np
from scipy import stats


def psi(ref_counts, cur_counts):
    ref = ref_counts / ref_counts.sum()
    cur = cur_counts / cur_counts.sum()
    ref = np.where(ref == 0, 1e-4, ref)
    cur = np.where(cur == 0, 1e-4, cur)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def robust(reference, current):
    pvalues = []
    for ref, cur in zip(reference, current):
        pvalues.append(stats.ks_2samp(ref, cur).pvalue)
        edges = np.unique(np.quantile(ref, np.linspace(0.1, 0.9, 9)))
        psi(np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1),
            np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1))
    stats.false_discovery_control(np.array(pvalues), method="bh")


def evidently(reference, current):
    for ref, cur in zip(reference, current):
        stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        psi(np.histogram(ref, edges)[0], np.histogram(cur, edges)[0])


def main():
    directory, features, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    reference = np.fromfile(f"{directory}/reference.f64").reshape(features, -1)
    current = np.fromfile(f"{directory}/current.f64").reshape(features, -1)
    out = {}
    for name, fn in (("robust", robust), ("evidently", evidently)):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn(reference, current)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = float(np.median(times))
    print(json.dumps(out))


main()
