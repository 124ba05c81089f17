"""Reference values for the verdict probe (libs/detectors/src/probe), computed with scikit-learn.

Reads {"X": rows, "y": 0/1 labels, "C": float, "folds": fold of each row, "Xnew": rows} on stdin;
writes the fitted LogisticRegression and its cross-validated AUROC on the given folds.
"""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import PredefinedSplit, cross_val_score


def main():
    req = json.load(sys.stdin)
    x = np.asarray(req["X"], dtype=np.float64)
    y = np.asarray(req["y"], dtype=np.int64)
    c = float(req["C"])

    def model():
        return LogisticRegression(C=c, penalty="l2", solver="lbfgs", tol=1e-12, max_iter=100000)

    fitted = model().fit(x, y)
    folds = np.asarray(req["folds"], dtype=np.int64)
    cv = cross_val_score(model(), x, y, cv=PredefinedSplit(folds), scoring="roc_auc")
    # roc_auc_score of sklearn's held-out probabilities, fold by fold, for the same split.
    out = {
        "coef": fitted.coef_.ravel().tolist(),
        "intercept": float(fitted.intercept_[0]),
        "probaNew": fitted.predict_proba(np.asarray(req["Xnew"], dtype=np.float64))[:, 1].tolist(),
        "cvAuroc": float(cv.mean()),
        "foldAurocs": cv.tolist(),
    }
    if "outOfFold" in req:
        oof = np.asarray(req["outOfFold"], dtype=np.float64)
        out["ourFoldAurocs"] = [float(roc_auc_score(y[folds == f], oof[folds == f])) for f in sorted(set(folds.tolist()))]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
