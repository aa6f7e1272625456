"""monitor-3: shared feature paths the server's import graph does not show (pipelines reusing the
training pipeline's feature code, a fitted transformer loaded by the server, Azure ML scoring
scripts) and a Feast wrapper that nothing serves from."""

from __future__ import annotations

from conftest import audit

from mltestscore.results import Status

FEATURES = """
import pandas as pd


def add_features(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["rooms_per_person"] = frame["rooms"] / frame["people"].clip(lower=1)
    return frame
"""

PREPARE_FOR_SCORING = """
import pandas as pd

from src.data.add_features import add_features


def main(raw: str, out: str) -> None:
    add_features(pd.read_parquet(raw)).to_parquet(out)


if __name__ == "__main__":
    import sys

    main(sys.argv[1], sys.argv[2])
"""

TRAIN = """
import joblib
import pandas as pd
from sklearn.ensemble import RandomForestRegressor


def main(data: str, out: str) -> None:
    frame = pd.read_parquet(data)
    model = RandomForestRegressor().fit(frame.drop(columns=["price"]), frame["price"])
    joblib.dump(model, out)


if __name__ == "__main__":
    import sys

    main(sys.argv[1], sys.argv[2])
"""

PREDICT = """
import joblib
import pandas as pd


def main(model: str, data: str, out: str) -> None:
    frame = pd.read_parquet(data)
    pd.DataFrame({"price": joblib.load(model).predict(frame)}).to_parquet(out)


if __name__ == "__main__":
    import sys

    main(*sys.argv[1:4])
"""

TRAINING_JOB = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: house-price-training
jobs:
  add_features:
    type: command
    code: ../
    command: python -m src.data.add_features ${{inputs.raw}} ${{outputs.features}}
  train:
    type: command
    code: ../
    command: python -m src.models.train ${{inputs.features}} ${{outputs.model}}
"""

INFERENCE_JOB = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: house-price-inference
jobs:
  prepare:
    type: command
    code: ../
    command: python -m src.data.prepare_for_scoring ${{inputs.raw}} ${{outputs.features}}
  predict:
    type: command
    code: ../
    command: python -m src.models.predict ${{inputs.model}} ${{inputs.features}} ${{outputs.predictions}}
"""


def monitor3(root):
    return audit(root).item("monitor-3")


def azure_project(**extra):
    files = {
        "src/__init__.py": "",
        "src/data/__init__.py": "",
        "src/models/__init__.py": "",
        "src/data/add_features.py": FEATURES,
        "src/data/prepare_for_scoring.py": PREPARE_FOR_SCORING,
        "src/models/train.py": TRAIN,
        "src/models/predict.py": PREDICT,
        "jobs/training-job.yml": TRAINING_JOB,
    }
    files.update(extra)
    return files


def test_an_inference_pipeline_reusing_the_training_feature_step_is_manual(repo):
    result = monitor3(repo(azure_project(**{"jobs/inference-job.yml": INFERENCE_JOB}), name="both"))
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert result.evidence[0].path == "src/data/add_features.py"
    assert "house-price-inference" in result.evidence[0].detail and "house-price-training" in result.evidence[0].detail

    # the inference pipeline computing its own features shares nothing
    own = PREPARE_FOR_SCORING.replace("from src.data.add_features import add_features\n", "").replace(
        "add_features(pd.read_parquet(raw))", "pd.read_parquet(raw).assign(extra=1)"
    )
    root = repo(
        azure_project(**{"jobs/inference-job.yml": INFERENCE_JOB, "src/data/prepare_for_scoring.py": own}), name="own"
    )
    assert monitor3(root).score == 0


PREPROCESS = """
import joblib
import pandas as pd
from sklearn.feature_selection import SelectKBest
from sklearn.preprocessing import KBinsDiscretizer


def main(data: str, out: str) -> None:
    frame = pd.read_csv(data)
    binner = KBinsDiscretizer(n_bins=5)
    binned = binner.fit_transform(frame.drop(columns=["default"]))
    selector = SelectKBest(k=3)
    selector.fit(binned, frame["default"])
    joblib.dump({"binner": binner, "selector": selector}, out)
"""

APP = """
import joblib
import pandas as pd
from fastapi import FastAPI

app = FastAPI()
TRANSFORMER = joblib.load("artifacts/transformer.joblib")


@app.post("/score")
def score(row: dict) -> dict:
    frame = pd.DataFrame([row])
    binner, selector = TRANSFORMER["binner"], TRANSFORMER["selector"]
    features = selector.transform(binner.transform(frame))
    return {"features": features.tolist()}
"""


def test_a_server_applying_the_fitted_transformer_training_saved_is_manual(repo):
    root = repo({"pipeline/preprocess.py": PREPROCESS, "service/app.py": APP})
    result = monitor3(root)
    assert result.score == 0.5
    assert result.evidence[0].path == "service/app.py" and "fitted transformer" in result.evidence[0].detail
    assert "training fits and saves it (pipeline/preprocess.py)" in result.evidence[0].detail

    rebuilt = APP.replace('joblib.load("artifacts/transformer.joblib")', "None").replace(
        "selector.transform(binner.transform(frame))", "frame.to_numpy()"
    )
    assert monitor3(repo({"pipeline/preprocess.py": PREPROCESS, "service/app.py": rebuilt}, name="own")).score == 0


SCORE = """
import json
import os

import mlflow
import pandas as pd

MODEL = None


def init() -> None:
    global MODEL
    MODEL = mlflow.sklearn.load_model(os.getenv("AZUREML_MODEL_DIR") + "/model")


def run(data: str) -> str:
    frame = pd.DataFrame(json.loads(data))
    return json.dumps(MODEL.predict_proba(frame)[:, 1].tolist())
"""

PIPELINE_TRAIN = """
import mlflow
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder


def main(path: str) -> None:
    frame = pd.read_csv(path)
    model = Pipeline(
        [("encode", ColumnTransformer([("cat", OneHotEncoder(), ["city"])])), ("forest", RandomForestClassifier())]
    )
    model.fit(frame.drop(columns=["label"]), frame["label"])
    mlflow.sklearn.save_model(model, "model")
"""


def test_an_azureml_scoring_script_loading_the_training_pipeline_is_a_server(repo):
    result = monitor3(repo({"core/src/train.py": PIPELINE_TRAIN, "core/src/online_score.py": SCORE}))
    assert result.score == 0.5
    assert "core/src/online_score.py" in result.evidence[0].detail


FEAST_WRAPPER = """
from feast import FeatureStore


class Features:
    def __init__(self, repo: str) -> None:
        self.store = FeatureStore(repo_path=repo)

    def training_frame(self, entities):
        return self.store.get_historical_features(entity_df=entities, features=["driver:trips"]).to_df()

    def online(self, rows):
        return self.store.get_online_features(features=["driver:trips"], entity_rows=rows).to_dict()
"""


def test_a_feast_wrapper_with_no_server_shares_no_serving_path(repo):
    result = monitor3(repo({"features/store.py": FEAST_WRAPPER, "train.py": "from features.store import Features\n"}))
    assert result.score == 0 and result.status == Status.MISSING
