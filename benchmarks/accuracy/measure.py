#!/usr/bin/env python3
"""Measure mltestscore against the hand labels of benchmarks/accuracy/.

For every repository in repos.yaml: clone it from a local mirror folder at the pinned commit, run
`mltestscore audit <clone> --format json --no-cache`, and compare the 28 scores with the label file.
Prints per-test agreement, Cohen's kappa (categories 0 / 0.5 / 1), the same two accepting the
labeller's stated alternative (`alt`), recall and precision of awarded points, mean absolute section
error, recall per kind and per platform, the headline numbers per split (`dev`: the repositories fixers
tune on; `holdout`: labelled later and never tuned on), and every disagreement with the label's evidence.

Not run in CI: it needs the mirrors (fetched snapshots) and runs the tool on real repositories.

    python benchmarks/accuracy/measure.py --mirror /work/.mirror --workdir /tmp/acc [--split dev|holdout|all]
        [--repo owner/name] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SECTIONS = ("data", "model", "infra", "monitor")
TEST_IDS = tuple(f"{s}-{i}" for s in SECTIONS for i in range(1, 8))
CATEGORIES = (0.0, 0.5, 1.0)
SPLITS = ("dev", "holdout")


# ---------------------------------------------------------------- metrics (pure, unit-tested)


@dataclass(frozen=True)
class Pair:
    """One (repository, test) comparison."""

    repo: str
    test: str
    label: float
    tool: float
    alt: float | None = None
    evidence: str = ""
    kind: str = ""
    platform: str = ""
    split: str = ""

    @property
    def label_accepting_alt(self) -> float:
        """The label, or its stated alternative when the tool chose exactly that alternative."""
        if self.alt is not None and self.tool == self.alt:
            return self.alt
        return self.label


def agreement(labels: Sequence[float], tools: Sequence[float]) -> float:
    """Share of items where the two scores are equal."""
    if not labels:
        return float("nan")
    return sum(1 for a, b in zip(labels, tools, strict=True) if a == b) / len(labels)


def cohen_kappa(labels: Sequence[float], tools: Sequence[float], categories: Iterable[float] = CATEGORIES) -> float:
    """Cohen's kappa of two raters over fixed categories: (p_o - p_e) / (1 - p_e).

    1.0 when both raters put everything in one and the same category (no disagreement possible).
    """
    n = len(labels)
    if n == 0:
        return float("nan")
    cats = list(categories)
    p_o = agreement(labels, tools)
    p_e = sum((sum(1 for x in labels if x == c) / n) * (sum(1 for x in tools if x == c) / n) for c in cats)
    if p_e >= 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1.0 - p_e)


def recall_precision(labels: Sequence[float], tools: Sequence[float]) -> tuple[float, float]:
    """Recall = sum(min(tool, label)) / sum(label); precision = the same / sum(tool). nan when a sum is 0."""
    hit = sum(min(a, b) for a, b in zip(labels, tools, strict=True))
    total_label, total_tool = sum(labels), sum(tools)
    recall = hit / total_label if total_label else float("nan")
    precision = hit / total_tool if total_tool else float("nan")
    return recall, precision


def section_errors(pairs: Iterable[Pair]) -> dict[tuple[str, str], float]:
    """Absolute difference of the section sums (tool vs label) per (repo, section)."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p in pairs:
        key = (p.repo, p.test.split("-")[0])
        sums[key][0] += p.label
        sums[key][1] += p.tool
    return {k: abs(v[0] - v[1]) for k, v in sums.items()}


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else float("nan")


@dataclass
class Summary:
    n: int
    agreement: float
    kappa: float
    agreement_alt: float
    kappa_alt: float
    recall: float
    precision: float
    recall_alt: float
    precision_alt: float
    mean_section_error: float
    per_test_agreement: dict[str, float] = field(default_factory=dict)
    recall_by_kind: dict[str, float] = field(default_factory=dict)
    recall_by_platform: dict[str, float] = field(default_factory=dict)
    precision_by_platform: dict[str, float] = field(default_factory=dict)


def summarise(pairs: Sequence[Pair]) -> Summary:
    labels = [p.label for p in pairs]
    tools = [p.tool for p in pairs]
    alts = [p.label_accepting_alt for p in pairs]
    recall, precision = recall_precision(labels, tools)
    recall_alt, precision_alt = recall_precision(alts, tools)
    by_test: dict[str, list[Pair]] = defaultdict(list)
    by_kind: dict[str, list[Pair]] = defaultdict(list)
    by_platform: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_test[p.test].append(p)
        by_kind[p.kind or "?"].append(p)
        by_platform[p.platform or "?"].append(p)

    def rp(group: list[Pair]) -> tuple[float, float]:
        return recall_precision([p.label for p in group], [p.tool for p in group])

    return Summary(
        n=len(pairs),
        agreement=agreement(labels, tools),
        kappa=cohen_kappa(labels, tools),
        agreement_alt=agreement(alts, tools),
        kappa_alt=cohen_kappa(alts, tools),
        recall=recall,
        precision=precision,
        recall_alt=recall_alt,
        precision_alt=precision_alt,
        mean_section_error=mean(section_errors(pairs).values()),
        per_test_agreement={
            t: agreement([p.label for p in by_test[t]], [p.tool for p in by_test[t]]) for t in TEST_IDS if by_test[t]
        },
        recall_by_kind={k: rp(v)[0] for k, v in sorted(by_kind.items())},
        recall_by_platform={k: rp(v)[0] for k, v in sorted(by_platform.items())},
        precision_by_platform={k: rp(v)[1] for k, v in sorted(by_platform.items())},
    )


def summarise_by_split(pairs: Sequence[Pair]) -> dict[str, Summary]:
    """One Summary per split present in pairs (dev first, then holdout, then anything else)."""
    groups: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[p.split or "?"].append(p)
    order = [s for s in SPLITS if s in groups] + sorted(s for s in groups if s not in SPLITS)
    return {s: summarise(groups[s]) for s in order}


def select_split(repos: list[dict], split: str) -> list[dict]:
    """Entries of repos.yaml in the split ("all" keeps every entry; an entry without `split` is dev)."""
    if split == "all":
        return list(repos)
    return [r for r in repos if r.get("split", "dev") == split]


# ---------------------------------------------------------------- labels and tool output


def as_score(value: object) -> float:
    score = float(value)  # type: ignore[arg-type]
    if score not in CATEGORIES:
        raise ValueError(f"score {value!r} is not one of 0, 0.5, 1")
    return score


def load_repos(path: Path) -> list[dict]:
    return list(yaml.safe_load(path.read_text()) or [])


def load_label(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    missing = [t for t in TEST_IDS if t not in data.get("tests", {})]
    if missing:
        raise ValueError(f"{path}: no label for {', '.join(missing)}")
    return data


def tool_scores(report: dict) -> dict[str, float]:
    """Test id -> score from `mltestscore audit --format json` output."""
    out: dict[str, float] = {}
    for section in (report.get("sections") or {}).values():
        for item in section.get("items", []):
            out[str(item["id"])] = float(item["score"])
    return out


def pairs_for(entry: dict, label: dict, scores: dict[str, float]) -> list[Pair]:
    pairs = []
    for test in TEST_IDS:
        t = label["tests"][test]
        alt = t.get("alt")
        pairs.append(
            Pair(
                repo=entry["repo"],
                test=test,
                label=as_score(t["score"]),
                tool=float(scores.get(test, 0.0)),
                alt=as_score(alt) if alt is not None else None,
                evidence=str(t.get("evidence", "")),
                kind=str(entry.get("kind", "")),
                platform=str(entry.get("platform", "")),
                split=str(entry.get("split", "dev")),
            )
        )
    return pairs


# ---------------------------------------------------------------- mirrors and clones


def find_git_dir(mirror: Path, repo: str) -> Path | None:
    """The git directory a `fetch` left for owner/name: <mirror>/<owner>+<name>/ holds a bare repo or a
    work tree with .git somewhere below (usually `repo/` or `repo/.git`)."""
    base = mirror / repo.replace("/", "+")
    if not base.is_dir():
        return None
    # Two levels are enough (`repo/` bare, or `repo/.git`); never walk a whole work tree.
    level1 = sorted(p for p in base.iterdir() if p.is_dir())
    level2 = sorted(q for p in level1 for q in p.iterdir() if q.is_dir() and q.name not in ("objects", "refs"))
    for cand in (base, *level1, *level2):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
        if (cand / ".git" / "HEAD").is_file():
            return cand / ".git"
    return None


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def materialise(git_dir: Path, commit: str, dest: Path) -> list[str]:
    """Clone git_dir at commit into dest. Snapshots may lack large blobs, so when checkout fails the tree is
    written file by file, skipping unreadable blobs. Returns warnings."""
    warnings: list[str] = []
    if dest.exists():
        shutil.rmtree(dest)
    r = git("clone", "--quiet", "--no-checkout", str(git_dir), str(dest))
    if r.returncode != 0:
        raise RuntimeError(f"clone failed: {r.stderr.strip()}")
    if git("checkout", "--quiet", commit, cwd=dest).returncode == 0:
        return warnings
    listing = git("ls-tree", "-r", "-z", commit, cwd=dest)
    if listing.returncode != 0:
        raise RuntimeError(f"commit {commit} not in {git_dir}: {listing.stderr.strip()}")
    for entry in filter(None, listing.stdout.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind != "blob":
            continue
        blob = subprocess.run(["git", "cat-file", "blob", sha], cwd=dest, capture_output=True)
        if blob.returncode != 0:
            warnings.append(f"missing blob skipped: {path}")
            continue
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.stdout)
    # Keep HEAD at the pinned commit so history-based checks see the right log.
    git("update-ref", "--no-deref", "HEAD", commit, cwd=dest)
    git("reset", "--quiet", "--mixed", commit, cwd=dest)
    return warnings


def audit(tool: str, clone: Path) -> dict:
    r = subprocess.run([tool, "audit", str(clone), "--format", "json", "--no-cache"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"audit gave no JSON (exit {r.returncode}): {r.stderr.strip()[:500]}") from exc


# ---------------------------------------------------------------- report


def fmt(x: float) -> str:
    return "  n/a" if x != x else f"{x:5.2f}"


def print_report(
    summary: Summary,
    pairs: Sequence[Pair],
    per_repo: dict[str, Summary],
    out=sys.stdout,
    per_split: dict[str, Summary] | None = None,
) -> None:
    w = out.write
    w(f"repositories: {len(per_repo)}   test judgements: {summary.n}\n")
    w(f"agreement {fmt(summary.agreement)}   kappa {fmt(summary.kappa)}\n")
    w(f"accepting alt: agreement {fmt(summary.agreement_alt)}   kappa {fmt(summary.kappa_alt)}\n")
    w(f"awarded points: recall {fmt(summary.recall)}   precision {fmt(summary.precision)}")
    w(f"   (accepting alt: {fmt(summary.recall_alt)} / {fmt(summary.precision_alt)})\n")
    w(f"mean absolute section error: {fmt(summary.mean_section_error)} points\n\n")
    if per_split:
        repos_in = defaultdict(set)
        for p in pairs:
            repos_in[p.split or "?"].add(p.repo)
        w("per split (repos, agreement, kappa, agreement/kappa accepting alt, recall, precision, section error):\n")
        for name, s in per_split.items():
            w(
                f"  {name:<8} {len(repos_in[name]):3d}  {fmt(s.agreement)} {fmt(s.kappa)}  "
                f"{fmt(s.agreement_alt)} {fmt(s.kappa_alt)}  {fmt(s.recall)} {fmt(s.precision)}  "
                f"{fmt(s.mean_section_error)}\n"
            )
        w("\n")
    w("per-test agreement:\n")
    for test, value in summary.per_test_agreement.items():
        w(f"  {test:<10} {fmt(value)}\n")
    w("\nrecall by kind:\n")
    for k, v in summary.recall_by_kind.items():
        w(f"  {k:<14} {fmt(v)}\n")
    w("\nrecall / precision by platform:\n")
    for k, v in summary.recall_by_platform.items():
        w(f"  {k:<14} {fmt(v)} / {fmt(summary.precision_by_platform[k])}\n")
    w("\nper repository (agreement, kappa, recall, precision):\n")
    for repo, s in per_repo.items():
        w(f"  {repo:<70} {fmt(s.agreement)} {fmt(s.kappa)} {fmt(s.recall)} {fmt(s.precision)}\n")
    w("\ndisagreements (repo, test, label, tool, label evidence):\n")
    for p in pairs:
        if p.label != p.tool:
            alt = f" (alt {p.alt:g}{' accepted' if p.tool == p.alt else ''})" if p.alt is not None else ""
            w(f"  {p.repo}  {p.test}  label {p.label:g}{alt}  tool {p.tool:g}\n      {p.evidence}\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, required=True, help="folder of fetched snapshots (<owner>+<name>/...)")
    ap.add_argument("--workdir", type=Path, required=True, help="where clones are made (emptied per repository)")
    ap.add_argument("--repo", action="append", default=[], help="limit to owner/name (repeatable)")
    ap.add_argument("--json", type=Path, help="write all pairs and summaries to this file")
    ap.add_argument("--tool", default="mltestscore", help="the mltestscore executable")
    ap.add_argument("--labels", type=Path, default=HERE, help="folder holding repos.yaml and labels/")
    ap.add_argument(
        "--split",
        choices=(*SPLITS, "all"),
        default="all",
        help="dev: repositories fixers tune on; holdout: never tuned on; all (default): both, reported per split too",
    )
    args = ap.parse_args(argv)

    repos = select_split(load_repos(args.labels / "repos.yaml"), args.split)
    if args.repo:
        repos = [r for r in repos if r["repo"] in set(args.repo)]
    args.workdir.mkdir(parents=True, exist_ok=True)
    all_pairs: list[Pair] = []
    per_repo: dict[str, Summary] = {}
    for entry in repos:
        name = entry["repo"]
        label = load_label(args.labels / "labels" / f"{name.replace('/', '__')}.yaml")
        if label.get("commit") != entry["commit"]:
            print(f"warning: {name}: label commit differs from repos.yaml", file=sys.stderr)
        git_dir = find_git_dir(args.mirror, name)
        if git_dir is None:
            print(f"skip {name}: no snapshot under {args.mirror}", file=sys.stderr)
            continue
        clone = args.workdir / name.replace("/", "__")
        try:
            for warning in materialise(git_dir, entry["commit"], clone):
                print(f"warning: {name}: {warning}", file=sys.stderr)
            scores = tool_scores(audit(args.tool, clone))
        except RuntimeError as exc:
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        pairs = pairs_for(entry, label, scores)
        all_pairs.extend(pairs)
        per_repo[name] = summarise(pairs)
    if not all_pairs:
        print("nothing measured", file=sys.stderr)
        return 1
    summary = summarise(all_pairs)
    per_split = summarise_by_split(all_pairs)
    print_report(summary, all_pairs, per_repo, per_split=per_split)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "summary": summary.__dict__,
                    "per_split": {k: v.__dict__ for k, v in per_split.items()},
                    "per_repo": {k: v.__dict__ for k, v in per_repo.items()},
                    "pairs": [p.__dict__ for p in all_pairs],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
