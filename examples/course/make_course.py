"""Generate a course's worth of student group repositories and the repos.txt that grades them.

    python examples/course/make_course.py /tmp/course            # 24 groups
    mltestscore batch --from /tmp/course/repos.txt -d /tmp/course/grades

Every group starts from the same project (examples/production-pipeline: a churn model with a DVC
pipeline, tests, CI, serving and monitoring) and, like real groups, finished some parts and not
others: each part (CI, retraining schedule, tests, DVC pipeline, deployment, container, pre-commit,
dependency bot, metric gate, serving) is kept with a probability set by the group's diligence.
Each group's repository has a short commit history and is published as a bare repository, cloned
through a file:// URL (like a hosted one, with partial-clone support). One group's URL points at
a repository that was never pushed, as happens every term.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "production-pipeline"
# The parts a group may or may not have finished: name -> paths (files or folders) in the template.
PARTS = {
    "ci": [".github/workflows/ci.yml"],
    "retraining": [".github/workflows/retrain.yml"],
    "tests": ["tests"],
    "pipeline": ["dvc.yaml", "dvc.lock", ".dvc", ".dvcignore", "data/raw/customers.csv.dvc"],
    "deployment": ["deploy"],
    "container": ["Dockerfile"],
    "pre-commit": [".pre-commit-config.yaml", ".secrets.baseline"],
    "dependency bot": [".github/dependabot.yml"],
    "metric gate": ["scripts/check_metrics.py"],
    "serving": ["src/churn/serving", "tests/test_serving.py"],
}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Student",
    "GIT_AUTHOR_EMAIL": "student@example.edu",
    "GIT_COMMITTER_NAME": "Student",
    "GIT_COMMITTER_EMAIL": "student@example.edu",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_group(work: Path, remotes: Path, number: int, rng: random.Random) -> tuple[Path, list[str]]:
    """One group's repository, committed in a few steps and pushed to remotes/group-NN.git."""
    name = f"group-{number:02d}"
    tree = work / name
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(TEMPLATE, tree)
    diligence = rng.uniform(0.15, 0.95)
    missing = [part for part in PARTS if rng.random() > diligence]
    for part in missing:
        for rel in PARTS[part]:
            path = tree / rel
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    # A first commit of the code, then the rest, then a README touch: a short, real history.
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "src", "requirements.txt")
    git(tree, "commit", "-q", "-m", "initial model code")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "pipeline, tests and deployment")
    with open(tree / "README.md", "a", encoding="utf-8") as readme:
        readme.write(f"\n\nCourse project of {name}.\n")
    git(tree, "commit", "-q", "-am", "README: group name")
    bare = remotes / f"{name}.git"
    shutil.rmtree(bare, ignore_errors=True)
    git(work, "clone", "-q", "--bare", str(tree), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")  # partial clones, as GitHub/GitLab allow
    shutil.rmtree(tree)
    return bare, missing


def make_course(folder: Path, groups: int = 24, seed: int = 7, never_pushed: int = 1) -> Path:
    """Writes folder/remotes/*.git and folder/repos.txt; returns the list's path."""
    rng = random.Random(seed)
    remotes, work = folder / "remotes", folder / "work"
    remotes.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    lines = ["# Course project repositories: URL[@REV] then the group's display name"]
    for number in range(1, groups + 1):
        bare, _missing = make_group(work, remotes, number, rng)
        lines.append(f"{bare.resolve().as_uri()} Group {number}")
    for extra in range(never_pushed):
        ghost = remotes / f"group-{groups + extra + 1:02d}.git"
        lines.append(f"{ghost.resolve().as_uri()} Group {groups + extra + 1}")
    shutil.rmtree(work, ignore_errors=True)
    listing = folder / "repos.txt"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return listing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="where to put remotes/ and repos.txt")
    parser.add_argument("--groups", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    listing = make_course(args.folder, args.groups, args.seed)
    print(f"{args.groups} group repositories in {args.folder / 'remotes'}; list: {listing}")
    print(f"grade them: mltestscore batch --from {listing} -d {args.folder / 'grades'}")


if __name__ == "__main__":
    main()
