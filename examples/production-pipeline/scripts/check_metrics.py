"""Fail the build when the evaluated model is not good enough to ship."""

import argparse
import json
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scores", default="metrics/scores.json")
    parser.add_argument("--min-auc", type=float, required=True)
    args = parser.parse_args()

    with open(args.scores) as f:
        scores = json.load(f)

    auc, baseline = scores["auc"], scores["baseline_auc"]
    print(f"auc={auc:.4f} baseline_auc={baseline:.4f} min_auc={args.min_auc:.2f}")
    failed = False
    if auc < args.min_auc:
        print(f"FAIL: auc {auc:.4f} is below the minimum {args.min_auc:.2f}")
        failed = True
    if auc <= baseline:
        print("FAIL: model does not beat the prior baseline")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
