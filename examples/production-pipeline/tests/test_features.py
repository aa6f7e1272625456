import pandas as pd

from churn.features.build_features import CATEGORIES, NUMERIC, build_features


def test_output_columns(customers):
    features = build_features(customers)
    expected = NUMERIC + ["charges_per_month", "tickets_per_month", "charge_ratio"]
    expected += [f"{col}_{v}" for col, values in CATEGORIES.items() for v in values]
    assert list(features.columns) == expected
    assert "churned" not in features.columns
    assert "customer_id" not in features.columns


def test_no_nan(customers):
    customers.loc[0, "total_charges"] = None
    customers.loc[1, "tenure_months"] = 0
    features = build_features(customers)
    assert not features.isna().any().any()


def test_one_hot_single_row_has_all_categories(customers):
    one = build_features(customers.iloc[[0]])
    assert one.shape == (1, build_features(customers).shape[1])
    for col in CATEGORIES:
        assert one.filter(like=f"{col}_").sum(axis=1).iloc[0] == 1.0


def test_unknown_category_is_all_zero():
    row = pd.DataFrame(
        [
            {
                "tenure_months": 3,
                "monthly_charges": 20.0,
                "total_charges": 60.0,
                "num_support_tickets": 0,
                "plan": "enterprise",
                "region": "north",
                "payment_method": "card",
            }
        ]
    )
    assert build_features(row).filter(like="plan_").sum(axis=1).iloc[0] == 0.0
