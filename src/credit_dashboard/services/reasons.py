"""The principal reasons for a refusal, in words the applicant understands.

A refused applicant is owed the specific reasons actually scored (US Reg B's rule of thumb: at most
four; the EU AI Act's transparency for credit scoring). A reason is a **fact group**
(``services.groups``) that raised this client's risk: at most :data:`MAX_REASONS`, those with the
largest effect in points, largest first. The points are the ones shown beside each reason, the
same as the waterfall's and the facts table's (the walk of ``services.grouped``), so the list reads
"most important first" in the very numbers it shows. Ordering by log-odds instead (the walk's
order) let the points rise down the list: a fact walked later sits on a steeper part of the curve,
and client 100005 read "+1.7, +1.7, +1.8, +1.9 points" under "most important first". Equal points
fall back to log-odds. One fact gives one reason however many features the
model built from it, so "external score 3, the mean, lowest and highest external score" is one
reason: "Your scores from external credit reference agencies are low."

Never a reason: a protected fact (gender, age, family situation; see ``services.groups`` for why),
or a fact whose value for this client stands for one (an income type of "Maternity leave" or
"Pensioner", employment and employer recorded with the pensioners' placeholders). They are
reported to the advisor as :attr:`RefusalReasons.withheld`, so the human reviewing the decision
sees that the model leaned on them. Never "internal score" or "external score N" either: each
fact has words the applicant can check or act on. Granted clients get no reasons.

The credit-record facts (late payments with us, debts and arrears at other lenders, earlier
applications, card use; ``model.record_features.RECORD_FACTS``) are reasons like any other, none of
them protected. Their words follow the client's values, so that each sentence is true of this
applicant: "You have paid several instalments late" only when several were (one: "an
instalment"), one that never paid late gets "your repayment record", and one without any records
of the kind is told that we have little information, never blamed for late payments it did not
make (Reg B's "limited credit experience"). Which feature raised the risk most picks between true
sentences (partial payments rather than late ones, refused applications rather than many).
A batch writes the same words later from the members it kept, so every member of a record fact is
kept (:func:`reads_value`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from credit_dashboard.i18n import gettext as _
from credit_dashboard.i18n import lazy_gettext, ngettext
from credit_dashboard.model.cost import REFUSE
from credit_dashboard.model.record_catalogue import RECORD_FACTS
from credit_dashboard.services.explain import Contribution
from credit_dashboard.services.grouped import (
    GroupedContribution,
    Scored,
    grouped,
    has_no_records,
)
from credit_dashboard.services.groups import EXTERNAL_SCORES
from credit_dashboard.storage.schema import (
    CREDIT_BUREAU_COLUMNS,
    DAYS_EMPLOYED_ANOMALY,
    is_missing,
)

#: Reg B's rule of thumb: more than four reasons is not "specific".
MAX_REASONS = 4

#: Values that stand for a protected fact (pregnancy, age) though the column itself is not one.
PROTECTED_VALUES: dict[str, frozenset[str]] = {
    "NAME_INCOME_TYPE": frozenset({"Maternity leave", "Pensioner"}),
    # Kaggle's employer type of pensioners (with DAYS_EMPLOYED = 365243): age again, and "XNA"
    # means nothing to an applicant.
    "ORGANIZATION_TYPE": frozenset({"XNA"}),
}


@dataclass(frozen=True)
class Reason:
    """One principal reason for a refusal."""

    group: str
    #: What the applicant reads ("Your income is low compared with the repayments of this loan").
    text: str
    #: Change in default probability this fact made (0.031 = +3.1 points).
    probability_change: float
    #: The same effect in log-odds (exact; for analysts).
    contribution: float
    #: The model features behind the reason.
    features: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "text": self.text,
            "probability_change": float(self.probability_change),
            "contribution": float(self.contribution),
            "features": list(self.features),
        }


@dataclass(frozen=True)
class RefusalReasons:
    """The reasons given to the applicant, and the protected facts left out of them."""

    reasons: tuple[Reason, ...]
    #: Protected groups that also raised the risk (for the advisor's eyes, never the applicant's).
    withheld: tuple[GroupedContribution, ...]


def _value(group: GroupedContribution, feature: str) -> object:
    return next((m.value for m in group.members if m.feature == feature), None)


def _strongest_raising(group: GroupedContribution) -> Contribution:
    return max(group.members, key=lambda m: m.contribution)


def _external_scores(group: GroupedContribution) -> str:
    scores = [m for m in group.members if m.feature in EXTERNAL_SCORES]
    if scores and all(is_missing(m.value) for m in scores):
        return _("No score about you was available from external credit reference agencies.")
    return _("Your scores from external credit reference agencies are low.")


_REPAYMENTS = lazy_gettext("The repayments of this loan are high compared with your income.")
_AMOUNT = lazy_gettext("The amount of credit requested is high compared with your income.")
_INCOME = lazy_gettext("Your income is low compared with the repayments of this loan.")
_GOODS = lazy_gettext("The amount of credit requested compared with the price of the goods.")
#: Which words the affordability fact gets, by the feature that raised the risk most.
_AFFORDABILITY = {
    "AMT_ANNUITY": _REPAYMENTS,
    "ANNUITY_INCOME_RATIO": _REPAYMENTS,
    "AMT_CREDIT": _AMOUNT,
    "CREDIT_INCOME_RATIO": _AMOUNT,
    "AMT_INCOME_TOTAL": _INCOME,
    "INCOME_PER_PERSON": _INCOME,
    "ANNUITY_PER_PERSON": lazy_gettext("The repayments of this loan are high."),
    "CREDIT_GOODS_RATIO": _GOODS,
    "CREDIT_GOODS_DIFFERENCE": _GOODS,
    "PAYMENT_RATE": lazy_gettext(
        "The repayment terms of this loan (the repayments compared with the amount borrowed)."
    ),
    "AMT_GOODS_PRICE": _GOODS,
}


def _loan_and_income(group: GroupedContribution) -> str:
    text = _AFFORDABILITY.get(_strongest_raising(group).feature)
    if text is None:
        return _("The amount and the repayments of this loan compared with your income.")
    return str(text)


def _employment(group: GroupedContribution) -> str | None:
    employed = _value(group, "DAYS_EMPLOYED")
    if not is_missing(employed) and employed == DAYS_EMPLOYED_ANOMALY:
        return None  # Kaggle's placeholder for pensioners: a stand-in for age
    if is_missing(employed):
        return _("No length of employment was given.")
    return _("You have been in your current job for a short time.")


def _credit_enquiries(group: GroupedContribution) -> str:
    counts = [m.value for m in group.members if m.feature in CREDIT_BUREAU_COLUMNS]
    if counts and all(is_missing(v) for v in counts):
        return _("No record of credit bureau enquiries about you was available.")
    return _("Several enquiries about you were made to credit bureaus recently.")


def _social_circle(group: GroupedContribution) -> str:
    defaults = [m.value for m in group.members if m.feature.startswith("DEF_")]
    if any(not is_missing(v) and float(v) > 0 for v in defaults):  # type: ignore[arg-type]
        return _("Some people you gave as contacts have defaulted on credit repayments.")
    return _("The repayment record of the people you gave as contacts.")


def _addresses(group: GroupedContribution) -> str:
    if any(not is_missing(m.value) and float(m.value) >= 1 for m in group.members):  # type: ignore[arg-type]
        return _("Your home, work and registered addresses are in different places.")
    return _("Where you live and work compared with your registered address.")


def _number(group: GroupedContribution, feature: str) -> float | None:
    """A member's value as a number; None when missing or when the model has no such feature."""
    value = _value(group, feature)
    if is_missing(value) or isinstance(value, str):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _positive(group: GroupedContribution, *features: str) -> bool:
    return any((_number(group, f) or 0.0) > 0 for f in features)


def _strongest_feature(group: GroupedContribution) -> str:
    return _strongest_raising(group).feature


#: Shares of instalments paid late: with the count of instalments due, how many were late.
_LATE_SHARES = ("CR_INST_LATE_SHARE", "CR_INST_LATE_SHARE_12M", "CR_INST_LATE_SHARE_6M")


def _records_late_with_us(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("We have little information on how you have repaid credit.")
    strongest = _strongest_feature(group)
    if strongest in {"CR_INST_PARTIAL_SHARE", "CR_INST_PARTIAL_SHARE_12M",
                     "CR_INST_PAID_RATIO"} and _positive(
            group, "CR_INST_PARTIAL_SHARE", "CR_INST_PARTIAL_SHARE_12M"):
        return _("You have paid some instalments only in part on earlier loans with us.")
    if strongest == "CR_POS_REMAINING_INSTALMENTS" and _positive(group, strongest):
        return _("Many instalments remain to be paid on your current loans with us.")
    share = _number(group, "CR_INST_LATE_SHARE")
    count = _number(group, "CR_INST_COUNT")
    if share is not None and count is not None and share > 0:
        late = max(1, round(share * count))
        return ngettext(
            "You have paid an instalment late on an earlier loan with us.",
            "You have paid several instalments late on earlier loans with us.",
            late,
        )
    if _positive(group, *_LATE_SHARES, "CR_INST_DAYS_LATE_MAX", "CR_INST_DAYS_LATE_MEAN"):
        return _("You have paid several instalments late on earlier loans with us.")
    if _positive(group, "CR_POS_DPD_MAX", "CR_POS_LATE_SHARE"):
        return _("Your cash or consumer loans with us have been past due.")
    return _("Your repayment record on earlier loans with us.")


def _records_bureau_debts(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("We have no information on credits you may have at other lenders.")
    strongest = _strongest_feature(group)
    bad_debts = _number(group, "CR_BUREAU_BAD_DEBT_COUNT") or 0.0
    if strongest == "CR_BUREAU_BAD_DEBT_COUNT" and bad_debts > 0:
        return ngettext(
            "One of your credits at other lenders was written off or sold as a bad debt.",
            "Some of your credits at other lenders were written off or sold as bad debts.",
            int(bad_debts),
        )
    overdue_now = _positive(group, "CR_BUREAU_OVERDUE_SUM", "CR_BUREAU_OVERDUE_DAYS_MAX")
    if strongest in {"CR_BUREAU_OVERDUE_SUM", "CR_BUREAU_OVERDUE_DAYS_MAX"} and overdue_now:
        return _("You have amounts overdue on your credits at other lenders.")
    if strongest == "CR_BUREAU_MAX_OVERDUE" and _positive(group, strongest):
        return _("You have had amounts overdue on credits at other lenders.")
    if strongest == "CR_BUREAU_ACTIVE_COUNT" and (_number(group, strongest) or 0.0) >= 2:
        return _("You have several credits running at other lenders.")
    if overdue_now:
        return _("Your current debts and overdue amounts at other lenders are high compared "
                 "with those credits.")
    return _("Your current debts at other lenders are high compared with those credits.")


def _records_bureau_late(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("We have little information on how you have repaid credit at other lenders.")
    if _positive(group, "CR_BUREAU_MONTHS_LATE_12M"):
        return _("Your credits at other lenders have been in arrears in the last 12 months.")
    if _positive(group, "CR_BUREAU_MONTHS_LATE", "CR_BUREAU_LATE_SHARE",
                 "CR_BUREAU_WORST_STATUS"):
        return _("Your credits at other lenders have been in arrears.")
    return _("The repayment record of your credits at other lenders.")


def _records_bureau_age(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("We have no record of credit you have had with other lenders.")
    opened = _number(group, "CR_BUREAU_ENQUIRIES_YEAR") or 0.0
    if _strongest_feature(group) == "CR_BUREAU_ENQUIRIES_YEAR" and opened >= 1:
        return ngettext(
            "You opened a credit at another lender in the last year.",
            "You have opened several credits at other lenders in the last year.",
            int(opened),
        )
    return _("Your credit history with other lenders is short or recent.")


def _records_applications(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("You have not applied for credit with us before.")
    strongest = _strongest_feature(group)
    refused = _number(group, "CR_PREV_REFUSED_COUNT")
    if refused is None:  # a model without the count: the share or the amount still says it
        refused = 2.0 if _positive(group, "CR_PREV_REFUSED_SHARE",
                                   "CR_PREV_REFUSED_AMOUNT") else 0.0
    if strongest in {"CR_PREV_REFUSED_COUNT", "CR_PREV_REFUSED_SHARE",
                     "CR_PREV_REFUSED_AMOUNT"} and refused > 0:
        return ngettext(
            "An earlier application of yours for credit with us was refused.",
            "Earlier applications of yours for credit with us were refused.",
            int(refused),
        )
    if (_number(group, "CR_PREV_APPLICATIONS_YEAR") or 0.0) >= 2:
        return _("You have applied for credit several times recently.")
    return _("Your earlier applications for credit with us.")


#: A card balance from this share of its limit up is "close to the limit" (a statement the
#: applicant can check on a statement; below it the words name the fact without judging it).
CLOSE_TO_LIMIT = 0.75


def _records_card_use(group: GroupedContribution) -> str:
    if has_no_records(group):
        return _("We have no record of how you use a credit card with us.")
    if _strongest_feature(group) == "CR_CARD_DPD_MAX" and _positive(group, "CR_CARD_DPD_MAX"):
        return _("Your card repayments with us have been past due.")
    uses = [_number(group, f) for f in ("CR_CARD_LIMIT_USE_LAST", "CR_CARD_LIMIT_USE_MEAN")]
    if any(u is not None and u >= CLOSE_TO_LIMIT for u in uses):
        return _("Your card balances are close to their limits.")
    if _positive(group, "CR_CARD_DPD_MAX"):
        return _("Your card repayments with us have been past due.")
    return _("How you use the credit limit of your card with us.")


def _with_value(text: object) -> Callable[[GroupedContribution], str]:
    """Words with the client's value in them; ``text`` is lazy, translated when the reason is."""

    def words(group: GroupedContribution) -> str:
        return str(text).format(value=group.members[0].display_value)

    return words


def _fixed(text: object) -> Callable[[GroupedContribution], str]:
    return lambda _group: str(text)


#: Group key -> the reason's words (None: this value stands for a protected fact).
_WORDS: dict[str, Callable[[GroupedContribution], str | None]] = {
    "external_scores": _external_scores,
    "loan_and_income": _loan_and_income,
    "employment": _employment,
    "credit_enquiries": _credit_enquiries,
    "social_circle": _social_circle,
    "addresses": _addresses,
    "records_late_with_us": _records_late_with_us,
    "records_bureau_debts": _records_bureau_debts,
    "records_bureau_late": _records_bureau_late,
    "records_bureau_age": _records_bureau_age,
    "records_applications": _records_applications,
    "records_card_use": _records_card_use,
    "NAME_INCOME_TYPE": _with_value(lazy_gettext("Your type of income ({value}).")),
    "documents": _fixed(lazy_gettext("The documents provided with your application.")),
    "contact_details": _fixed(
        lazy_gettext("The contact details given with your application (phones, e-mail).")
    ),
    "region": _fixed(lazy_gettext("The rating of the region where you live.")),
    "building": _fixed(lazy_gettext("The information given about the building you live in.")),
    "car": _fixed(lazy_gettext("Your car ownership, or how many years your car has been in use.")),
    "application_time": _fixed(lazy_gettext("The day and hour of your application.")),
    "DAYS_ID_PUBLISH": _fixed(lazy_gettext("Your identity document was issued recently.")),
    "DAYS_REGISTRATION": _fixed(lazy_gettext("Your registration details were changed recently.")),
    "DAYS_LAST_PHONE_CHANGE": _fixed(lazy_gettext("Your phone number was changed recently.")),
    "FLAG_OWN_REALTY": _fixed(lazy_gettext("Whether you own real estate.")),
    "NAME_EDUCATION_TYPE": _with_value(lazy_gettext("Your level of education ({value}).")),
    "OCCUPATION_TYPE": _with_value(lazy_gettext("Your occupation ({value}).")),
    "ORGANIZATION_TYPE": _with_value(lazy_gettext("The sector of your employer ({value}).")),
    "NAME_CONTRACT_TYPE": _with_value(lazy_gettext("The type of credit requested ({value}).")),
    "NAME_HOUSING_TYPE": _with_value(lazy_gettext("Your housing situation ({value}).")),
    "NAME_TYPE_SUITE": _with_value(lazy_gettext("Who accompanied you when applying ({value}).")),
}


#: Groups whose words read every member's value (``_addresses``, the credit-record facts: whether
#: the client has records at all needs every count; a dozen members at most).
_EVERY_VALUE_READ = frozenset({"addresses", *RECORD_FACTS})
#: Features whose values the words or :func:`is_withheld` read, besides a group's first member
#: (largest effect) and its strongest raising one, which are always read.
_VALUES_READ = frozenset(
    {*EXTERNAL_SCORES, *CREDIT_BUREAU_COLUMNS, "DAYS_EMPLOYED", *PROTECTED_VALUES}
)


def reads_value(group_key: str, feature: str) -> bool:
    """True when the words of ``group_key`` (or :func:`is_withheld`) may read ``feature``'s
    value beyond the group's first and strongest raising members: what a batch must keep of a
    reason's members to write the same words later (``services.batch_reasons``)."""
    return (group_key in _EVERY_VALUE_READ or feature in _VALUES_READ
            or feature.startswith("DEF_"))


def is_withheld(group: GroupedContribution) -> bool:
    """True when ``group`` must never be given as a reason: a protected fact, a value standing
    for one, or Kaggle's pensioners' employment placeholder (age again). Needs only the members'
    features and values, never words, so a batch decides once for every language."""
    if group.protected or any(
        m.value in PROTECTED_VALUES.get(m.feature, ()) for m in group.members
    ):
        return True
    if group.key == "employment":
        employed = _value(group, "DAYS_EMPLOYED")
        return not is_missing(employed) and employed == DAYS_EMPLOYED_ANOMALY
    return False


def reason_text(group: GroupedContribution) -> str | None:
    """The applicant's words for a group that raised the risk; None when it must not be given."""
    if is_withheld(group):
        return None
    words = _WORDS.get(group.key)
    if words is not None:
        return words(group)
    # A fact without hand-written words: its label and the client's value ("Region population
    # (relative): 0.0188"), plain enough to check.
    member = group.members[0]
    return _("{label}: {value}.").format(label=group.label, value=member.display_value)


def refusal_reasons(result: Scored, limit: int = MAX_REASONS) -> RefusalReasons:
    """The principal reasons a refused client's score is above the threshold (none when granted).

    ``result`` is a scored client (``scoring.ClientResult``): its decision, contributions, base
    value and probability. Reasons are the non-protected fact groups that raised the risk with the
    largest effect in points of the probability shown (the number displayed beside each), at most
    ``limit``, largest first.
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    if getattr(result, "decision", None) != REFUSE:
        return RefusalReasons((), ())
    raising = sorted(
        (g for g in grouped(result).groups if g.contribution > 0),
        key=lambda g: (-g.probability_change, -g.contribution, g.key),
    )
    reasons: list[Reason] = []
    withheld: list[GroupedContribution] = []
    for group in raising:
        if len(reasons) == limit:
            break
        text = reason_text(group)
        if text is None:
            withheld.append(group)
            continue
        reasons.append(
            Reason(
                group=group.key,
                text=text,
                probability_change=group.probability_change,
                contribution=group.contribution,
                features=tuple(m.feature for m in group.members),
            )
        )
    return RefusalReasons(tuple(reasons), tuple(withheld))
