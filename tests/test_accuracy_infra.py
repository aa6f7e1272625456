"""Accuracy cases of infra and monitoring checks: small repositories where a careful auditor and the
audit disagreed (the shared accuracy-cases set, copied under tests/data/accuracy_cases: one file
per repository, `=== path` starts a file). Each asserts the scores RUBRIC.md asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import audit, make_repo

CASES = Path(__file__).parent / "data" / "accuracy_cases"

EXPECTED = {
    "r03_promotion_gate": {"infra-4": 1},
    "r03b_promotion_gate": {"infra-4": 1},
    "r03e_prefixed_metric": {"infra-4": 1},
    "r04_cml_fp": {"infra-4": 0},
    "r05_airflow_cmd": {"monitor-4": 1, "infra-4": 1},
    "r06_azure": {"infra-2": 1, "infra-3": 1, "infra-4": 1},
    "r06c_azure_root": {"infra-2": 1},
    "r06d_azure_script": {"infra-4": 1},
    "r07_cloudbuild": {"infra-2": 0.5, "infra-3": 0.5},
    "r11_e2e_by_name": {"infra-3": 0},
    "r11b_cli_jobs": {"infra-3": 1},
    "r15_served_eval_name": {"monitor-7": 0.5},
    "r16_helm_istio_weights": {"infra-6": 0.5},
    "r16b_anyscale": {"infra-6": 0.5},
    "r17_registry_approval": {"model-1": 0.5},
    "r18_azureml_registry": {"infra-7": 0.5},
    "r19_eval_for_review": {"infra-4": 0.5},
    "r20_manual_train": {"monitor-4": 0},
    "r21_seed_guarded": {"infra-1": 0.5},
}


def case_files(name: str) -> dict[str, str]:
    files: dict[str, str] = {}
    current = None
    for line in (CASES / f"{name}.txt").read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("=== "):
            current = line[4:].strip()
            files[current] = ""
        elif current is not None:
            files[current] += line
    return files


def case_repo(tmp_path: Path, name: str) -> Path:
    # written raw (make_repo dedents str content; the cases are already flush left)
    return make_repo(tmp_path / name, {path: text.encode() for path, text in case_files(name).items()})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_accuracy_case(tmp_path, name):
    result = audit(case_repo(tmp_path, name))
    got = {test_id: result.item(test_id).score for test_id in EXPECTED[name]}
    assert got == {k: float(v) for k, v in EXPECTED[name].items()}
