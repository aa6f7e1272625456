"""HTTP API serving churn predictions."""

import os
from functools import lru_cache
from typing import Literal

import joblib
import numpy as np
import pandas as pd
import shap
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from churn import __version__
from churn.features.build_features import build_features

app = FastAPI(title="churn-api", version=__version__)


class CustomerFeatures(BaseModel):
    customer_id: str
    tenure_months: int = Field(ge=0, le=600)
    monthly_charges: float = Field(ge=0)
    total_charges: float = Field(ge=0)
    num_support_tickets: int = Field(ge=0)
    plan: Literal["basic", "standard", "premium"]
    region: Literal["north", "south", "east", "west"]
    payment_method: Literal["card", "bank_transfer", "invoice"]


class Prediction(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    customer_id: str
    churn_probability: float
    model_version: str


@lru_cache(maxsize=1)
def get_model():
    return joblib.load(os.environ.get("MODEL_PATH", "models/model.joblib"))


def _features(customer: CustomerFeatures) -> pd.DataFrame:
    return build_features(pd.DataFrame([customer.model_dump()]))


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/predict", response_model=Prediction)
def predict(customer: CustomerFeatures, model=Depends(get_model)) -> Prediction:
    proba = float(model.predict_proba(_features(customer))[0, 1])
    return Prediction(
        customer_id=customer.customer_id, churn_probability=proba, model_version=__version__
    )


@app.post("/explain")
def explain(customer: CustomerFeatures, model=Depends(get_model)) -> dict:
    X = _features(customer)
    values = shap.TreeExplainer(model).shap_values(X)
    # RandomForestClassifier: per-class contributions, keep the "churned" class
    contrib = values[1][0] if isinstance(values, list) else np.asarray(values)[0, :, 1]
    return {
        "customer_id": customer.customer_id,
        "features": X.iloc[0].to_dict(),
        "contributions": dict(zip(X.columns, map(float, contrib), strict=True)),
    }
