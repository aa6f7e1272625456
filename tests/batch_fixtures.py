"""Student-like repositories published as bare git repositories and reached through file:// URLs
(nothing needs the internet), and the console script run as users run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import git, git_commit_all, make_repo

SCRIPT = shutil.which("mltestscore", path=str(Path(sys.executable).parent)) or "mltestscore"

# A project with CI running its tests, a pinned environment and a schema check: scores above WEAK.
STRONG = {
    ".github/workflows/ci.yml": """
        name: ci
        on: [push, pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pip install -r requirements.txt
              - run: pytest tests/
    """,
    "requirements.txt": "scikit-learn==1.5.0\npandas==2.2.2\npandera==0.20.0\npytest==8.2.0\n",
    "src/model.py": """
        import pandas as pd
        import pandera as pa
        from sklearn.linear_model import LogisticRegression

        SCHEMA = pa.DataFrameSchema({"age": pa.Column(int, pa.Check.ge(0)), "label": pa.Column(int)})


        def train(frame: pd.DataFrame, seed: int = 0) -> LogisticRegression:
            frame = SCHEMA.validate(frame)
            return LogisticRegression(random_state=seed).fit(frame[["age"]], frame["label"])
    """,
    "tests/test_model.py": """
        import pandas as pd
        from src.model import SCHEMA, train


        def test_train_fits():
            frame = pd.DataFrame({"age": [20, 30, 40, 50], "label": [0, 0, 1, 1]})
            model = train(frame)
            assert model.predict(frame[["age"]]).tolist() == [0, 0, 1, 1]


        def test_schema_rejects_negative_age():
            frame = pd.DataFrame({"age": [-1], "label": [0]})
            try:
                SCHEMA.validate(frame)
            except Exception:
                return
            raise AssertionError("negative age accepted")
    """,
}
WEAK = {"train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression()\n"}


def publish(work: Path, remotes: Path) -> Path:
    """A bare copy of the work repository, serving partial clones like a forge does."""
    bare = remotes / f"{work.name}.git"
    remotes.mkdir(parents=True, exist_ok=True)
    git(remotes, "clone", "-q", "--bare", str(work), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    return bare


def push(work: Path, bare: Path) -> None:
    git(work, "push", "-q", str(bare), "HEAD:main")


def course(tmp_path: Path, strong: int = 1, weak: int = 1) -> dict[str, Path]:
    """name -> work tree; each published to tmp_path/remotes/<name>.git."""
    trees = {}
    for index in range(strong):
        trees[f"strong{index}"] = make_repo(tmp_path / "work" / f"strong{index}", STRONG)
    for index in range(weak):
        trees[f"weak{index}"] = make_repo(tmp_path / "work" / f"weak{index}", WEAK)
    for tree in trees.values():
        publish(tree, tmp_path / "remotes")
    return trees


def url(tmp_path: Path, name: str) -> str:
    return (tmp_path / "remotes" / f"{name}.git").as_uri()


def commit(tree: Path, message: str = "change") -> str:
    return git_commit_all(tree, message)


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)
