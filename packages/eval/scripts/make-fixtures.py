#!/usr/bin/env python3
"""Reference numbers for @gsa/eval's tests, made once with Debian's
python3-sklearn / python3-scipy (run: /usr/bin/python3 scripts/make-fixtures.py
from packages/eval). The JSON goes to src/fixtures/; CI never needs Python.

The baseline fixture needs ../shared/data/pneumoniamnist.npz (or GSA_DATA_DIR);
it is skipped with a message when the file is absent.
"""
import json
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn import metrics
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "fixtures")
os.makedirs(OUT, exist_ok=True)
VERSIONS = {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__}


def write(name, payload):
    payload = {"generatedBy": "scripts/make-fixtures.py", "versions": VERSIONS, **payload}
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(payload, f, indent=1)
        f.write("\n")


def metric_cases():
    rng = np.random.default_rng(7)
    cases = []
    for name, n, k in [("binary", 40, 2), ("three-class", 60, 3), ("five-grade", 80, 5)]:
        y_true = rng.integers(0, k, n)
        # Predictions right ~60% of the time so every metric is informative.
        noise = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, noise)
        # Scores rounded to 1 decimal so that ties occur and the tie rule is tested.
        raw = rng.random((n, k)) + 0.8 * np.eye(k)[y_true]
        scores = np.round(raw / raw.sum(axis=1, keepdims=True), 1)
        scores = scores / scores.sum(axis=1, keepdims=True)
        labels = list(range(k))
        p, r, f, s = metrics.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0
        )
        if k == 2:
            auc = metrics.roc_auc_score(y_true, scores[:, 1])
        else:
            auc = metrics.roc_auc_score(y_true, scores, multi_class="ovr", average="macro", labels=labels)
        cases.append(
            {
                "name": name,
                "numClasses": k,
                "yTrue": y_true.tolist(),
                "yPred": y_pred.tolist(),
                "scores": scores.tolist(),
                "accuracy": metrics.accuracy_score(y_true, y_pred),
                "confusionMatrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
                "precision": p.tolist(),
                "recall": r.tolist(),
                "f1": f.tolist(),
                "support": s.tolist(),
                "macroF1": metrics.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
                "balancedAccuracy": metrics.balanced_accuracy_score(y_true, y_pred),
                "cohenKappa": metrics.cohen_kappa_score(y_true, y_pred, labels=labels),
                "linearKappa": metrics.cohen_kappa_score(y_true, y_pred, labels=labels, weights="linear"),
                "quadraticKappa": metrics.cohen_kappa_score(y_true, y_pred, labels=labels, weights="quadratic"),
                "rocAuc": auc,
            }
        )
    # A map scored against a region mask, with many tied scores.
    map_scores = np.round(rng.random(64), 1)
    mask = rng.random(64) < 0.3
    return {
        "cases": cases,
        "mask": {
            "scores": map_scores.tolist(),
            "mask": mask.tolist(),
            "rocAuc": metrics.roc_auc_score(mask, map_scores),
        },
    }


def ttest_cases():
    rng = np.random.default_rng(11)
    cases = []
    for name, n1, n2, shift in [("small", 5, 7, 0.8), ("thirty", 30, 30, 0.3), ("unequal", 12, 40, -0.5), ("separated", 30, 30, 2.0)]:
        a = np.round(rng.normal(0.7, 0.05, n1), 4)
        b = np.round(rng.normal(0.7 + shift * 0.05, 0.08, n2), 4)
        w = stats.ttest_ind(a, b, equal_var=False)
        cases.append({"name": name, "kind": "welch", "a": a.tolist(), "b": b.tolist(),
                      "statistic": float(w.statistic), "pValue": float(w.pvalue)})
        if n1 == n2:
            p = stats.ttest_rel(a, b)
            cases.append({"name": name, "kind": "paired", "a": a.tolist(), "b": b.tolist(),
                          "statistic": float(p.statistic), "pValue": float(p.pvalue)})
        s = stats.ttest_ind(a, b, equal_var=True)
        cases.append({"name": name, "kind": "student", "a": a.tolist(), "b": b.tolist(),
                      "statistic": float(s.statistic), "pValue": float(s.pvalue)})
    return {"cases": cases}


def multiclass_models():
    """Coefficients of multinomial LR and one-vs-rest hinge SVM on a small 4-class set."""
    rng = np.random.default_rng(5)
    n, d, k = 120, 6, 4
    centres = rng.normal(0, 1.5, (k, d))
    y = np.arange(n) % k
    x = np.round(centres[y] + rng.normal(0, 1, (n, d)), 3)
    c = 0.5
    lr = LogisticRegression(C=c, max_iter=10000, tol=1e-10).fit(x, y)
    svm = LinearSVC(C=c, loss="hinge", max_iter=1000000, tol=1e-8, random_state=0).fit(x, y)
    return {
        "x": x.tolist(),
        "y": y.tolist(),
        "numClasses": k,
        "c": c,
        "logistic": {"coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist(),
                     "trainAccuracy": float(lr.score(x, y))},
        "svm": {"coef": svm.coef_.tolist(), "intercept": svm.intercept_.tolist(),
                "trainAccuracy": float(svm.score(x, y))},
    }


def npz_path():
    root = os.environ.get("GSA_DATA_DIR") or os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
    return os.path.join(root, "pneumoniamnist.npz")


# Must equal the subset the TypeScript test takes (baselines.test.ts): every
# 15th training image and every 3rd test image (the file is ordered by class in
# places, so a prefix would hold one class only).
TRAIN_COUNT = 300
TRAIN_STRIDE = 15
TEST_COUNT = 200
TEST_STRIDE = 3
C_GRID = [0.0001, 0.001, 0.01, 0.1, 1.0]


def baseline_numbers():
    path = npz_path()
    if not os.path.exists(path):
        print(f"skipping baselines fixture: {path} not found", file=sys.stderr)
        return None
    d = np.load(path)
    x_train = d["train_images"][::TRAIN_STRIDE][:TRAIN_COUNT].reshape(TRAIN_COUNT, -1).astype(np.float64) / 255
    y_train = d["train_labels"][::TRAIN_STRIDE][:TRAIN_COUNT, 0].astype(int)
    x_test = d["test_images"][::TEST_STRIDE][:TEST_COUNT].reshape(TEST_COUNT, -1).astype(np.float64) / 255
    y_test = d["test_labels"][::TEST_STRIDE][:TEST_COUNT, 0].astype(int)
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1
    x_train = (x_train - mean) / std
    x_test = (x_test - mean) / std

    def make(kind, c):
        if kind == "logistic":
            return LogisticRegression(C=c, max_iter=5000, tol=1e-6)
        return LinearSVC(C=c, loss="hinge", max_iter=200000, tol=1e-6, random_state=0)

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    # The fold assignment, so that the TypeScript test can choose C on the same folds.
    out = {"cvValidationFolds": [va.tolist() for _, va in folds.split(x_train, y_train)]}
    for kind in ["logistic", "svm"]:
        per_c = []
        cv_means = []
        for c in C_GRID:
            model = make(kind, c).fit(x_train, y_train)
            per_c.append(float((model.predict(x_test) == y_test).mean()))
            accs = []
            for tr, va in folds.split(x_train, y_train):
                m = make(kind, c).fit(x_train[tr], y_train[tr])
                accs.append((m.predict(x_train[va]) == y_train[va]).mean())
            cv_means.append(float(np.mean(accs)))
        # First maximum: the smallest C on a tie, as in @gsa/eval.
        best = int(np.argmax(cv_means))
        out[kind] = {"testAccuracyByC": per_c, "cvMeanAccuracyByC": cv_means, "cvChosenC": C_GRID[best],
                     "cvChosenTestAccuracy": per_c[best]}
    return {"trainCount": TRAIN_COUNT, "trainStride": TRAIN_STRIDE, "testCount": TEST_COUNT,
            "testStride": TEST_STRIDE, "cGrid": C_GRID, **out}


if __name__ == "__main__":
    write("metrics.sklearn.json", metric_cases())
    write("ttest.scipy.json", ttest_cases())
    write("multiclass.sklearn.json", multiclass_models())
    numbers = baseline_numbers()
    if numbers is not None:
        write("baselines.sklearn.json", numbers)
    print("fixtures written to", os.path.normpath(OUT))
