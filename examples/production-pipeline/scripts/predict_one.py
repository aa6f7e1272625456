"""Score one customer and show every step: raw input, features, prediction.

Usage: python scripts/predict_one.py --customer customer.json [--model models/model.joblib]
"""

import argparse
import json
import sys
from pathlib import Path

import joblib
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from churn.features.build_features import build_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customer", required=True, help="JSON file with one customer record")
    parser.add_argument("--model", default="models/model.joblib")
    args = parser.parse_args()

    raw = pd.DataFrame([json.loads(Path(args.customer).read_text())])
    print("== raw input ==")
    print(raw.T.to_string(header=False))

    features = build_features(raw)
    print("\n== features after preprocessing ==")
    print(features.T.to_string(header=False))

    model = joblib.load(args.model)
    proba = model.predict_proba(features)[0, 1]
    print("\n== prediction ==")
    print(f"churn_probability={proba:.4f} predicted_label={int(proba >= 0.5)}")


if __name__ == "__main__":
    main()
