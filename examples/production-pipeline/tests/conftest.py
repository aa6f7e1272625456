import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    tenure = rng.integers(0, 72, n)
    monthly = rng.uniform(10, 120, n).round(2)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": (tenure * monthly).round(2),
            "num_support_tickets": rng.poisson(1.5, n),
            "plan": rng.choice(["basic", "standard", "premium"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "payment_method": rng.choice(["card", "bank_transfer", "invoice"], n),
            "churned": rng.integers(0, 2, n),
        }
    )
