"""data-5: hash_pandas_object on an identifier column pseudonymises; fed into a digest of a whole
dataset it only fingerprints the data (a version marker), which protects nobody."""

from __future__ import annotations

from conftest import audit

FINGERPRINT = """
import hashlib

import pandas as pd
import prometheus_client


class DriftMonitor:
    def __init__(self, reference: pd.DataFrame):
        self.reference = reference
        self.hash = hashlib.sha256(pd.util.hash_pandas_object(self.reference).values).hexdigest()
        self.hash_metric = prometheus_client.Gauge("reference_dataset_hash", "", labelnames=["hash"])
"""

PSEUDONYMISE = """
import pandas as pd


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    df["customer_id"] = pd.util.hash_pandas_object(df["customer_id"], index=False)
    return df
"""


def test_a_dataset_fingerprint_is_no_privacy_control(repo):
    result = audit(repo({"monitor/server.py": FINGERPRINT})).item("data-5")
    assert result.score == 0


def test_hashing_an_identifier_column_is_a_privacy_control(repo):
    result = audit(repo({"monitor/server.py": FINGERPRINT, "pipeline/prepare.py": PSEUDONYMISE})).item("data-5")
    assert result.score == 0.5
    assert [e.path for e in result.evidence if e.kind == "proof"] == ["pipeline/prepare.py"]
