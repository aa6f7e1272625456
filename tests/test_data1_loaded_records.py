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
