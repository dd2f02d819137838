"""The five-factor dealer credit rating of seed S7 (经销商信用评级).

Each factor is scored 1 (poor) to 5 (excellent) by whoever rates the customer:

| factor            | weight | asks                                                  |
|-------------------|--------|-------------------------------------------------------|
| reputation        | 25 %   | does the customer keep its word, pay on time?         |
| solvency          | 25 %   | can it pay its debts (cash, receivables, liabilities)? |
| financial backing | 20 %   | capital and assets behind it                          |
| loyalty           | 15 %   | does it stay with us, sell our lines over others?     |
| personal quality  | 15 %   | the owner's / manager's integrity and competence      |

score = Σ weight × factor × 20, so 20 (all 1s) … 100 (all 5s), to two decimals.

Grades by score: A ≥ 85 · B ≥ 70 · C ≥ 55 · D ≥ 40 · E below 40. All 5s is an A,
all 4s (80) a B, all 3s (60) a C, all 2s (40) a D and all 1s (20) an E.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

FACTORS: dict[str, object] = {
    "reputation": _("Reputation"),
    "solvency": _("Solvency"),
    "financial_backing": _("Financial backing"),
    "loyalty": _("Loyalty"),
    "personal_quality": _("Personal quality"),
}
WEIGHTS: dict[str, Decimal] = {
    "reputation": Decimal("0.25"),
    "solvency": Decimal("0.25"),
    "financial_backing": Decimal("0.20"),
    "loyalty": Decimal("0.15"),
    "personal_quality": Decimal("0.15"),
}
# Lowest score of each grade, best first; below the last threshold is an E.
GRADE_THRESHOLDS: list[tuple[str, Decimal]] = [
    ("A", Decimal("85")),
    ("B", Decimal("70")),
    ("C", Decimal("55")),
    ("D", Decimal("40")),
]
LOWEST_GRADE = "E"
FACTOR_MIN, FACTOR_MAX = 1, 5

assert sum(WEIGHTS.values()) == Decimal("1")  # noqa: S101 - a guard on the table above
assert set(WEIGHTS) == set(FACTORS)  # noqa: S101


@dataclass(frozen=True)
class CreditScore:
    score: Decimal
    grade: str


def grade_for(score: Decimal) -> str:
    for grade, lowest in GRADE_THRESHOLDS:
        if score >= lowest:
            return grade
    return LOWEST_GRADE


def credit_score(factors: dict[str, int]) -> CreditScore:
    """The score and grade of five factor values (each 1–5; validated by the caller)."""
    total = sum(WEIGHTS[name] * Decimal(factors[name]) * 20 for name in WEIGHTS)
    score = Decimal(total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return CreditScore(score=score, grade=grade_for(score))
