"""Evaluate the trained model on the held-out set: overall, per segment, vs. baseline."""

import json
from pathlib import Path

import joblib
import pandas as pd
import yaml
from sklearn.dummy import DummyClassifier
from sklearn.metrics import roc_auc_score, roc_curve

TARGET = "churned"
METRICS_DIR = Path("metrics")


def main() -> None:
    params = yaml.safe_load(open("params.yaml"))["evaluate"]
    model = joblib.load("models/model.joblib")
    train = pd.read_csv("data/features/train.csv")
    test = pd.read_csv("data/features/test.csv")
    raw_test = pd.read_csv("data/prepared/test.csv")

    X_test, y_test = test.drop(columns=[TARGET]), test[TARGET]
    proba = model.predict_proba(X_test)[:, 1]
    auc = roc_auc_score(y_test, proba)

    baseline = DummyClassifier(strategy="prior")
    baseline.fit(train.drop(columns=[TARGET]), train[TARGET])
    baseline_auc = roc_auc_score(y_test, baseline.predict_proba(X_test)[:, 1])

    scored = raw_test.assign(proba=proba)
    auc_by_segment = {
        str(segment): round(roc_auc_score(g[TARGET], g["proba"]), 4)
        for segment, g in scored.groupby(params["segment_column"])
        if g[TARGET].nunique() == 2
    }

    METRICS_DIR.mkdir(exist_ok=True)
    scores = {
        "auc": round(auc, 4),
        "baseline_auc": round(baseline_auc, 4),
        "auc_lift_over_baseline": round(auc - baseline_auc, 4),
        "auc_by_region": auc_by_segment,
    }
    (METRICS_DIR / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")

    fpr, tpr, _ = roc_curve(y_test, proba)
    pd.DataFrame({"fpr": fpr, "tpr": tpr}).round(4).to_csv(METRICS_DIR / "roc.csv", index=False)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
