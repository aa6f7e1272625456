"""Feature engineering shared by the training pipeline and the serving API."""

from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = ["tenure_months", "monthly_charges", "total_charges", "num_support_tickets"]
CATEGORIES = {
    "plan": ["basic", "standard", "premium"],
    "region": ["north", "south", "east", "west"],
    "payment_method": ["card", "bank_transfer", "invoice"],
}
TARGET = "churned"


def build_features(df: pd.DataFrame) -> pd.DataFrame:
    """Return the model's feature matrix for raw customer rows."""
    out = df[NUMERIC].astype(float).fillna(0.0)
    tenure = out["tenure_months"].clip(lower=1)
    out["charges_per_month"] = out["total_charges"] / tenure
    out["tickets_per_month"] = out["num_support_tickets"] / tenure
    out["charge_ratio"] = np.where(
        out["charges_per_month"] > 0, out["monthly_charges"] / out["charges_per_month"], 1.0
    )
    # Fixed category lists so a single serving row gets the same columns as training
    for col, values in CATEGORIES.items():
        cat = pd.Categorical(df[col].str.lower(), categories=values)
        dummies = pd.get_dummies(cat, prefix=col, dtype=float)
        dummies.index = df.index
        out = out.join(dummies)
    return out


def main() -> None:
    in_dir, out_dir = Path("data/prepared"), Path("data/features")
    out_dir.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        df = pd.read_csv(in_dir / f"{split}.csv")
        features = build_features(df)
        features[TARGET] = df[TARGET]
        features.to_csv(out_dir / f"{split}.csv", index=False)


if __name__ == "__main__":
    main()
