"""Train the churn classifier and register it in MLflow."""

import os
import random
from pathlib import Path

import joblib
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import yaml
from sklearn.ensemble import RandomForestClassifier

FEATURES_PATH = Path("data/features/train.csv")
MODEL_PATH = Path("models/model.joblib")
REGISTERED_NAME = "churn-classifier"
TARGET = "churned"


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)


def train_model(
    X: pd.DataFrame, y: pd.Series, seed: int, n_estimators: int = 300, max_depth: int | None = 10
) -> RandomForestClassifier:
    set_seed(seed)
    model = RandomForestClassifier(
        n_estimators=n_estimators,
        max_depth=max_depth,
        class_weight="balanced",
        n_jobs=-1,
        random_state=seed,
    )
    return model.fit(X, y)


def save_model(model, path: Path = MODEL_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def load_model(path: Path = MODEL_PATH):
    return joblib.load(path)


def main() -> None:
    params = yaml.safe_load(open("params.yaml"))["train"]
    df = pd.read_csv(FEATURES_PATH)
    X, y = df.drop(columns=[TARGET]), df[TARGET]
    model = train_model(X, y, params["seed"], params["n_estimators"], params["max_depth"])
    save_model(model)

    if not os.environ.get("MLFLOW_TRACKING_URI"):
        print("MLFLOW_TRACKING_URI not set; skipping model registration")
        return
    mlflow.set_experiment("churn")
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metric("train_rows", len(df))
        mlflow.sklearn.log_model(model, artifact_path="model", input_example=X.head(3))
    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", REGISTERED_NAME)
    print(f"registered {REGISTERED_NAME} version {version.version}")


if __name__ == "__main__":
    main()
