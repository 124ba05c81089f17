"""NumPy side of bench/detectors: full-rank Mahalanobis on the same float32 vectors as the TS detector.

stdin JSON: {"dim", "reference": <path of float32 n×dim>, "test": <path>, "repeats"}.
Fits mean + empirical covariance in float64, precomputes the whitening W = L⁻ᵀ (Cholesky) once,
then times scoring ‖(x−μ)W‖² in float32 and in float64; returns float64 scores for the AUROC.
"""
import json
import os
import sys
import time

# STACK.md: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin OpenBLAS to an older kernel. The benchmark wants
# NumPy at its best, so this process (only) re-executes itself without them before NumPy loads.
if any(v in os.environ for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import numpy as np  # noqa: E402


def main():
    req = json.load(sys.stdin)
    d = req["dim"]
    ref = np.fromfile(req["reference"], dtype=np.float32).reshape(-1, d)
    test = np.fromfile(req["test"], dtype=np.float32).reshape(-1, d)
    t0 = time.perf_counter()
    mu = ref.mean(axis=0, dtype=np.float64)
    xc = ref.astype(np.float64) - mu
    cov = xc.T @ xc / len(ref)
    chol = np.linalg.cholesky(cov)
    w64 = np.linalg.inv(chol).T  # (x−μ) W has identity covariance
    fit_seconds = time.perf_counter() - t0
    w32 = w64.astype(np.float32)
    mu32 = mu.astype(np.float32)

    def timed(fn):
        best = float("inf")
        out = None
        for _ in range(req.get("repeats", 3)):
            t = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t)
        return out, best

    batch = 4096

    def score32():
        return np.concatenate([np.square((test[i : i + batch] - mu32) @ w32).sum(axis=1) for i in range(0, len(test), batch)])

    def score64():
        t64 = test.astype(np.float64)
        return np.concatenate([np.square((t64[i : i + batch] - mu) @ w64).sum(axis=1) for i in range(0, len(test), batch)])

    _, s32 = timed(score32)
    scores64, s64 = timed(score64)
    json.dump(
        {
            "fitSeconds": fit_seconds,
            "float32VectorsPerSecond": len(test) / s32,
            "float64VectorsPerSecond": len(test) / s64,
            "scores": scores64.tolist(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
