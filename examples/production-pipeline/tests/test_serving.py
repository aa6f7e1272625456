import pytest
from fastapi.testclient import TestClient

from churn.features.build_features import build_features
from churn.models.train import train_model
from churn.serving.app import app, get_model

EXAMPLE = {
    "customer_id": "C0042",
    "tenure_months": 5,
    "monthly_charges": 79.5,
    "total_charges": 397.5,
    "num_support_tickets": 3,
    "plan": "premium",
    "region": "west",
    "payment_method": "invoice",
}


@pytest.fixture
def client(customers):
    model = train_model(
        build_features(customers), customers["churned"], seed=0, n_estimators=10, max_depth=3
    )
    app.dependency_overrides[get_model] = lambda: model
    yield TestClient(app)
    app.dependency_overrides.clear()


def test_predict_schema(client):
    response = client.post("/predict", json=EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"customer_id", "churn_probability", "model_version"}
    assert body["customer_id"] == "C0042"
    assert 0.0 <= body["churn_probability"] <= 1.0


def test_predict_rejects_invalid_input(client):
    response = client.post("/predict", json={**EXAMPLE, "tenure_months": -1})
    assert response.status_code == 422
