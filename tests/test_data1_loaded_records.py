"""data-1: key and isinstance asserts on records a test loads from a saved dataset (Hugging Face
`load_from_disk`) write down the record's structure and types: a structural schema, 0.5 at most."""

from __future__ import annotations

from conftest import audit

TEST_LOADED_DATASET = """
import os

import pytest
import torch
from datasets import Dataset


@pytest.mark.skipif(not os.path.exists("data/processed"), reason="data not pulled")
def test_processed_format():
    train = Dataset.load_from_disk("data/processed/train")
    row = train[0]
    assert list(row.keys()) == ["input_ids", "attention_mask", "labels"]
    assert isinstance(row["input_ids"], torch.Tensor)
"""


def test_type_and_key_asserts_on_a_saved_dataset_are_a_structural_schema(repo):
    # data-1: the record's keys and tensor types are written down; types only, so at most 0.5
    result = audit(repo({"tests/test_dataset.py": TEST_LOADED_DATASET}, name="types")).item("data-1")
    assert result.score == 0.5
    assert "shape and types" in result.evidence[0].detail


SERVING = """
from typing import List, Optional

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class LoanRow(BaseModel):
    applicant_id: Optional[int] = None
    contract_type: Optional[str] = None
    income_total: Optional[float] = None
    credit_amount: Optional[float] = None
    days_employed: Optional[int] = None


@app.post("/predict")
async def predict(rows: List[LoanRow] = Body(...)):
    return {"n": len(rows)}
"""

UI_COPY = """
from typing import Optional

from pydantic import BaseModel


class LoanRow(BaseModel):
    applicant_id: Optional[int] = None
    contract_type: Optional[str] = None
    income_total: Optional[float] = None
    credit_amount: Optional[float] = None
"""

SETTINGS = """
from pydantic import BaseModel


class Server(BaseModel):
    host: str = "0.0.0.0"
    port: int = 8000
    workers: int = 2
    reload: bool = False
"""


def test_a_request_model_typing_every_input_column_is_a_types_only_schema(repo):
    # the UI's same-named copy, read later, must not hide the model the endpoint uses
    files = {"client/app.py": SERVING, "ui/rows.py": UI_COPY}
    result = audit(repo(files, name="served")).item("data-1")
    assert result.score == 0.5
    assert (
        result.evidence[0].path == "client/app.py"
        and "validates every request with LoanRow" in result.evidence[0].detail
    )


def test_a_typed_model_no_endpoint_uses_is_no_schema(repo):
    assert audit(repo({"conf/server.py": SETTINGS, "ui/rows.py": UI_COPY}, name="unused")).item("data-1").score == 0
