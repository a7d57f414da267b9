"""The shipped default dunning policies for risk classes A (best) to D (worst).

Days are relative to the due date. Legal stages (lawyer letter, agency handover, litigation
review) have a minimum amount per currency: below it the invoice holds at the stage before.

| stage             | A   | B   | C   | D   |
| ----------------- | --- | --- | --- | --- |
| friendly_reminder | —   | −3  | −5  | −7  |
| reminder_1        | +7  | +1  | +1  | +1  |
| reminder_2        | +21 | +7  | +5  | —   |
| formal_demand     | +30 | +15 | +10 | +5  |
| final_notice      | +45 | +30 | +20 | +14 |
| lawyer_letter     | +75 | +60 | +45 | +30 |
| agency_handover   | —   | +90 | +75 | +60 |
| litigation_review | +120| —   | —   | —   |

A: no pre-due reminder, salesperson calls, hold only at the final notice, a person reviews
litigation instead of an automatic agency handover. B: the standard rhythm. C: earlier and with
SMS. D: SMS from the start, a call at +1, credit hold with the formal demand at +5, a visit at
+14. The credit hold comes at A +45, B +30, C +20, D +5.
"""

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from arflow_dunning.domain import templates
from arflow_dunning.domain.actions import (
    AgencyHandover,
    Assignee,
    Channel,
    CollectorTask,
    CreditHoldRequest,
    Fee,
    LateInterest,
    LawyerLetter,
    LitigationReview,
    Notification,
    TaskKind,
)
from arflow_dunning.domain.policy import DunningPolicy, DunningStage

EMAIL, SMS, LETTER = Channel.EMAIL, Channel.SMS, Channel.LETTER

STANDARD_FEE = Fee(
    {
        "EUR": Decimal("15.00"),
        "USD": Decimal("15.00"),
        "GBP": Decimal("12.00"),
        "CHF": Decimal("15.00"),
        "CNY": Decimal("100.00"),
        "JPY": Decimal("2000"),
    }
)
"""Dunning fee when the contract names none; currencies not listed are charged no fee."""

LEGAL_MINIMUM = {
    "EUR": Decimal("250"),
    "USD": Decimal("250"),
    "GBP": Decimal("200"),
    "CHF": Decimal("250"),
    "CNY": Decimal("2000"),
    "JPY": Decimal("35000"),
}
"""Least outstanding amount worth a lawyer or an agency; currencies not listed have none."""

INTEREST = LateInterest()


def _notify(key: str, *channels: Channel, formal: bool = False) -> Notification:
    return Notification(channels=channels, template_key=key, formal_demand=formal)


def _call(assignee: Assignee = Assignee.COLLECTOR) -> CollectorTask:
    return CollectorTask(TaskKind.CALL, assignee)


def _friendly(days: int, *channels: Channel) -> DunningStage:
    notice = _notify(templates.FRIENDLY_REMINDER, *channels)
    return DunningStage("friendly_reminder", days, (notice,))


def _lawyer(days: int) -> DunningStage:
    actions = (LawyerLetter(), _notify(templates.LAWYER_LETTER, LETTER, formal=True), INTEREST)
    return DunningStage("lawyer_letter", days, actions, minimum_amounts=LEGAL_MINIMUM)


def _agency(days: int) -> DunningStage:
    actions = (AgencyHandover(), LitigationReview(), _notify(templates.AGENCY_HANDOVER, LETTER), INTEREST)
    return DunningStage("agency_handover", days, actions, minimum_amounts=LEGAL_MINIMUM)


def _final(days: int) -> DunningStage:
    notice = _notify(templates.FINAL_NOTICE, EMAIL, LETTER, formal=True)
    return DunningStage("final_notice", days, (CreditHoldRequest(), notice, STANDARD_FEE, INTEREST))


CLASS_A = DunningPolicy(
    id="default-a",
    name="Default for class A: gentle and late",
    risk_classes=frozenset({"A"}),
    stages=(
        DunningStage("reminder_1", 7, (_notify(templates.REMINDER_1, EMAIL),)),
        DunningStage("reminder_2", 21, (_notify(templates.REMINDER_2, EMAIL),)),
        DunningStage(
            "formal_demand",
            30,
            (
                _call(Assignee.SALESPERSON),
                _notify(templates.FORMAL_DEMAND, EMAIL, LETTER, formal=True),
            ),
        ),
        _final(45),
        _lawyer(75),
        DunningStage("litigation_review", 120, (LitigationReview(), INTEREST), minimum_amounts=LEGAL_MINIMUM),
    ),
)

CLASS_B = DunningPolicy(
    id="default-b",
    name="Default for class B: standard",
    risk_classes=frozenset({"B"}),
    stages=(
        _friendly(-3, EMAIL),
        DunningStage("reminder_1", 1, (_notify(templates.REMINDER_1, EMAIL),)),
        DunningStage("reminder_2", 7, (_notify(templates.REMINDER_2, EMAIL, SMS),)),
        DunningStage(
            "formal_demand",
            15,
            (_call(), _notify(templates.FORMAL_DEMAND, EMAIL, LETTER, formal=True)),
        ),
        _final(30),
        _lawyer(60),
        _agency(90),
    ),
)

CLASS_C = DunningPolicy(
    id="default-c",
    name="Default for class C: earlier, with SMS",
    risk_classes=frozenset({"C"}),
    stages=(
        _friendly(-5, EMAIL),
        DunningStage("reminder_1", 1, (_notify(templates.REMINDER_1, EMAIL, SMS),)),
        DunningStage("reminder_2", 5, (_notify(templates.REMINDER_2, EMAIL, SMS), _call())),
        DunningStage(
            "formal_demand",
            10,
            (_call(), _notify(templates.FORMAL_DEMAND, EMAIL, LETTER, formal=True), STANDARD_FEE),
        ),
        _final(20),
        _lawyer(45),
        _agency(75),
    ),
)

CLASS_D = DunningPolicy(
    id="default-d",
    name="Default for class D: fast, hold early",
    risk_classes=frozenset({"D"}),
    stages=(
        _friendly(-7, EMAIL, SMS),
        DunningStage("reminder_1", 1, (_notify(templates.REMINDER_1, EMAIL, SMS), _call())),
        DunningStage(
            "formal_demand",
            5,
            (
                CreditHoldRequest(),
                _notify(templates.FORMAL_DEMAND, EMAIL, LETTER, formal=True),
                STANDARD_FEE,
            ),
        ),
        DunningStage(
            "final_notice",
            14,
            (
                _notify(templates.FINAL_NOTICE, EMAIL, LETTER, formal=True),
                CollectorTask(TaskKind.VISIT),
                INTEREST,
            ),
        ),
        _lawyer(30),
        _agency(60),
    ),
)

DEFAULT_POLICIES: Mapping[str, DunningPolicy] = MappingProxyType(
    {"A": CLASS_A, "B": CLASS_B, "C": CLASS_C, "D": CLASS_D}
)
"""The default policy per risk class."""
