"""Clean the raw CRM export and split it into train and test sets."""

from pathlib import Path

import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

RAW_PATH = Path("data/raw/customers.csv")
OUT_DIR = Path("data/prepared")
TARGET = "churned"


def clean(df: pd.DataFrame) -> pd.DataFrame:
    df = df.drop_duplicates(subset="customer_id").copy()
    # total_charges arrives as text with blanks for brand-new customers
    df["total_charges"] = pd.to_numeric(df["total_charges"], errors="coerce").fillna(0.0)
    df[TARGET] = df[TARGET].astype(int)
    return df[df["tenure_months"] >= 0].reset_index(drop=True)


def main() -> None:
    params = yaml.safe_load(open("params.yaml"))["prepare"]
    df = clean(pd.read_csv(RAW_PATH))
    train, test = train_test_split(
        df,
        test_size=params["test_size"],
        random_state=params["split_seed"],
        stratify=df[TARGET],
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    train.to_csv(OUT_DIR / "train.csv", index=False)
    test.to_csv(OUT_DIR / "test.csv", index=False)
    print(f"prepared {len(train)} train / {len(test)} test rows")


if __name__ == "__main__":
    main()
