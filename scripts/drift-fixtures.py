#!/usr/bin/env python3
"""Generate the drift statistics fixtures: test/fixtures/drift/*.json.

    python3 scripts/drift-fixtures.py            # (npm run fixtures:generate) write the fixtures
    python3 scripts/drift-fixtures.py --check    # (npm run fixtures:check) regenerate into a
                                                 # temporary directory, exit 1 naming every
                                                 # fixture that differs from the committed one
                                                 # (numbers: beyond RELATIVE_TOLERANCE)
    python3 scripts/drift-fixtures.py --out DIR  # write somewhere else

The expected values come from numpy and scipy themselves (ks_2samp, wasserstein_distance,
jensenshannon, chi2_contingency, chisquare, norm, kstwo, special.*, histogram_bin_edges,
histogram, quantile, false_discovery_control, chi2.sf/isf, kolmogi); Holm's adjustment is
computed with numpy (statsmodels is not installed here). The TypeScript tests in test/unit/drift/ read the
same inputs from the fixtures and must agree to 1e-9 relative (1e-12 absolute near 0).

Evidently itself cannot be installed here (PyPI is unreachable from this machine and CI), so
the whole-dataset expectations of the `evidently` method come from evidently_column() below: an
independent re-implementation, in numpy/scipy, of Evidently 0.7's default DataDriftPreset
(evidently/legacy/calculations/data_drift.py get_one_column_drift and get_dataset_drift,
stattests/registry.py _get_default_stattest, stattests/utils.py get_binned_data, and the ks,
chisquare, z, jensenshannon, wasserstein and psi stattest files), written from Evidently's
source and not from the TypeScript. robust_dataset() does the same for the robust method
(src/drift/methods/robust.ts states its rules).

Output is deterministic: fixed seeds, floats written with repr (shortest round-trip), keys in
insertion order. Inputs are stored as integers with a scale (value = int / scale, which is the
same double in Python and JavaScript), missing values as null, infinities as "inf"/"-inf".
"""

import argparse
import json
import math
import os
import sys
import tempfile
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

SCRIPT = "scripts/drift-fixtures.py"
GENERATED_BY = f"{SCRIPT} (npm run fixtures:generate), numpy {np.__version__}, scipy {scipy.__version__}"
FIXTURE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "drift")


# -- encoding ----------------------------------------------------------------------------------

def num(x):
    """A number for JSON: repr-precision float, or "inf" / "-inf" / "nan" (JSON has none)."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def sample(ints, scale):
    """Integers (or None for missing, +-inf) stored compactly; the decoded values are ints / scale."""
    out = []
    for v in ints:
        if v is None:
            out.append(None)
        elif isinstance(v, float) and math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(int(v))
    return {"scale": scale, "values": out}


def decode(s):
    vals = []
    for v in s["values"]:
        if v is None:
            vals.append(np.nan)
        elif v == "inf":
            vals.append(np.inf)
        elif v == "-inf":
            vals.append(-np.inf)
        else:
            vals.append(v / s["scale"])
    return np.array(vals, dtype=np.float64)


def quantized(x, scale):
    """Round float data to a grid of 1/scale: the stored integers."""
    return [int(v) for v in np.round(np.asarray(x) * scale)]


def fixture(description, cases):
    return {"generated_by": GENERATED_BY, "description": description, "cases": cases}


# -- special functions -------------------------------------------------------------------------

def special_functions():
    cases = []
    for x in list(np.linspace(0.01, 3, 60)) + [0.04, 0.041, 0.5, 0.82, 0.83, 1e-3, 5, 10]:
        cases.append({"fn": "kolmogorov", "args": [float(x)], "value": num(special.kolmogorov(x))})
    for n in [1, 2, 5, 10, 50, 140, 141, 1000, 5000, 9091, 100000]:
        xs = [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 1 / n, 0.5 / n, 2 / n, 1 - 1 / n]
        if n == 100000:
            xs = [0.0001, 0.005, 0.05, 0.5]  # each smirnov(1e5, x) sums ~1e5 terms: a few points suffice
        for x in [v for v in xs if v <= 1]:
            cases.append({"fn": "smirnov", "args": [n, float(x)], "value": num(special.smirnov(n, x))})
            cases.append({"fn": "kstwo_sf", "args": [float(x), n], "value": num(stats.kstwo.sf(x, n))})
    # Every branch of scipy's _kolmogn: n <= 140 (DMTW, Pomeranz, Miller), n > 140 (DMTW, Pelz-Good, smirnov).
    for n in [3, 7, 20, 60, 140, 141, 300, 1000, 4846, 9091, 20000, 100000]:
        for z in [0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 10] if n < 100000 else [0.6, 1.0, 2.0]:
            x = z / np.sqrt(n)
            if x < 1:
                cases.append({"fn": "kstwo_sf", "args": [float(x), n], "value": num(stats.kstwo.sf(x, n))})
    for df in [1, 2, 3, 4, 5, 9, 19, 41, 59, 99, 399, 401, 1000]:
        for r in [0.001, 0.01, 0.1, 0.3, 0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5, 2, 3, 5, 10]:
            x = df * r
            cases.append({"fn": "chi2_sf", "args": [df, float(x)], "value": num(stats.chi2.sf(x, df))})
    for x in np.linspace(-40, 10, 201):
        cases.append({"fn": "ndtr", "args": [float(x)], "value": num(special.ndtr(x))})
    for a in [0.1, 0.5, 1, 1.5, 3, 10, 25, 50, 150, 250, 1000]:
        for x in [1e-3, 0.3, 0.6, 1.0, 1.05, 2, 5, a * 0.8, a, a * 1.1, a * 2, a + 3 * np.sqrt(a)]:
            cases.append({"fn": "gammaincc", "args": [a, float(x)], "value": num(special.gammaincc(a, x))})
            cases.append({"fn": "gammainc", "args": [a, float(x)], "value": num(special.gammainc(a, x))})
    return fixture("scipy.special / scipy.stats distribution functions the tests rest on", cases)


# -- Kolmogorov-Smirnov ------------------------------------------------------------------------

def ks_case(name, a_ints, b_ints, scale):
    a = decode(sample(a_ints, scale))
    b = decode(sample(b_ints, scale))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = stats.ks_2samp(a, b, method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    method = "exact" if max(len(a), len(b)) <= 10000 and not fell_back else "asymp"
    return {
        "name": name,
        "a": sample(a_ints, scale),
        "b": sample(b_ints, scale),
        "statistic": num(r.statistic),
        "pvalue": num(r.pvalue),
        "method": method,
    }


def ks_fixture():
    rng = np.random.default_rng(20240601)
    cases = []
    normal = lambda n, loc=0.0, sd=1.0: rng.normal(loc, sd, n)
    continuous = 10**7
    sizes = [
        (20, 20, 0.0), (20, 35, 0.5), (35, 20, 0.0), (50, 50, 1.0), (100, 80, 0.2), (200, 200, 0.0),
        (500, 1000, 0.1), (1000, 1000, 0.05), (999, 1001, 0.0), (3000, 2000, 0.08), (5000, 5000, 0.03),
        (10000, 10000, 0.02), (10000, 9999, 0.0), (9000, 10500, 0.05), (10001, 10001, 0.0),
        (20000, 20, 0.3), (12000, 500, 0.1), (11000, 140, 0.0), (11000, 150, 0.0),
    ]
    for n1, n2, shift in sizes:
        # Coarser grids for the large samples keep the fixture small; ties stay rare.
        scale = continuous if n1 + n2 <= 4000 else 10**5
        cases.append(ks_case(f"normal n1={n1} n2={n2} shift={shift}", quantized(normal(n1), scale), quantized(normal(n2, shift), scale), scale))
    # Large differences: tiny p-values, exact (n1 != n2 and n1 == n2) and asymptotic (smirnov branch).
    for n1, n2, shift in [(300, 200, 1.5), (400, 400, 2.0), (2000, 3000, 0.4), (10000, 8000, 0.1), (15000, 3000, 0.08), (11000, 2000, 1.0)]:
        scale = continuous if n1 + n2 <= 4000 else 10**5
        cases.append(ks_case(f"shifted n1={n1} n2={n2} shift={shift}", quantized(normal(n1), scale), quantized(normal(n2, shift), scale), scale))
    # Ties: integers, rounded values, identical samples, constants.
    for n1, n2, lam2 in [(50, 60, 3.0), (1000, 700, 3.2), (6000, 4000, 3.0), (15000, 12000, 3.1)]:
        cases.append(ks_case(f"poisson ties n1={n1} n2={n2}", [int(v) for v in rng.poisson(3.0, n1)], [int(v) for v in rng.poisson(lam2, n2)], 1))
    for n1, n2 in [(400, 300), (5000, 12000)]:
        cases.append(ks_case(f"rounded to 0.1 n1={n1} n2={n2}", quantized(normal(n1), 10), quantized(normal(n2, 0.05), 10), 10))
    same = quantized(normal(300), continuous)
    cases.append(ks_case("identical samples", same, same, continuous))
    cases.append(ks_case("same constant", [5] * 40, [5] * 70, 1))
    cases.append(ks_case("different constants", [5] * 40, [6] * 70, 1))
    cases.append(ks_case("one value each", [1], [2], 1))
    cases.append(ks_case("interleaved", list(range(0, 200, 2)), list(range(1, 201, 2)), 1))
    return fixture("scipy.stats.ks_2samp(a, b, method='auto'): statistic, p-value, and whether scipy used the exact or asymptotic p-value", cases)


# -- Wasserstein, binning, PSI, Jensen-Shannon -------------------------------------------------

def wasserstein_fixture():
    rng = np.random.default_rng(20240602)
    cases = []
    specs = [(20, 30, 0.0, 1.0, 10**6), (500, 400, 0.3, 1.0, 10**6), (5000, 2000, 0.1, 2.0, 10**4), (3000, 3000, 0.0, 1.0, 10), (100, 100, 0.0, 0.0, 1)]
    for n1, n2, shift, sd, scale in specs:
        a_ints = quantized(rng.normal(10, sd, n1), scale)
        b_ints = quantized(rng.normal(10 + shift, sd if sd > 0 else 0.0, n2), scale)
        a, b = decode(sample(a_ints, scale)), decode(sample(b_ints, scale))
        w = stats.wasserstein_distance(a, b)
        std = np.std(a)
        cases.append({"name": f"n1={n1} n2={n2} shift={shift} sd={sd}", "a": sample(a_ints, scale), "b": sample(b_ints, scale),
                      "distance": num(w), "std_a": num(std), "normed": num(w / max(std, 0.001))})
    return fixture("scipy.stats.wasserstein_distance(a, b); numpy.std(a); Evidently's normed distance w / max(std(a), 0.001)", cases)


def binning_fixture():
    rng = np.random.default_rng(20240603)
    cases = []
    specs = [
        ("normal 1000", quantized(rng.normal(0, 1, 1000), 10**6), 10**6),
        ("normal 1024 (log2 exact)", quantized(rng.normal(5, 2, 1024), 10**6), 10**6),
        ("normal 4095", quantized(rng.normal(0, 1, 4095), 10**5), 10**5),
        ("uniform 7", quantized(rng.uniform(0, 1, 7), 10**6), 10**6),
        ("integers 3000", [int(v) for v in rng.integers(0, 50, 3000)], 1),
        ("constant 100", [7] * 100, 1),
        ("two values 64", [0] * 32 + [1] * 32, 1),
        ("lognormal 2000", quantized(rng.lognormal(0, 1.5, 2000), 10**6), 10**6),
    ]
    for name, ints, scale in specs:
        x = decode(sample(ints, scale))
        edges = np.histogram_bin_edges(x, bins="sturges")
        counts = np.histogram(x, edges)[0]
        q = np.quantile(x, np.arange(1, 10) / 10)
        inner = np.unique(q)
        right_closed = np.bincount(np.searchsorted(inner, x, side="left"), minlength=len(inner) + 1)
        cases.append({"name": name, "x": sample(ints, scale), "sturges_edges": [num(v) for v in edges], "histogram": [int(c) for c in counts],
                      "deciles": [num(v) for v in q], "decile_edges": [num(v) for v in inner], "right_closed_counts": [int(c) for c in right_closed]})
    return fixture("numpy.histogram_bin_edges(x, bins='sturges'), numpy.histogram(x, edges), numpy.quantile(x, k/10), and counts in (-inf, e1], ..., (ek, inf) via numpy.searchsorted(edges, x, 'left')", cases)


def evidently_fill(p):
    """Evidently utils.py get_binned_data(feel_zeroes=True) for one side."""
    p = p.copy()
    nz = p[p != 0]
    fill = nz.min() / 10**6 if nz.min() <= 0.0001 else 0.0001
    np.place(p, p == 0, fill)
    return p


def psi_value(r, c):
    return float(np.sum((r - c) * np.log(r / c)))


def psi_js_fixture():
    rng = np.random.default_rng(20240604)
    cases = []
    count_specs = [
        ([10, 20, 30, 40], [12, 18, 33, 37]),
        ([100, 0, 50, 25], [90, 10, 0, 40]),
        ([5000, 3000, 2000, 0, 0], [100, 200, 0, 3, 1]),
        ([1, 99999], [50000, 50000]),
        ([100000, 1, 0], [3, 0, 1]),
        (list(rng.integers(0, 1000, 40)), list(rng.integers(0, 1000, 40))),
        ([7], [3]),
        ([25, 25, 25, 25], [25, 25, 25, 25]),
    ]
    for ref_counts, cur_counts in count_specs:
        rc = np.array(ref_counts, dtype=np.float64)
        cc = np.array(cur_counts, dtype=np.float64)
        r = rc / rc.sum()
        c = cc / cc.sum()
        cases.append({
            "reference_counts": [int(v) for v in ref_counts],
            "current_counts": [int(v) for v in cur_counts],
            "psi_evidently_fill": num(psi_value(evidently_fill(r), evidently_fill(c))),
            "psi_fixed_fill": num(psi_value(np.where(r == 0, 1e-4, r), np.where(c == 0, 1e-4, c))),
            "jensenshannon": num(distance.jensenshannon(r, c)),
            "jensenshannon_base2": num(distance.jensenshannon(r, c, base=2)),
        })
    return fixture("PSI on counts / total with Evidently's zero fill and with a fixed 1e-4 fill; scipy.spatial.distance.jensenshannon(p, q) (base e) and base 2", cases)


# -- chi-square, z, Benjamini-Hochberg ---------------------------------------------------------

def chi_square_fixture():
    rng = np.random.default_rng(20240605)
    contingency = []
    specs = [
        ([30, 70], [45, 55]), ([3, 97], [1, 99]), ([500, 500], [500, 500]), ([10, 20, 30], [12, 18, 40]),
        ([100, 0, 50], [90, 5, 40]), ([0, 40, 60], [0, 50, 50]), ([1000, 2000, 3000, 4000], [110, 190, 320, 380]),
        (list(rng.integers(1, 500, 60)), list(rng.integers(1, 500, 60))), ([5, 0], [0, 7]), ([40, 60], [40, 60]),
        (list(rng.integers(0, 200, 400)), list(rng.integers(0, 200, 400))),
    ]
    for a, b in specs:
        keep = [k for k in range(len(a)) if a[k] > 0 or b[k] > 0]
        table = np.array([[a[k] for k in keep], [b[k] for k in keep]])
        r = stats.chi2_contingency(table)
        contingency.append({"reference": [int(v) for v in a], "current": [int(v) for v in b], "statistic": num(r.statistic), "pvalue": num(r.pvalue), "dof": int(r.dof)})
    gof = []
    for obs, ref in [([12, 18, 33, 37], [10, 20, 30, 40]), ([50, 30, 20], [100, 100, 100]), ([5, 7, 3], [6, 0, 9]), (list(rng.integers(1, 100, 50)), list(rng.integers(1, 100, 50)))]:
        k_norm = sum(obs) / sum(ref)
        f_exp = [v * k_norm for v in ref]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = stats.chisquare(obs, f_exp)
        gof.append({"observed": [int(v) for v in obs], "reference": [int(v) for v in ref], "statistic": num(r.statistic), "pvalue": num(r.pvalue)})
    return {"generated_by": GENERATED_BY, "description": "scipy.stats.chi2_contingency([reference, current]) (default correction=True) over categories present in either row; scipy.stats.chisquare(current, reference * n_current / n_reference) as Evidently calls it",
            "contingency": contingency, "goodness_of_fit": gof}


def evidently_z(ref_pos, n1, cur_pos, n2):
    """Evidently z_stattest.py proportions_diff_z_stat_ind / proportions_diff_z_test."""
    p1 = float(ref_pos) / n1
    p2 = float(cur_pos) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return z, 2 * (1 - stats.norm.cdf(np.abs(z)))


def z_fixture():
    cases = []
    for a, n1, b, n2 in [(30, 100, 45, 100), (3, 1000, 9, 800), (500, 1000, 499, 1000), (1, 7, 6, 7), (400, 1000, 100, 1000), (7, 900, 70, 100), (1, 3, 0, 2)]:
        z, p = evidently_z(a, n1, b, n2)
        cases.append({"positives1": a, "n1": n1, "positives2": b, "n2": n2, "statistic": num(z), "pvalue": num(p)})
    return fixture("Evidently's z stattest: pooled two-proportion z, p = 2 * (1 - scipy.stats.norm.cdf(|z|))", cases)


def bh_fixture():
    rng = np.random.default_rng(20240606)
    cases = []
    for ps in [[0.01, 0.04, 0.03, 0.2], [0.5], [0.001, 0.001, 0.002], list(rng.uniform(0, 1, 20)), list(rng.uniform(0, 0.01, 12)) + list(rng.uniform(0, 1, 8)), [1.0, 0.0, 0.049, 0.051], [0.02, 0.02, 0.02, 0.02]]:
        cases.append({"pvalues": [num(p) for p in ps], "adjusted": [num(v) for v in np.atleast_1d(stats.false_discovery_control(ps, method="bh"))]})
    return fixture("scipy.stats.false_discovery_control(ps, method='bh')", cases)


# -- Evidently 0.7 DataDriftPreset, re-implemented ---------------------------------------------

def evidently_binned(ref, cur, is_numerical, feel_zeroes):
    """Evidently utils.py get_binned_data (ref, cur already without missing values)."""
    n_vals = len(np.unique(ref))
    if is_numerical and n_vals > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        # Evidently iterates a set (hash order, which varies between runs for strings): sorted here
        # so the output is reproducible; only the last bits of the sums depend on the order.
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        rv, rc = np.unique(ref, return_counts=True)
        cv, cc = np.unique(cur, return_counts=True)
        rd = dict(zip(rv.tolist(), rc.tolist()))
        cd = dict(zip(cv.tolist(), cc.tolist()))
        r = np.array([rd.get(k, 0) / len(ref) for k in keys])
        c = np.array([cd.get(k, 0) / len(cur) for k in keys])
    if feel_zeroes:
        r = evidently_fill(r)
        c = evidently_fill(c)
    return r, c


def evidently_column(ref, cur, is_numerical):
    """One column of Evidently's DataDriftPreset: (stattest, score, drifted, psi)."""
    n_values = len(set(ref.tolist()) | set(cur.tolist()))
    if len(ref) <= 1000:
        if n_values <= 2:
            test = "z"
        elif not is_numerical or n_values <= 5:
            test = "chisquare"
        else:
            test = "ks"
    else:
        test = "jensenshannon" if (not is_numerical or n_values <= 5) else "wasserstein"

    if test == "ks":
        score = stats.ks_2samp(ref, cur)[1]
        drifted = score <= 0.05
    elif test == "chisquare":
        # Evidently iterates a set (hash order, which varies between runs for strings): sorted here
        # so the output is reproducible; only the last bits of the sums depend on the order.
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        rv, rc = np.unique(ref, return_counts=True)
        cv, cc = np.unique(cur, return_counts=True)
        rd = dict(zip(rv.tolist(), rc.tolist()))
        cd = dict(zip(cv.tolist(), cc.tolist()))
        k_norm = cur.shape[0] / ref.shape[0]
        f_exp = [rd.get(k, 0) * k_norm for k in keys]
        f_obs = [cd.get(k, 0) for k in keys]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = stats.chisquare(f_obs, f_exp)[1]
        drifted = score < 0.05
    elif test == "z":
        if len(np.unique(ref)) == 1 and len(np.unique(cur)) == 1 and np.unique(ref)[0] == np.unique(cur)[0]:
            score = 1
        else:
            keys = sorted(set(ref.tolist()) | set(cur.tolist()))
            r01 = np.array([0 if x == keys[0] else 1 for x in ref.tolist()])
            c01 = np.array([0 if x == keys[0] else 1 for x in cur.tolist()])
            score = evidently_z(r01.sum(), len(r01), c01.sum(), len(c01))[1]
        drifted = score < 0.05
    elif test == "jensenshannon":
        r, c = evidently_binned(ref, cur, is_numerical, False)
        score = distance.jensenshannon(r, c, None)
        drifted = score >= 0.1
    else:
        norm = max(np.std(ref), 0.001)
        score = stats.wasserstein_distance(ref, cur) / norm
        drifted = score >= 0.1
    r, c = evidently_binned(ref, cur, is_numerical, True)
    psi = np.sum((r - c) * np.log(r / c))
    return test, float(score), bool(drifted), float(psi)


def encode_column(name, kind, ref, cur, scale=None):
    """Store a column pair: numerical as scaled ints, categorical as codes into shared categories."""
    if kind == "numerical":
        return {"name": name, "kind": kind, "reference": sample(ref, scale), "current": sample(cur, scale)}
    categories = sorted({v for v in ref + cur if v is not None})
    code = {c: k for k, c in enumerate(categories)}
    return {"name": name, "kind": kind, "categories": categories,
            "reference": [None if v is None else code[v] for v in ref], "current": [None if v is None else code[v] for v in cur]}


def decoded_column(col):
    """The column's clean (missing dropped) reference and current values, as Evidently sees them."""
    if col["kind"] == "numerical":
        ref, cur = decode(col["reference"]), decode(col["current"])
        return ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    cats = col["categories"]
    ref = np.array([cats[v] for v in col["reference"] if v is not None], dtype=object)
    cur = np.array([cats[v] for v in col["current"] if v is not None], dtype=object)
    return ref.astype(str), cur.astype(str)


def evidently_dataset(name, columns):
    expected = {}
    for col in columns:
        ref, cur = decoded_column(col)
        test, score, drifted, psi = evidently_column(ref, cur, col["kind"] == "numerical")
        expected[col["name"]] = {"stattest": test, "score": num(score), "drifted": drifted, "psi": num(psi)}
    drifted_columns = [c["name"] for c in columns if expected[c["name"]]["drifted"]]
    share = len(drifted_columns) / len(columns)
    return {"name": name, "columns": columns, "expected": {
        "dataset_drift": bool(share >= 0.5), "share_of_drifted_columns": num(share), "drifted_columns": drifted_columns,
        "number_of_columns": len(columns), "columns": expected}}


def with_missing(rng, ints, share, infinities=False):
    out = list(ints)
    for k in range(len(out)):
        u = rng.uniform()
        if u < share:
            out[k] = None
        elif infinities and u < share * 1.5:
            out[k] = float("inf") if rng.uniform() < 0.5 else float("-inf")
    return out


def pick(rng, values, probs, n):
    return [values[k] for k in rng.choice(len(values), size=n, p=probs)]


def evidently_fixture():
    rng = np.random.default_rng(20240607)
    datasets = []
    s6 = 10**6
    for n_ref, n_cur, label in [(500, 300, "small reference"), (1000, 1000, "reference of exactly 1000"), (1001, 400, "reference of 1001"), (5000, 2000, "large reference")]:
        cols = [
            encode_column("continuous", "numerical", quantized(rng.normal(50, 10, n_ref), s6), quantized(rng.normal(50, 10, n_cur), s6), s6),
            encode_column("continuous_shifted", "numerical", quantized(rng.normal(50, 10, n_ref), s6), quantized(rng.normal(53, 10, n_cur), s6), s6),
            encode_column("three_values", "numerical", [int(v) for v in rng.integers(0, 3, n_ref)], [int(v) for v in rng.integers(0, 3, n_cur)], 1),
            encode_column("five_values_shifted", "numerical", pick(rng, [1, 2, 3, 4, 5], [0.3, 0.3, 0.2, 0.1, 0.1], n_ref), pick(rng, [1, 2, 3, 4, 5], [0.1, 0.2, 0.2, 0.2, 0.3], n_cur), 1),
            encode_column("binary", "numerical", pick(rng, [0, 1], [0.7, 0.3], n_ref), pick(rng, [0, 1], [0.6, 0.4], n_cur), 1),
            encode_column("ten_integers", "numerical", [int(v) for v in rng.integers(0, 10, n_ref)], [int(v) for v in rng.integers(0, 10, n_cur)], 1),
            encode_column("with_missing", "numerical", with_missing(rng, quantized(rng.exponential(2, n_ref), 10**4), 0.1, True),
                          with_missing(rng, quantized(rng.exponential(2.2, n_cur), 10**4), 0.3, True), 10**4),
            encode_column("channel", "categorical", pick(rng, ["pos", "web"], [0.7, 0.3], n_ref), pick(rng, ["pos", "web"], [0.65, 0.35], n_cur)),
            encode_column("country", "categorical", pick(rng, ["DE", "FR", "IT", "ES", "NL"], [0.3, 0.25, 0.2, 0.15, 0.1], n_ref),
                          pick(rng, ["DE", "FR", "IT", "ES", "NL"], [0.2, 0.2, 0.2, 0.2, 0.2], n_cur)),
            encode_column("unseen_category", "categorical", pick(rng, ["a", "b", "c"], [0.5, 0.3, 0.2], n_ref), pick(rng, ["a", "b", "c", "d"], [0.45, 0.3, 0.2, 0.05], n_cur)),
            encode_column("single_category", "categorical", ["only"] * n_ref, ["only"] * n_cur),
            encode_column("constant", "numerical", [3] * n_ref, [3] * n_cur, 1),
            encode_column("categorical_missing", "categorical", with_missing(rng, pick(rng, ["x", "y", "z"], [0.5, 0.25, 0.25], n_ref), 0.05),
                          with_missing(rng, pick(rng, ["x", "y", "z"], [0.5, 0.25, 0.25], n_cur), 0.2)),
        ]
        datasets.append(evidently_dataset(f"{label}: n_ref={n_ref}, n_cur={n_cur}", cols))
    # Half or more of the columns drifted: dataset drift.
    n_ref, n_cur = 2000, 800
    cols = [encode_column(f"f{k}", "numerical", quantized(rng.normal(0, 1, n_ref), s6), quantized(rng.normal(0.5 if k < 2 else 0, 1, n_cur), s6), s6) for k in range(4)]
    datasets.append(evidently_dataset("two of four columns shifted", cols))
    # Constant reference, shifted current: std 0, norm floored at 0.001.
    cols = [encode_column("skewed_reference", "numerical", [0] * 1500 + [1] * 10 + list(range(2, 8)), [int(v) for v in rng.integers(0, 8, 500)], 1),
            encode_column("constant_reference", "numerical", [0] * 1500, [int(v) for v in rng.integers(0, 8, 500)], 1),
            encode_column("wide_current", "numerical", quantized(rng.normal(0, 1, 3000), s6), quantized(rng.normal(0, 1, 600), s6) + [1000 * s6], s6)]
    datasets.append(evidently_dataset("skewed and constant references, a current outlier", cols))
    return {"generated_by": GENERATED_BY, "description": "Evidently 0.7 DataDriftPreset defaults, re-implemented in numpy/scipy (evidently is not installable here): per column stattest, score, drift decision and Evidently's psi stattest value; dataset drift at share >= 0.5", "datasets": datasets}


# -- robust method, re-implemented -------------------------------------------------------------

def robust_dataset(name, columns, min_rows=100, fdr=0.05, psi_threshold=0.1):
    partial = {}
    for col in columns:
        ref, cur = decoded_column(col)
        status = "ok"
        if len(ref) == 0:
            status = "degenerate"
        elif len(cur) < min_rows:
            status = "insufficient_data"
        if col["kind"] == "numerical":
            if len(cur) == 0 or len(ref) == 0:
                partial[col["name"]] = (status, "ks", 0.0, 1.0, 0.0)
                continue
            r = stats.ks_2samp(ref, cur)
            edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
            rc = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1) / len(ref)
            cc = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1) / len(cur)
            psi = psi_value(np.where(rc == 0, 1e-4, rc), np.where(cc == 0, 1e-4, cc))
            partial[col["name"]] = (status, "ks", float(r.statistic), float(r.pvalue), psi)
        else:
            cats = sorted(set(ref.tolist()) | set(cur.tolist()))
            if len(cur) == 0 or len(ref) == 0:
                partial[col["name"]] = (status, "chisquare", 0.0, 1.0, 0.0)
                continue
            if len(cats) <= 1:
                partial[col["name"]] = ("degenerate" if status == "ok" else status, "chisquare", 0.0, 1.0, 0.0)
                continue
            rcount = np.array([np.sum(ref == c) for c in cats], dtype=np.float64)
            ccount = np.array([np.sum(cur == c) for c in cats], dtype=np.float64)
            r = stats.chi2_contingency(np.array([rcount, ccount]))
            rs, cs = rcount / len(ref), ccount / len(cur)
            psi = psi_value(np.where(rs == 0, 1e-4, rs), np.where(cs == 0, 1e-4, cs))
            partial[col["name"]] = (status, "chisquare", float(r.statistic), float(r.pvalue), psi)
    tested = [c["name"] for c in columns if partial[c["name"]][0] == "ok"]
    adjusted = np.atleast_1d(stats.false_discovery_control([partial[n][3] for n in tested], method="bh")) if tested else []
    q = dict(zip(tested, [float(v) for v in adjusted]))
    expected = {}
    for col in columns:
        status, test, statistic, p, psi = partial[col["name"]]
        drifted = status == "ok" and q[col["name"]] < fdr and psi >= psi_threshold
        expected[col["name"]] = {"status": status, "stattest": test, "statistic": num(statistic), "p_value_raw": num(p),
                                 "p_value": num(q.get(col["name"], p)), "psi": num(psi), "drifted": bool(drifted)}
    drifted_columns = [c["name"] for c in columns if expected[c["name"]]["drifted"]]
    return {"name": name, "min_rows": min_rows, "columns": columns, "expected": {
        "dataset_drift": len(drifted_columns) > 0, "share_of_drifted_columns": num(len(drifted_columns) / len(columns)),
        "drifted_columns": drifted_columns, "number_of_columns": len(columns), "columns": expected}}


def robust_fixture():
    rng = np.random.default_rng(20240608)
    s4 = 10**4
    datasets = []
    n_ref = 5000
    for n_cur, label in [(2000, "window of 2000")]:
        cols = [
            encode_column("clean", "numerical", quantized(rng.normal(0, 1, n_ref), s4), quantized(rng.normal(0, 1, n_cur), s4), s4),
            encode_column("shifted", "numerical", quantized(rng.normal(0, 1, n_ref), s4), quantized(rng.normal(0.5, 1, n_cur), s4), s4),
            encode_column("tiny_shift", "numerical", quantized(rng.normal(0, 1, n_ref), s4), quantized(rng.normal(0.1, 1, n_cur), s4), s4),
            encode_column("scaled", "numerical", quantized(rng.normal(0, 1, n_ref), s4), quantized(rng.normal(0, 1.6, n_cur), s4), s4),
            encode_column("integers", "numerical", [int(v) for v in rng.poisson(4, n_ref)], [int(v) for v in rng.poisson(4, n_cur)], 1),
            encode_column("missing", "numerical", with_missing(rng, quantized(rng.normal(0, 1, n_ref), s4), 0.02), with_missing(rng, quantized(rng.normal(0, 1, n_cur), s4), 0.4, True), s4),
            encode_column("channel", "categorical", pick(rng, ["pos", "web", "app"], [0.6, 0.3, 0.1], n_ref), pick(rng, ["pos", "web", "app"], [0.6, 0.3, 0.1], n_cur)),
            encode_column("channel_shifted", "categorical", pick(rng, ["pos", "web", "app"], [0.6, 0.3, 0.1], n_ref), pick(rng, ["pos", "web", "app"], [0.3, 0.3, 0.4], n_cur)),
            encode_column("binary", "categorical", pick(rng, ["no", "yes"], [0.9, 0.1], n_ref), pick(rng, ["no", "yes"], [0.88, 0.12], n_cur)),
            encode_column("unseen", "categorical", pick(rng, ["a", "b"], [0.5, 0.5], n_ref), pick(rng, ["a", "b", "c"], [0.4, 0.4, 0.2], n_cur)),
            encode_column("single", "categorical", ["x"] * n_ref, ["x"] * n_cur),
            encode_column("constant", "numerical", [1] * n_ref, [1] * n_cur, 1),
        ]
        datasets.append(robust_dataset(f"{label}: n_ref={n_ref}", cols))
    n_cur = 10500
    cols = [
        encode_column("clean", "numerical", quantized(rng.normal(0, 1, n_ref), 10**3), quantized(rng.normal(0, 1, n_cur), 10**3), 10**3),
        encode_column("shifted", "numerical", quantized(rng.normal(0, 1, n_ref), 10**3), quantized(rng.normal(0.3, 1, n_cur), 10**3), 10**3),
        encode_column("tiny_shift", "numerical", quantized(rng.normal(0, 1, n_ref), 10**3), quantized(rng.normal(0.08, 1, n_cur), 10**3), 10**3),
        encode_column("channel", "categorical", pick(rng, ["pos", "web", "app"], [0.6, 0.3, 0.1], n_ref), pick(rng, ["pos", "web", "app"], [0.58, 0.31, 0.11], n_cur)),
    ]
    datasets.append(robust_dataset(f"window of {n_cur} (asymptotic KS): n_ref={n_ref}", cols))
    cols = [encode_column("small_window", "numerical", quantized(rng.normal(0, 1, 3000), s4), quantized(rng.normal(3, 1, 60), s4), s4),
            encode_column("enough", "numerical", quantized(rng.normal(0, 1, 3000), s4), quantized(rng.normal(1, 1, 150), s4), s4),
            encode_column("all_missing", "numerical", quantized(rng.normal(0, 1, 3000), s4), [None] * 150, s4),
            encode_column("cat_small", "categorical", pick(rng, ["a", "b"], [0.5, 0.5], 3000), pick(rng, ["a", "b"], [0.9, 0.1], 40))]
    datasets.append(robust_dataset("small windows (minRows 100)", cols))
    return {"generated_by": GENERATED_BY, "description": "The robust method re-implemented in numpy/scipy: ks_2samp / chi2_contingency, PSI on reference deciles (or categories) with a 1e-4 fill, Benjamini-Hochberg over columns with status ok, drift when adjusted p < 0.05 and PSI >= 0.1", "datasets": datasets}


# -- the tolerance method's minimum-effect tests -----------------------------------------------

def holm_numpy(ps):
    """Holm's step-down adjusted p-values in numpy (statsmodels multipletests(method="holm")'s rule):
    sort ascending, multiply the i-th smallest (from 0) by m - i, running maximum, clip to 1."""
    ps = np.asarray(ps, dtype=np.float64)
    m = len(ps)
    order = np.argsort(ps, kind="stable")
    adjusted_sorted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ps[order]))
    out = np.empty(m)
    out[order] = adjusted_sorted
    return out


def tolerance_fixture():
    """KS and total-variation distances above a tolerance, share excess, Holm: src/drift/stats/
    ks-excess.ts, tv-excess.ts, share-excess.ts, holm.ts."""
    rng = np.random.default_rng(20261202)
    ks_cases = []
    for n1, n2, shift, scale, tol in [(200, 150, 0.0, 100, 0.0), (500, 400, 0.3, 100, 0.05), (5000, 1000, 0.25, 100, 0.03),
                                      (5000, 10000, 0.2, 100, 0.03), (300, 300, 1.0, 10, 0.2), (1000, 1000, 0.0, 1, 0.01),
                                      (2000, 700, 0.15, 100, 0.1)]:
        a = quantized(rng.normal(0, 1, n1), scale)
        b = quantized(rng.normal(shift, 1, n2), scale)
        av, bv = np.array(a) / scale, np.array(b) / scale
        d = stats.ks_2samp(av, bv).statistic
        n_eff = n1 * n2 / (n1 + n2)
        p = special.kolmogorov((d - tol) * math.sqrt(n_eff)) if d > tol else 1.0
        ks_cases.append({"a": sample(a, scale), "b": sample(b, scale), "tolerance": tol, "statistic": num(d), "pvalue": num(p)})
    kolmogi = [{"p": num(p), "x": num(special.kolmogi(p))} for p in [0.5, 0.05, 0.01, 0.05 / 34, 1e-6]]

    tv_cases = []
    for ref, cur, tol in [([220, 140, 140, 120, 120, 80, 60, 50, 70], [120, 140, 140, 120, 220, 80, 60, 50, 70], 0.03),
                          ([460, 440, 100], [4600, 4400, 1000], 0.03), ([50, 30, 20], [20, 30, 50], 0.1),
                          ([1000, 0, 5], [900, 40, 0], 0.01), ([7, 3], [3, 7], 0.0), ([400, 600], [450, 550], 0.2)]:
        r = np.array(ref, dtype=np.float64)
        c = np.array(cur, dtype=np.float64)
        keep = (r > 0) | (c > 0)
        tv = 0.5 * np.abs(r[keep] / r.sum() - c[keep] / c.sum()).sum()
        n_eff = r.sum() * c.sum() / (r.sum() + c.sum())
        k = int(keep.sum())
        p = stats.chi2.sf(4 * n_eff * (tv - tol) ** 2, k - 1) if tv > tol and k > 1 else 1.0
        tv_cases.append({"reference": ref, "current": cur, "tolerance": tol, "statistic": num(tv), "pvalue": num(p)})
    chi2_isf = [{"df": df, "p": num(p), "x": num(stats.chi2.isf(p, df))} for df, p in [(1, 0.05), (2, 0.05 / 34), (8, 0.05 / 34), (8, 0.001), (20, 0.5)]]

    share_cases = []
    for x1, n1, x2, n2, tol in [(0, 5000, 50, 1000, 0.02), (0, 5000, 0, 1000, 0.02), (98, 5000, 349, 10000, 0.0025),
                                (50, 5000, 12, 1000, 0.0025), (10, 100, 30, 100, 0.05), (0, 10, 10, 10, 0.5)]:
        p1, p2 = x1 / n1, x2 / n2
        d = p2 - p1
        se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        p = stats.norm.sf((d - tol) / se) if se > 0 else (0.0 if d > tol else 1.0)
        share_cases.append({"x_ref": x1, "n_ref": n1, "x_cur": x2, "n_cur": n2, "tolerance": tol, "statistic": num(d), "pvalue": num(p)})

    holm_cases = []
    for ps in [[0.01, 0.04, 0.03, 0.2], [0.5], [0.001, 0.001, 0.002], list(rng.uniform(0, 1, 20)),
               list(rng.uniform(0, 0.01, 12)) + list(rng.uniform(0, 1, 8)), [1.0, 0.0, 0.049, 0.051], [0.02, 0.02, 0.02, 0.02]]:
        holm_cases.append({"pvalues": [num(p) for p in ps], "adjusted": [num(v) for v in holm_numpy(ps)]})

    return {"generated_by": GENERATED_BY,
            "description": "Minimum-effect tests: KS distance above a tolerance (scipy.stats.ks_2samp statistic, scipy.special.kolmogorov of the excess times sqrt(n1 n2 / (n1 + n2))); total variation above a tolerance (scipy.stats.chi2.sf(4 n_eff excess^2, k - 1)); one-sided Wald share excess (scipy.stats.norm.sf); Holm adjusted p-values (numpy)",
            "ks_excess": ks_cases, "kolmogi": kolmogi, "tv_excess": tv_cases, "chi2_isf": chi2_isf, "share_excess": share_cases, "holm": holm_cases}


# -- main --------------------------------------------------------------------------------------

FIXTURES = {
    "special-functions.json": special_functions,
    "ks.json": ks_fixture,
    "wasserstein.json": wasserstein_fixture,
    "binning.json": binning_fixture,
    "psi-jensen-shannon.json": psi_js_fixture,
    "chi-square.json": chi_square_fixture,
    "z.json": z_fixture,
    "benjamini-hochberg.json": bh_fixture,
    "evidently-datasets.json": evidently_fixture,
    "robust-datasets.json": robust_fixture,
    "tolerance.json": tolerance_fixture,
}


def write_all(directory):
    os.makedirs(directory, exist_ok=True)
    for name, build in FIXTURES.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            json.dump(build(), f, separators=(",", ":"), allow_nan=False)
            f.write("\n")


# The check compares numbers within a tolerance, not bytes. The same numpy and scipy on another
# machine give the last digits differently: numpy picks its SIMD loops for the CPU at run time
# (SSE, AVX2, AVX512), OpenBLAS its kernels, and a sum, exp, log or erfc that differs by an ulp
# (2.2e-16 relative) grows over sums of thousands of terms. 1e-12 relative is some 4500 ulp: room
# for that, yet 1000 times tighter than the TypeScript tests' own 1e-9 (test/unit/drift/fixtures.ts),
# so what it lets through is far below what they can see. The absolute floor is for values that
# are 0 up to rounding (a distance between equal samples computed as 3e-17), where a relative
# difference means nothing; it is 1000 times below the tests' 1e-12. Everything that is not a
# float (integers of the stored samples, strings, booleans, key order, lengths) must be equal.
RELATIVE_TOLERANCE = 1e-12
ABSOLUTE_FLOOR = 1e-15


class Comparison:
    """The differences beyond the tolerance between two JSON documents, and the largest one seen."""

    def __init__(self, name):
        self.name = name
        self.problems = []
        self.largest = None  # (relative difference, where, committed, fresh)

    def numbers(self, a, b, path):
        diff = abs(a - b)
        scale = max(abs(a), abs(b))
        relative = diff / scale if scale > 0 else 0.0
        if diff > 0 and (self.largest is None or relative > self.largest[0]):
            self.largest = (relative, f"{self.name} {path}", a, b)
        if diff > max(RELATIVE_TOLERANCE * scale, ABSOLUTE_FLOOR):
            self.problems.append(f"{path}: {a!r} != {b!r} (relative difference {relative:.3g})")

    def walk(self, a, b, path="$"):
        if isinstance(a, float) and isinstance(b, float):
            self.numbers(a, b, path)
        elif type(a) is not type(b):
            self.problems.append(f"{path}: {type(a).__name__} != {type(b).__name__}")
        elif isinstance(a, dict):
            if list(a) != list(b):
                self.problems.append(f"{path}: keys {list(a)} != {list(b)}")
            for k in a:
                if k in b:
                    self.walk(a[k], b[k], f"{path}.{k}")
        elif isinstance(a, list):
            if len(a) != len(b):
                self.problems.append(f"{path}: {len(a)} != {len(b)} items")
            for k, (x, y) in enumerate(zip(a, b)):
                self.walk(x, y, f"{path}[{k}]")
        elif a != b:
            self.problems.append(f"{path}: {a!r} != {b!r}")


def describe_largest(largest):
    if largest is None:
        return "none, every number identical"
    relative, where, a, b = largest
    return f"{relative:.3g} relative, at {where} (committed {a!r}, fresh {b!r})"


def check(directory):
    """Regenerate into a temporary directory and compare with `directory`; return an exit code."""
    committed_by = set()
    for name in FIXTURES:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                committed_by.add(json.load(f).get("generated_by"))
    if committed_by and committed_by != {GENERATED_BY}:
        # Other versions compute some statistics differently (or lack them): a diff would say nothing.
        print(f"fixtures:check: the fixtures were generated by {' / '.join(sorted(map(str, committed_by)))};", file=sys.stderr)
        print(f"fixtures:check: this is numpy {np.__version__}, scipy {scipy.__version__} ({sys.executable}): check with those versions,", file=sys.stderr)
        print("fixtures:check: or regenerate (npm run fixtures:generate) and commit if the upgrade is meant", file=sys.stderr)
        return 1
    problems = []
    largest = None
    with tempfile.TemporaryDirectory() as tmp:
        write_all(tmp)
        for name in FIXTURES:
            with open(os.path.join(tmp, name), encoding="utf-8") as f:
                fresh = json.load(f)
            path = os.path.join(directory, name)
            if not os.path.exists(path):
                problems.append(f"{name}: missing (run npm run fixtures:generate)")
                continue
            with open(path, encoding="utf-8") as f:
                committed = json.load(f)
            comparison = Comparison(name)
            comparison.walk(committed, fresh)
            if comparison.largest is not None and (largest is None or comparison.largest[0] > largest[0]):
                largest = comparison.largest
            if comparison.problems:
                shown = "; ".join(comparison.problems[:5])
                more = f" (and {len(comparison.problems) - 5} more)" if len(comparison.problems) > 5 else ""
                problems.append(f"{name}: differs from a fresh generation: {shown}{more}")
        extra = sorted(set(f for f in os.listdir(directory) if f.endswith(".json")) - set(FIXTURES)) if os.path.isdir(directory) else []
        problems += [f"{name}: not produced by {SCRIPT}" for name in extra]
    for p in problems:
        print(f"fixtures:check: {p}", file=sys.stderr)
    tolerance = f"{RELATIVE_TOLERANCE:g} relative ({ABSOLUTE_FLOOR:g} absolute near 0)"
    print(f"fixtures:check: largest difference from a fresh generation: {describe_largest(largest)}", file=sys.stderr if problems else sys.stdout)
    if not problems:
        print(f"fixtures:check: {len(FIXTURES)} fixtures match a fresh generation within {tolerance}")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary directory and fail on a difference beyond the tolerance")
    parser.add_argument("--out", default=FIXTURE_DIR, help="fixture directory (default test/fixtures/drift)")
    args = parser.parse_args()
    if args.check:
        sys.exit(check(args.out))
    write_all(args.out)
    print(f"wrote {len(FIXTURES)} fixtures to {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
