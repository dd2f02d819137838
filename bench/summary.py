"""One table of every benchmark's headline figures: target, figure, ratio to baseline.

Each benchmark records its figures with `Recorder` (below) into its own file,
`var/bench/<bench>.jsonl` (replaced at each run of that benchmark), one JSON object a
line; `make bench` runs them all and then this script, which prints the table:

    .venv/bin/python bench/summary.py            # the table of what var/bench/ holds
    .venv/bin/python bench/summary.py --json     # the same rows as one JSON list

A row (every key but `note` and `baseline` required; see bench/README.md, "Summary"):

    {"bench": "crud", "figure": "GET /api/v1/me/ p50", "value": 4.1, "unit": "ms",
     "target": 5.0, "better": "lower", "baseline": 11.0,
     "note": "one request at a time", "load": [3.1, 2.9, 2.4], "at": "2026-12-07T10:20:00Z"}

`better` is "lower" (times) or "higher" (rates): the target is met when the figure is at
most (at least) the target. The ratio printed is figure / baseline for rates and
baseline / figure for times, so above 1 is always better than the baseline. A script
that is not Python writes the same lines with anything that writes JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR", BENCH_DIR.parent / "var" / "bench"))


class Recorder:
    """Collects one benchmark's summary rows; `record(...)` writes each at once, so a
    benchmark stopped half-way still leaves what it measured."""

    def __init__(self, bench: str):
        self.bench = bench
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.path = RESULTS_DIR / f"{bench}.jsonl"
        self.path.write_text("")

    def record(
        self,
        figure: str,
        value: float,
        unit: str,
        *,
        better: str,
        target: float | None = None,
        baseline: float | None = None,
        note: str = "",
    ) -> None:
        if better not in ("lower", "higher"):
            raise ValueError("better is 'lower' or 'higher'")
        row = {
            "bench": self.bench,
            "figure": figure,
            "value": round(float(value), 2),
            "unit": unit,
            "target": target,
            "better": better,
            "baseline": baseline,
            "note": note,
            "load": [round(x, 2) for x in os.getloadavg()],
            "at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        with self.path.open("a") as out:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def rows(directory: Path = RESULTS_DIR) -> list[dict]:
    found = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                found.append(json.loads(line))
    return found


def met(row: dict) -> bool | None:
    if row.get("target") is None:
        return None
    if row["better"] == "lower":
        return row["value"] <= row["target"]
    return row["value"] >= row["target"]


def ratio(row: dict) -> float | None:
    baseline, value = row.get("baseline"), row["value"]
    if not baseline or not value:
        return None
    return value / baseline if row["better"] == "higher" else baseline / value


def print_table(found: list[dict]) -> None:
    if not found:
        print(f"No benchmark figures in {RESULTS_DIR} yet: run `make bench`.")
        return
    header = (
        f"{'bench':<13}{'figure':<56}{'target':>12}{'figure':>20}  {'':<6}"
        f"{'baseline':>10}{'× base':>8}  load at the time"
    )
    print(header)
    print("-" * len(header))
    for row in found:
        sign = "≤" if row["better"] == "lower" else "≥"
        target = f"{sign} {row['target']:g}" if row.get("target") is not None else "-"
        ok = met(row)
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        times = ratio(row)
        baseline = f"{row['baseline']:g}" if row.get("baseline") else "-"
        print(
            f"{row['bench']:<13}{row['figure'][:55]:<56}{target:>12}"
            f"{row['value']:>9g} {row['unit'][:10]:<10}  {verdict:<6}{baseline:>10}"
            f"{(f'{times:.2f}' if times else '-'):>8}  {row.get('load', '')}"
        )
    missed = sum(1 for row in found if met(row) is False)
    print(
        f"\n{len(found)} figures, {missed} target(s) missed. × base: how many times better "
        "than the baseline (issue 12's figures); see bench/README.md for each figure."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    found = rows()
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        print_table(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
