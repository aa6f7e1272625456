"""`mltestscore history`: scores at past commits read from git objects, never from the work tree."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from conftest import git, git_commit_all, write_tree
from report_fixtures import all_test_ids, attested_config, attested_repo

from mltestscore.audit import run_audit
from mltestscore.cli import cli
from mltestscore.config import Config, parse_config
from mltestscore.history import HistoryError, open_history
from mltestscore.index.commit import BlobReader, TreeFiles, list_tree

DAY = 86400


def commit_at(root, message: str, when: int) -> str:
    stamp = f"{when} +0000"
    return git_commit_all(root, message, env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


@pytest.fixture
def three_commits(tmp_path):
    """data attested, then data+model, then all 28; one day apart."""
    root = tmp_path / "repo"
    ids = all_test_ids()
    attested_repo(root, test_ids=ids[:7], commit=False)
    commit_at(root, "attest data", 1_700_000_000)
    write_tree(root, {".mltestscore.yaml": attested_config(ids[:14])})
    commit_at(root, "attest model", 1_700_000_000 + DAY)
    write_tree(root, {".mltestscore.yaml": attested_config(ids)})
    commit_at(root, "attest <script>everything</script>", 1_700_000_000 + 2 * DAY)
    return root


def history_points(root, **kwargs):
    run = open_history(root, None, **kwargs)
    try:
        return list(run.audit_each())
    finally:
        run.close()


def test_history_scores_each_commit_oldest_first(three_commits):
    points = history_points(three_commits)
    assert [p.subject for p in points] == ["attest data", "attest model", "attest <script>everything</script>"]
    # each commit is scored with the config committed then: its attestations are the repository's state
    assert [p.sections["data"] for p in points] == [3.5, 3.5, 3.5]
    assert [p.sections["model"] for p in points] == [0, 3.5, 3.5]
    assert [p.score for p in points] == [0, 0, 3.5]
    assert (
        points[0].date.startswith("2023-11-14") and points[-1].commit == git(three_commits, "rev-parse", "HEAD").strip()
    )


def test_history_reads_git_objects_and_leaves_work_tree_and_index_alone(three_commits):
    write_tree(three_commits, {".mltestscore.yaml": attested_config([]), "notes.md": "untracked\n"})
    status = git(three_commits, "status", "--porcelain")  # also settles git's own index refresh
    index = three_commits / ".git" / "index"
    before = (index.stat().st_mtime_ns, index.read_bytes())
    points = history_points(three_commits)
    assert points[-1].score == 3.5  # HEAD's attestations, not the emptied work-tree file
    assert (index.stat().st_mtime_ns, index.read_bytes()) == before
    assert git(three_commits, "status", "--porcelain") == status
    assert "notes.md" in status and (three_commits / "notes.md").read_text() == "untracked\n"


def test_history_last_and_since(three_commits):
    assert [p.subject for p in history_points(three_commits, last=2)] == [
        "attest model",
        "attest <script>everything</script>",
    ]
    since = history_points(three_commits, since="2023-11-15T00:00:00Z")
    assert [p.subject for p in since] == ["attest model", "attest <script>everything</script>"]
    assert len(history_points(three_commits, last=1, since="2023-11-01")) == 1


def test_history_of_a_subfolder_reads_only_that_folder(tmp_path):
    top = tmp_path / "mono"
    attested_repo(top / "ml", commit=False)
    write_tree(top, {"web/.mltestscore.yaml": "fail_under: 7\n", "web/app.py": "print(1)\n"})
    git_commit_all(top)
    points = history_points(top / "ml")
    assert len(points) == 1 and points[0].score == 3.5


def test_tree_files_follow_links_inside_the_tree_only(tmp_path):
    root = tmp_path / "repo"
    write_tree(root, {"real.yaml": "a: 1\n", "big.txt": "x" * 5000})
    os.symlink("real.yaml", root / "link.yaml")
    os.symlink("../../etc/passwd", root / "escape.txt")
    sha = git_commit_all(root)
    import git as gitpython

    repo = gitpython.Repo(root)
    try:
        warnings = []
        files = TreeFiles(
            root, list_tree(repo, sha), BlobReader(repo), lambda p, m: warnings.append((p, m)), max_bytes=4096
        )
        assert files.paths == ["big.txt", "escape.txt", "link.yaml", "real.yaml"]
        assert files.text("link.yaml") == "a: 1\n"
        assert files.read_bytes("escape.txt") is None
        assert files.read_bytes("big.txt") is None
        assert files.text("real.yaml") == "a: 1\n" and files.text("real.yaml") == "a: 1\n"
        assert files.reads == 2  # link target and real.yaml, each once
        assert [p for p, _ in warnings] == ["escape.txt", "big.txt"]
    finally:
        repo.close()


def test_history_errors_are_usage_errors(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(HistoryError, match="not a git repository"):
        open_history(plain, Config())
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(HistoryError, match="no commits"):
        open_history(empty, Config())
    result = CliRunner().invoke(cli, ["history", str(plain)])
    assert result.exit_code == 2 and "not a git repository" in result.stderr


def test_history_cli_table_json_and_html(three_commits, tmp_path):
    table = CliRunner().invoke(cli, ["history", str(three_commits)])
    assert table.exit_code == 0, table.output
    assert "ML Test Score history" in table.stdout and "+3.5" in table.stdout

    data = json.loads(CliRunner().invoke(cli, ["history", str(three_commits), "-f", "json"]).stdout)
    assert [c["score"] for c in data["commits"]] == [0, 0, 3.5] and data["shallow"] is False

    out = tmp_path / "history.html"
    result = CliRunner().invoke(cli, ["history", str(three_commits), "--last", "3", "-f", "html", "-o", str(out)])
    assert result.exit_code == 0
    html = out.read_text()
    assert "<script" not in html and "&lt;script&gt;everything" in html
    polylines = _polylines(html)
    assert len(polylines["final-line"].split()) == 3 and len(polylines) == 5  # final + four sections
    ys = [float(p.split(",")[1]) for p in polylines["final-line"].split()]
    assert ys[0] == ys[1] > ys[2]  # the final score rises at the last commit


def _polylines(html: str) -> dict[str, str]:
    found = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "polyline":
                found[attrs.get("id") or attrs["data-section"]] = attrs["points"]

    Parser().feed(html)
    return found


def test_each_commit_uses_its_own_config_unless_one_is_given(three_commits, tmp_path):
    write_tree(three_commits, {".mltestscore.yaml": "unknown_key: 1\n"})
    commit_at(three_commits, "break the config", 1_700_000_000 + 3 * DAY)
    points = history_points(three_commits)
    assert points[-1].score == 0 and "unknown setting 'unknown_key'" in points[-1].note
    assert points[-2].note == ""
    shared = tmp_path / "shared.yaml"
    shared.write_text(attested_config(all_test_ids()))
    result = CliRunner().invoke(cli, ["history", str(three_commits), "-f", "json", "--config", str(shared)])
    assert [c["score"] for c in json.loads(result.stdout)["commits"]] == [3.5, 3.5, 3.5, 3.5]


def test_a_blob_missing_from_the_clone_is_a_warning_not_a_crash(tmp_path):
    root = attested_repo(tmp_path / "repo", commit=False)
    write_tree(root, {"src/model.py": "import random\nrandom.seed(1)\n"})
    git_commit_all(root)
    assert history_points(root)[0].warnings == 0
    blob = git(root, "rev-parse", "HEAD:src/model.py").strip()
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as in a partial or damaged clone
    points = history_points(root)
    assert len(points) == 1 and points[0].score == 3.5 and points[0].warnings == 1


def test_a_shallow_clone_reaches_back_as_far_as_it_was_fetched(three_commits, tmp_path):
    git(tmp_path, "clone", "-q", "--depth", "2", three_commits.as_uri(), "shallow")
    result = CliRunner().invoke(cli, ["history", str(tmp_path / "shallow"), "--last", "10", "-f", "json"])
    data = json.loads(result.stdout)
    assert data["shallow"] is True and [c["subject"] for c in data["commits"]] == [
        "attest model",
        "attest <script>everything</script>",
    ]
    assert "shallow clone" in result.stderr


def _commit_context(root, commit_index, config=None):
    """The audit context `history` builds for one commit (oldest first)."""
    from mltestscore.history import CommitContext
    from mltestscore.index.commit import BlobReader, CommitGit, list_tree

    run = open_history(root, None)
    commit = run.commits[commit_index]
    entries = list_tree(run._repo, commit.hexsha, run._prefix)
    git_info = CommitGit(True, root, commit.hexsha, False, list(entries), None, _repo=run._repo, prefix=run._prefix)
    return run, CommitContext(root, config or Config(), git_info, entries, BlobReader(run._repo))


def test_a_past_commit_is_scanned_from_git_even_when_the_scan_is_split(tmp_path, monkeypatch):
    # The split scan reads the work tree in two processes; a past commit's files must come from git.
    from mltestscore.checks.registry import load_checks
    from mltestscore.evidence import python
    from mltestscore.index import fork

    load_checks()  # the checks declare the words the scan looks for
    monkeypatch.setattr(python, "_SHARE_MIN_FILES", 1)
    monkeypatch.setattr(fork, "can_fork", lambda: True)
    root = tmp_path / "repo"
    modules = {f"src/shop/m{n}.py": f"def f{n}(x):\n    return x\n" for n in range(6)}
    write_tree(root, {**modules, "src/shop/train.py": "import random\n\nrandom.seed(7)\n"})
    commit_at(root, "seeded", 1_700_000_000)
    write_tree(root, {"src/shop/train.py": "import random\n\nrandom.shuffle([1, 2])\n"})
    commit_at(root, "unseeded", 1_700_000_000 + DAY)
    run, ctx = _commit_context(root, 0)
    try:
        assert ctx.python.candidates(["random.seed"]) == ["src/shop/train.py"]
    finally:
        ctx.close()
        run.close()


def test_a_past_commit_reads_data_file_heads_from_git(tmp_path):
    root = tmp_path / "repo"
    write_tree(
        root,
        {
            "data/customers.csv": "customer_id,email,age,churned\n1,a@example.com,41,0\n",
            "src/shop/features.py": "import pandas as pd\n\ndef load():\n    return pd.read_csv('data/customers.csv')\n",
        },
    )
    commit_at(root, "data", 1_700_000_000)
    run, ctx = _commit_context(root, 0)
    try:
        assert ctx.files.read_head("data/customers.csv", 16) == b"customer_id,emai"
        report = run_audit(root, Config(), ctx=ctx)
        assert not [w for w in report.warnings if "failed" in w.message], report.warnings
    finally:
        run.close()


def test_attestations_of_a_past_commit_are_judged_as_of_that_commit(tmp_path):
    # The document arrives in the second commit; the first commit's attestation must not borrow it
    # from the work tree. Ages count to each commit's own date, not to today.
    root = tmp_path / "repo"
    config = attested_config(all_test_ids()[:7])
    write_tree(root, {".mltestscore.yaml": config, "train.py": "print('training')\n"})
    commit_at(root, "attest before writing the review", 1_700_000_000)
    write_tree(root, {"docs/review.md": "# Review\nDone by hand.\n"})
    commit_at(root, "write the review", 1_700_000_000 + DAY)
    points = history_points(root)
    assert [p.sections["data"] for p in points] == [0, 3.5]
    config = parse_config({"attestations": {"data-1": {"path": "docs/review.md", "max_age_days": 30}}}, "test")
    run, ctx = _commit_context(root, 1, config)
    try:
        report = run_audit(root, config, ctx=ctx)
        assert report.item("data-1").status.value == "attested"  # 0 days old at its commit, years before today
        assert "last changed 0 days ago" in report.item("data-1").evidence[0].detail
    finally:
        run.close()
