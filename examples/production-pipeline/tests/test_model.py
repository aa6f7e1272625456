import numpy as np

from churn.features.build_features import build_features
from churn.models.train import load_model, save_model, train_model


def _xy(customers):
    return build_features(customers), customers["churned"]


def test_predict_proba_shape(customers):
    X, y = _xy(customers)
    model = train_model(X, y, seed=1, n_estimators=10, max_depth=3)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_save_load_round_trip(customers, tmp_path):
    X, y = _xy(customers)
    model = train_model(X, y, seed=1, n_estimators=10, max_depth=3)
    path = tmp_path / "model.joblib"
    save_model(model, path)
    restored = load_model(path)
    np.testing.assert_allclose(model.predict_proba(X), restored.predict_proba(X), atol=1e-12)


def test_same_seed_gives_identical_predictions(customers):
    X, y = _xy(customers)
    first = train_model(X, y, seed=7, n_estimators=20, max_depth=4)
    second = train_model(X, y, seed=7, n_estimators=20, max_depth=4)
    # n_jobs=-1 sums tree votes in parallel, so allow float rounding noise only
    np.testing.assert_allclose(first.predict_proba(X), second.predict_proba(X), atol=1e-12)
