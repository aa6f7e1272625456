"""The CI gate as a team meets it: config that fails safe, discovery from a subfolder, readable
output in a hook. Each runs the installed console script in a subprocess on a real repository."""

import json

import pytest
from conftest import make_repo, write_tree
from test_cli import run

from mltestscore.config import ConfigError, load_config


@pytest.mark.parametrize(
    "text, where",
    [
        ("[tool.mltestscore]\nfail_under = 3\n\n[project\nname = 'x'\n", "pyproject.toml:4:"),
        ("[project]\nname = 'x'\nversion = \n[tool.mltestscore]\nfail_under = 3\n", "pyproject.toml:3:"),
    ],
)
def test_broken_pyproject_with_tool_table_exits_2_with_line(tmp_path, text, where):
    make_repo(tmp_path, {"train.py": "print(1)\n", "pyproject.toml": text})
    result = run("audit", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert where in result.stderr and "invalid TOML" in result.stderr


def test_broken_pyproject_without_tool_table_is_not_config(tmp_path):
    make_repo(tmp_path, {"train.py": "print(1)\n", "pyproject.toml": "[project\n"})
    assert load_config(tmp_path).fail_under is None


def test_broken_yaml_config_names_line_and_column(tmp_path):
    write_tree(tmp_path, {".mltestscore.yaml": "fail_under: 2\nexclude: [a,\n"})
    with pytest.raises(ConfigError, match=r"^\.mltestscore\.yaml:3:1: invalid YAML"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    "text, hint",
    [
        ("fail_undr: 2\n", "did you mean `fail_under`?"),
        ("section_minimum: {data: 1}\n", "did you mean `section_minimums`?"),
        ("section_minimums: {moniter: 1}\n", "did you mean `monitor`?"),
        ("attestations: {data-3: {pth: docs/x.md}}\n", "did you mean `path`?"),
    ],
)
def test_unknown_keys_suggest_the_close_one(tmp_path, text, hint):
    make_repo(tmp_path, {"train.py": "print(1)\n", ".mltestscore.yaml": text})
    result = run("audit", str(tmp_path))
    assert result.returncode == 2 and hint in result.stderr


def test_both_config_files_precedence_is_stated_in_the_report(tmp_path):
    make_repo(
        tmp_path,
        {
            "train.py": "print(1)\n",
            ".mltestscore.yaml": "exclude: [vendor/]\n",
            "pyproject.toml": "[tool.mltestscore]\nfail_under = 3\n",
        },
    )
    result = run("audit", str(tmp_path), "-f", "json", "--no-cache")
    assert result.returncode == 0  # the YAML file wins: the pyproject threshold is not applied
    warnings = [w["message"] for w in json.loads(result.stdout)["warnings"]]
    assert any("both .mltestscore.yaml and pyproject.toml" in w and "is ignored" in w for w in warnings)


def test_run_from_a_subfolder_audits_the_project_root(tmp_path):
    make_repo(
        tmp_path,
        {
            "train.py": "print(1)\n",
            "pyproject.toml": "[tool.mltestscore]\nfail_under = 3\n",
            "src/pkg/deep/mod.py": "x = 1\n",
        },
    )
    result = run("-f", "json", cwd=tmp_path / "src" / "pkg" / "deep")
    assert result.returncode == 1  # the root's fail_under applies
    assert json.loads(result.stdout)["repository"]["path"] == str(tmp_path.resolve())
    assert f"auditing {tmp_path.resolve()}" in result.stderr


def test_discovery_stops_at_the_git_top_level(tmp_path):
    write_tree(tmp_path, {".mltestscore.yaml": "fail_under: 7\n"})
    inner = make_repo(tmp_path / "inner", {"train.py": "print(1)\n", "sub/x.py": ""})
    result = run("config", cwd=inner / "sub")
    assert result.returncode == 0
    assert f"project root: {inner.resolve()}" in result.stdout and "fail_under = None" in result.stdout


def test_config_command_prints_values_and_their_origin(tmp_path):
    make_repo(tmp_path, {"train.py": "", "pyproject.toml": "[tool.mltestscore]\nfail_under = 2.5\n"})
    result = run("config", str(tmp_path))
    assert result.returncode == 0
    assert "fail_under = 2.5    # pyproject.toml [tool.mltestscore]" in result.stdout
    assert "max_file_size_kb = 2048    # default" in result.stdout


def test_mistyped_subcommand_is_not_read_as_a_path(tmp_path):
    result = run("audti", str(tmp_path))
    assert result.returncode == 2
    assert "No such command 'audti'. Did you mean 'audit'?" in result.stderr


def test_failing_gate_line_comes_first_and_last(tmp_path):
    make_repo(tmp_path, {"train.py": "print(1)\n"})
    result = run("audit", str(tmp_path), "--fail-under", "2", "--no-color")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "below the fail-under threshold 2" in lines[0] and "below the fail-under threshold 2" in lines[-1]


def test_quiet_and_summary_are_short(tmp_path):
    make_repo(tmp_path, {"train.py": "print(1)\n"})
    quiet = run("audit", str(tmp_path), "-q")
    assert quiet.returncode == 0 and quiet.stdout.strip().startswith("ML Test Score: 0")
    assert len(quiet.stdout.strip().splitlines()) == 1
    summary = run("audit", str(tmp_path), "--summary")
    assert "Data" in summary.stdout and "data-1" not in summary.stdout


def test_select_and_ignore_on_the_command_line(tmp_path):
    make_repo(tmp_path, {"train.py": "print(1)\n"})
    result = run("audit", str(tmp_path), "-f", "json", "--select", "infra", "--ignore", "infra-2", "--no-cache")
    items = {t["id"]: t for s in json.loads(result.stdout)["sections"].values() for t in s["items"]}
    assert items["data-1"]["status"] == "skipped" and "--select" in items["data-1"]["reason"]
    assert items["infra-2"]["status"] == "skipped" and "--ignore" in items["infra-2"]["reason"]
    assert items["infra-1"]["status"] != "skipped"
    bad = run("audit", str(tmp_path), "--select", "infra-12")
    assert bad.returncode == 2 and "did you mean" in bad.stderr


def test_checks_as_json():
    result = run("checks", "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 28 and {"id", "section", "title", "assessed"} <= set(rows[0])


def test_non_code_folder_says_nothing_to_audit(tmp_path):
    write_tree(tmp_path, {"photo.jpg": b"\xff\xd8", "notes.txt": "hello"})
    result = run("audit", str(tmp_path))
    assert "nothing to audit" in result.stderr


def test_no_progress_output_when_not_a_tty(tmp_path):
    make_repo(tmp_path, {"train.py": "print(1)\n"})
    result = run("audit", str(tmp_path), "-q", "--no-cache")
    assert "auditing" not in result.stderr and "\x1b" not in result.stderr
