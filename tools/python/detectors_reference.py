"""Reference values for libs/detectors tests, computed independently with NumPy/SciPy/scikit-learn.

Reads one JSON request on stdin: {"op": <name>, ...}; writes the JSON answer on stdout.
"""
import json
import sys

import numpy as np
from scipy import stats
from sklearn.covariance import EmpiricalCovariance, LedoitWolf
from sklearn.metrics import roc_auc_score


def ledoit_wolf(req):
    x = np.asarray(req["X"], dtype=np.float64)
    y = np.asarray(req["Y"], dtype=np.float64)
    lw = LedoitWolf().fit(x)
    emp = EmpiricalCovariance().fit(x)
    return {
        "covariance": lw.covariance_.ravel().tolist(),
        "shrinkage": float(lw.shrinkage_),
        "location": lw.location_.tolist(),
        "mahalanobisLedoitWolf": lw.mahalanobis(y).tolist(),
        "mahalanobisEmpirical": emp.mahalanobis(y).tolist(),
    }


def ks(req):
    out = []
    for a, b in req["pairs"]:
        r = stats.ks_2samp(np.asarray(a), np.asarray(b), method="auto")
        out.append({"statistic": float(r.statistic), "pValue": float(r.pvalue)})
    return out


def mmd(req):
    """Unbiased MMD² with an RBF kernel, median-heuristic bandwidth, straight from the definition."""
    x = np.asarray(req["X"], dtype=np.float64)
    y = np.asarray(req["Y"], dtype=np.float64)
    z = np.vstack([x, y])
    sq = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    iu = np.triu_indices(len(z), 1)
    sigma = float(np.median(np.sqrt(sq[iu])))
    k = np.exp(-sq / (2 * sigma**2))
    n, m = len(x), len(y)
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    stat = (kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean()
    return {"statistic": float(stat), "bandwidth": sigma}


def auroc(req):
    return {"auroc": float(roc_auc_score(req["labels"], req["scores"]))}


def chi2(req):
    r = stats.chi2_contingency(np.asarray(req["table"]), correction=False)
    return {"statistic": float(r.statistic), "pValue": float(r.pvalue), "dof": int(r.dof)}


def eigh(req):
    a = np.asarray(req["A"], dtype=np.float64)
    return {"values": np.linalg.eigvalsh(a)[::-1].tolist()}


def pvalues(req):
    p = np.asarray(req["p"], dtype=np.float64)
    return {
        "bh": stats.false_discovery_control(p, method="bh").tolist(),
        "fisher": float(stats.combine_pvalues(p, method="fisher").pvalue),
        "chi2sf": [float(stats.chi2.sf(x, d)) for x, d in req["chi2"]],
        "normsf": [float(stats.norm.sf(z)) for z in req["z"]],
    }


def tails(req):
    """Tail probabilities far beyond where 1 − CDF works: binomial and chi-square, in log space."""
    return {
        "binomLogSf": [float(stats.binom.logsf(k - 1, n, p)) for k, n, p in req["binom"]],
        "chi2LogSf": [float(stats.chi2.logsf(x, d)) for x, d in req["chi2"]],
    }


def cusum_arl(req):
    """Monte-Carlo in-control run length of the two-sided tabular CUSUM on N(0, 1) increments."""
    rng = np.random.default_rng(req["seed"])
    out = []
    for h in req["h"]:
        k, runs = req["k"], req["runs"]
        hi = np.zeros(runs)
        lo = np.zeros(runs)
        length = np.zeros(runs)
        alive = np.ones(runs, dtype=bool)
        t = 0
        while alive.any():
            t += 1
            z = rng.standard_normal(alive.sum())
            hi[alive] = np.maximum(0, hi[alive] + z - k)
            lo[alive] = np.maximum(0, lo[alive] - z - k)
            stop = alive.copy()
            stop[alive] = (hi[alive] > h) | (lo[alive] > h)
            length[stop] = t
            alive &= ~stop
        out.append({"mean": float(length.mean()), "se": float(length.std(ddof=1) / np.sqrt(runs))})
    return out


def genpareto(req):
    """Maximum-likelihood generalized-Pareto fit (location 0) and its survival function."""
    y = np.asarray(req["exceedances"], dtype=np.float64)
    shape, _, scale = stats.genpareto.fit(y, floc=0)
    return {
        "shape": float(shape),
        "scale": float(scale),
        "logLikelihood": float(np.sum(stats.genpareto.logpdf(y, shape, 0, scale))),
        "sf": [float(stats.genpareto.sf(x, req["sfShape"], 0, req["sfScale"])) for x in req["x"]],
    }


def long_run_variance(req):
    """Bartlett-kernel long-run variance with the Newey–West lag, from the autocovariances."""
    x = np.asarray(req["x"], dtype=np.float64)
    n = len(x)
    d = x - x.mean()
    lags = min(n - 1, int(np.floor(4 * (n / 100) ** (2 / 9))))
    gamma = [np.dot(d[l:], d[: n - l]) / n for l in range(lags + 1)]
    return {"value": float(gamma[0] + 2 * sum((1 - l / (lags + 1)) * gamma[l] for l in range(1, lags + 1)))}


def knn(req):
    from sklearn.neighbors import NearestNeighbors

    reference = np.asarray(req["X"], dtype=np.float64)
    query = np.asarray(req["Y"], dtype=np.float64)
    k = int(req["k"])
    distances, _ = NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(query)
    return {"kth": distances[:, k - 1].tolist()}


def knn_low_rank(req):
    """k-th neighbour distance with the cross term x·r taken in the reference's top-r principal subspace."""
    reference = np.asarray(req["X"], dtype=np.float64)
    query = np.asarray(req["Y"], dtype=np.float64)
    k, rank = int(req["k"]), int(req["rank"])
    mean = reference.mean(axis=0)
    centred, queries = reference - mean, query - mean
    _, vectors = np.linalg.eigh(centred.T @ centred / len(centred))
    basis = vectors[:, ::-1][:, :rank]
    cross = (queries @ basis) @ (centred @ basis).T
    squared = (queries**2).sum(axis=1)[:, None] - 2 * cross + (centred**2).sum(axis=1)[None, :]
    kth = np.sort(np.maximum(squared, 0), axis=1)[:, k - 1]
    return {"kth": np.sqrt(kth).tolist()}


def propagation_low_rank(req):
    """Ridge map from the source's top-`rank` principal coordinates to the target (λ = ridge × their
    mean variance); test residuals scored by a Ledoit-Wolf Mahalanobis fitted on the fit residuals."""
    x, t = np.asarray(req["X"], dtype=np.float64), np.asarray(req["T"], dtype=np.float64)
    xt, tt = np.asarray(req["Xt"], dtype=np.float64), np.asarray(req["Tt"], dtype=np.float64)
    k, ridge = int(req["rank"]), float(req["ridge"])
    mx, mt = x.mean(axis=0), t.mean(axis=0)
    xc, tc = x - mx, t - mt
    _, vectors = np.linalg.eigh(xc.T @ xc)
    basis = vectors[:, ::-1][:, :k]
    gram = basis.T @ xc.T @ xc @ basis
    weights = np.linalg.solve(gram + ridge * np.trace(gram) / k * np.eye(k), basis.T @ xc.T @ tc)
    residuals = tc - xc @ basis @ weights
    test_residuals = (tt - mt) - (xt - mx) @ basis @ weights
    return {"scores": LedoitWolf().fit(residuals).mahalanobis(test_residuals).tolist()}


def que(req):
    """QUE (Dong, Hopkins & Li 2019) with the trusted Ledoit-Wolf Gaussian as the clean model."""
    from scipy.linalg import expm
    from sklearn.covariance import LedoitWolf

    reference = np.asarray(req["X"], dtype=np.float64)
    batch = np.asarray(req["Y"], dtype=np.float64)
    alpha = float(req["alpha"])
    lw = LedoitWolf().fit(reference)
    values, vectors = np.linalg.eigh(lw.covariance_)
    whitening = vectors / np.sqrt(values)
    z = (batch - lw.location_) @ whitening
    moment = z.T @ z / len(z)
    top = np.linalg.eigvalsh(moment).max()
    u = expm(alpha * (moment - np.eye(len(moment))) / (top - 1))
    tau = np.einsum("ij,jk,ik->i", z, u, z) / np.trace(u) * len(moment)
    return {"scores": tau.tolist()}


def cauchy(req):
    p = np.asarray(req["p"], dtype=np.float64)
    t = np.mean(np.tan((0.5 - p) * np.pi), axis=1)
    return {"combined": (0.5 - np.arctan(t) / np.pi).tolist()}


OPS = {"ledoit_wolf": ledoit_wolf, "ks": ks, "mmd": mmd, "auroc": auroc, "chi2": chi2, "eigh": eigh, "pvalues": pvalues,
       "tails": tails, "cusum_arl": cusum_arl, "genpareto": genpareto, "long_run_variance": long_run_variance,
       "knn": knn, "knn_low_rank": knn_low_rank, "propagation_low_rank": propagation_low_rank, "que": que, "cauchy": cauchy}

if __name__ == "__main__":
    request = json.load(sys.stdin)
    json.dump(OPS[request["op"]](request), sys.stdout)
