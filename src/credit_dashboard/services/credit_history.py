"""One client's credit records read the way an advisor talks about them.

The six Kaggle credit-record tables (``storage.credit_records.schema``) hold codes, negative day
counts and one row per payment. An advisor needs something else: each credit at another lender in
one line, each earlier application with us and how it ended, and whether the client paid on time
month after month. :func:`credit_history` turns one client's frames (as
``CreditRecordStore.client_records`` returns them) into that, as typed objects the panel draws and
``to_dict`` the API returns.

Pure: no Dash, no files. A client without any record is a normal state (:attr:`CreditHistory.
has_records` False), not an error: most lenders' applicants have no bureau file at all.

Conventions (Kaggle's): every ``DAYS_*`` and ``MONTHS_BALANCE`` counts back from the application,
so ``-1`` is the month before it. An instalment's month is ``DAYS_INSTALMENT // 30``, which puts
days -1..-30 in month -1, the same numbering as ``MONTHS_BALANCE``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credit_dashboard.i18n import N_, format_number, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.storage.credit_records.schema import (
    BUREAU,
    BUREAU_BALANCE,
    CREDIT_CARD_BALANCE,
    DAYS_PLACEHOLDER,
    INSTALLMENTS_PAYMENTS,
    POS_CASH_BALANCE,
    PREVIOUS_APPLICATION,
    TABLES,
)

__all__ = [
    "COLUMNS_READ",
    "BureauCredit",
    "CreditHistory",
    "EarlierApplication",
    "HistoryCounts",
    "TimelineMonth",
    "TIMELINE_MONTHS",
    "credit_history",
]

#: The columns :func:`credit_history` reads, per table (the store decodes only these: most of
#: ``previous_application``'s 37 columns say nothing an advisor reads on the panel).
COLUMNS_READ: dict[str, tuple[str, ...]] = {
    BUREAU.name: ("SK_ID_BUREAU", "CREDIT_ACTIVE", "DAYS_CREDIT", "AMT_CREDIT_SUM",
                  "AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM_OVERDUE", "CREDIT_TYPE"),
    BUREAU_BALANCE.name: ("SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"),
    PREVIOUS_APPLICATION.name: ("SK_ID_PREV", "NAME_CONTRACT_TYPE", "AMT_APPLICATION",
                                "AMT_CREDIT", "NAME_CONTRACT_STATUS", "DAYS_DECISION",
                                "CODE_REJECT_REASON"),
    POS_CASH_BALANCE.name: ("MONTHS_BALANCE", "SK_DPD"),
    INSTALLMENTS_PAYMENTS.name: ("DAYS_INSTALMENT", "DAYS_ENTRY_PAYMENT", "AMT_INSTALMENT",
                                 "AMT_PAYMENT"),
    CREDIT_CARD_BALANCE.name: ("MONTHS_BALANCE", "AMT_BALANCE", "AMT_CREDIT_LIMIT_ACTUAL"),
}

#: The repayment timeline covers this many months before the application.
TIMELINE_MONTHS = 24
#: Days in a timeline month (Kaggle's own rounding: ``DAYS_INSTALMENT // 30``).
DAYS_PER_MONTH = 30

# bureau.CREDIT_ACTIVE -> our key. "Sold" and "Bad debt" are kept apart from "Closed": a lender
# that sold or wrote off the credit was not repaid.
ACTIVE, CLOSED, SOLD, BAD_DEBT, OTHER = "active", "closed", "sold", "bad_debt", "other"
_CREDIT_STATES = {"Active": ACTIVE, "Closed": CLOSED, "Sold": SOLD, "Bad debt": BAD_DEBT}
_STATE_TEXT = {ACTIVE: N_("active"), CLOSED: N_("closed"), SOLD: N_("sold to a collector"),
               BAD_DEBT: N_("bad debt"), OTHER: N_("not known")}

# previous_application.NAME_CONTRACT_STATUS -> our key.
APPROVED, REFUSED, CANCELLED, UNUSED = "approved", "refused", "cancelled", "unused"
_APPLICATION_STATES = {"Approved": APPROVED, "Refused": REFUSED, "Canceled": CANCELLED,
                       "Unused offer": UNUSED}
_APPLICATION_TEXT = {APPROVED: N_("approved"), REFUSED: N_("refused"),
                     CANCELLED: N_("cancelled"), UNUSED: N_("offer not used"),
                     OTHER: N_("not known")}

#: CODE_REJECT_REASON -> a plain category. The codes themselves are internal to the lender and
#: mean nothing to an applicant or an advisor; XAP / XNA mean "not applicable".
_REJECT_CATEGORIES = {
    "HC": N_("lender's rules"), "LIMIT": N_("amount above the limit"),
    "SCO": N_("risk score"), "SCOFR": N_("risk score (fraud check)"),
    "VERIF": N_("documents not verified"), "CLIENT": N_("client's choice"),
    "SYSTEM": N_("technical reason"),
}

#: bureau_balance.STATUS "1".."5": how late a month was.
_LATE_STATUS_TEXT = {
    1: N_("up to 30 days late"), 2: N_("31-60 days late"), 3: N_("61-90 days late"),
    4: N_("91-120 days late"), 5: N_("over 120 days late or written off"),
}

#: Kaggle's credit and contract types, so the catalogue carries their French names.
KNOWN_TYPES = (
    N_("Consumer credit"), N_("Credit card"), N_("Car loan"), N_("Mortgage"), N_("Microloan"),
    N_("Loan for business development"), N_("Another type of loan"), N_("Unknown type of loan"),
    N_("Loan for working capital replenishment"), N_("Cash loan (non-earmarked)"),
    N_("Real estate loan"), N_("Loan for the purchase of equipment"),
    N_("Loan for purchase of shares (margin lending)"), N_("Interbank credit"),
    N_("Mobile operator loan"), N_("Cash loans"), N_("Consumer loans"), N_("Revolving loans"),
)


@dataclass(frozen=True)
class BureauCredit:
    """One credit at another lender, as the credit bureau reports it."""

    credit_id: int
    #: Kaggle's CREDIT_TYPE ("Consumer credit"); :meth:`type_text` translates it.
    credit_type: str
    #: active / closed / sold / bad_debt / other
    state: str
    amount: float | None
    debt: float | None
    overdue: float | None
    #: Months reported 1 day late or more (bureau_balance STATUS 1-5).
    months_late: int
    #: The worst month reported: 0 (never late) to 5, None when the bureau sent no months.
    worst_status: int | None
    #: Days between the credit's opening and the application (positive).
    opened_days_ago: int | None

    def type_text(self) -> str:
        return _(self.credit_type) if self.credit_type else _("not known")

    def state_text(self) -> str:
        return _(_STATE_TEXT[self.state])

    def lateness_text(self) -> str:
        """"Never late", "3 months late, worst: 31-60 days late", or "no monthly report"."""
        if self.worst_status is None:
            return _("no monthly report")
        if self.months_late == 0:
            return _("never late")
        months = ngettext("{n} month late", "{n} months late", self.months_late).format(
            n=format_number(self.months_late))
        return _("{months}, worst: {worst}").format(
            months=months, worst=_(_LATE_STATUS_TEXT[self.worst_status]))


@dataclass(frozen=True)
class EarlierApplication:
    """One earlier application with this lender and how it ended."""

    application_id: int
    contract_type: str
    #: approved / refused / cancelled / unused / other
    state: str
    amount_asked: float | None
    #: The credit granted; None unless approved.
    amount_granted: float | None
    decided_days_ago: int | None
    #: The plain reject category (English, see :meth:`reject_text`); None unless refused.
    reject_category: str | None

    def type_text(self) -> str:
        return _(self.contract_type) if self.contract_type else _("not known")

    def state_text(self) -> str:
        return _(_APPLICATION_TEXT[self.state])

    def reject_text(self) -> str:
        return _(self.reject_category) if self.reject_category else ""


@dataclass(frozen=True)
class TimelineMonth:
    """One month of repayments (``month`` -1 = the month before the application)."""

    month: int
    #: The month's instalments, each in one class (late first, then partly paid) so they stack.
    on_time: int = 0
    late: int = 0
    partly_paid: int = 0
    #: Worst days past due of the month over the client's cash and consumer loans (None: none).
    pos_days_past_due: int | None = None
    #: Card balance and limit summed over the client's cards that month (None: no card).
    card_balance: float | None = None
    card_limit: float | None = None


@dataclass(frozen=True)
class HistoryCounts:
    """What the headline says, and the API's compact totals."""

    bureau_credits: int = 0
    bureau_active: int = 0
    #: Debt still owed on active bureau credits, and amount overdue on any of them.
    bureau_debt: float = 0.0
    bureau_overdue: float = 0.0
    #: Months late summed over bureau credits, and the worst status of any of them.
    bureau_months_late: int = 0
    bureau_worst_status: int | None = None
    applications: int = 0
    applications_approved: int = 0
    applications_refused: int = 0
    instalments: int = 0
    #: Instalment rows paid late, and rows paid less than due (late or not), as CR_INST_* count.
    instalments_late: int = 0
    instalments_partly_paid: int = 0
    #: Worst days past due ever reported on the client's cash and consumer loans with us.
    pos_max_days_past_due: int | None = None
    #: Card balance and limit of the latest month with a card (None: no card).
    card_balance: float | None = None
    card_limit: float | None = None

    @property
    def card_use(self) -> float | None:
        """Balance over limit of the latest card month; None without a card or a limit."""
        if self.card_balance is None or not self.card_limit:
            return None
        return self.card_balance / self.card_limit


@dataclass(frozen=True)
class CreditHistory:
    """One client's credit records, summarised. Empty sections mean "none", not "unknown"."""

    client_id: int
    bureau: tuple[BureauCredit, ...] = ()
    applications: tuple[EarlierApplication, ...] = ()
    #: The last :data:`TIMELINE_MONTHS` months, oldest first; empty without any repayment data.
    timeline: tuple[TimelineMonth, ...] = ()
    counts: HistoryCounts = field(default_factory=HistoryCounts)
    #: The tables that held at least one row for this client.
    tables_with_rows: frozenset[str] = frozenset()
    #: The tables this lender holds at all (a real sample may lack instalments): a count of a
    #: table not held is unknown, not zero, and the headline leaves it out.
    tables_held: frozenset[str] = frozenset(TABLES)

    @property
    def has_records(self) -> bool:
        return bool(self.tables_with_rows)

    def headline(self) -> str:
        """"3 credits at other lenders, 1 active; 2 earlier applications, 1 refused; ..."."""
        if not self.has_records:
            return _("No credit records for this client.")
        c = self.counts
        # (table, "{n} things", count, ", {n} of a kind", how many of that kind)
        sections = (
            (BUREAU.name, ngettext("{n} credit at other lenders", "{n} credits at other lenders",
                                   c.bureau_credits), c.bureau_credits,
             _(", {n} active"), c.bureau_active),
            (PREVIOUS_APPLICATION.name, ngettext("{n} earlier application",
                                                 "{n} earlier applications", c.applications),
             c.applications, _(", {n} refused"), c.applications_refused),
            (INSTALLMENTS_PAYMENTS.name, ngettext("{n} instalment", "{n} instalments",
                                                  c.instalments), c.instalments,
             _(", {n} late"), c.instalments_late),
        )
        parts = [text.format(n=format_number(count))
                 + (detail.format(n=format_number(kind)) if count else "")
                 for table, text, count, detail, kind in sections if table in self.tables_held]
        return "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        """The compact JSON summary of the API (counts and totals, no row lists)."""
        c = self.counts
        return {
            "has_records": self.has_records,
            "tables_with_rows": sorted(self.tables_with_rows),
            "tables_held": sorted(self.tables_held),
            "bureau": {
                "credits": c.bureau_credits, "active": c.bureau_active,
                "debt": c.bureau_debt, "overdue": c.bureau_overdue,
                "months_late": c.bureau_months_late, "worst_status": c.bureau_worst_status,
            },
            "applications": {
                "count": c.applications, "approved": c.applications_approved,
                "refused": c.applications_refused,
            },
            "instalments": {
                "count": c.instalments, "late": c.instalments_late,
                "partly_paid": c.instalments_partly_paid,
            },
            "pos_max_days_past_due": c.pos_max_days_past_due,
            "card": {"balance": c.card_balance, "limit": c.card_limit, "use": c.card_use},
        }


# ---------------------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    """A finite float, or None for a missing value."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _days_ago(value: object) -> int | None:
    number = _number(value)
    if number is None or number == DAYS_PLACEHOLDER:
        return None
    return int(abs(number))


def _frame(frames: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """The table's rows, or an empty frame with its columns (a store may leave a table out)."""
    frame = frames.get(name)
    if frame is None:
        return pd.DataFrame(columns=list(TABLES[name].column_names))
    return frame


def _bureau_credits(bureau: pd.DataFrame, months: pd.DataFrame) -> tuple[BureauCredit, ...]:
    late_by_credit: dict[int, tuple[int, int | None]] = {}
    if len(months):
        # "C" (closed) and "X" (unknown) say nothing about lateness; "0".."5" are days-late bands.
        codes = pd.to_numeric(months["STATUS"].astype("string"), errors="coerce")
        for credit_id, statuses in codes.groupby(months["SK_ID_BUREAU"].to_numpy()):
            known = statuses.dropna()
            worst = int(known.max()) if len(known) else None
            late_by_credit[int(credit_id)] = (int((known >= 1).sum()), worst)
    credits = []
    # Most recent first: an advisor reads the current credits before the old ones.
    for row in bureau.sort_values("DAYS_CREDIT", ascending=False).itertuples(index=False):
        months_late, worst = late_by_credit.get(int(row.SK_ID_BUREAU), (0, None))
        credits.append(BureauCredit(
            credit_id=int(row.SK_ID_BUREAU),
            credit_type=str(row.CREDIT_TYPE) if isinstance(row.CREDIT_TYPE, str) else "",
            state=_CREDIT_STATES.get(row.CREDIT_ACTIVE, OTHER),
            amount=_number(row.AMT_CREDIT_SUM),
            debt=_number(row.AMT_CREDIT_SUM_DEBT),
            overdue=_number(row.AMT_CREDIT_SUM_OVERDUE),
            months_late=months_late,
            worst_status=worst,
            opened_days_ago=_days_ago(row.DAYS_CREDIT),
        ))
    return tuple(credits)


def _applications(previous: pd.DataFrame) -> tuple[EarlierApplication, ...]:
    found = []
    for row in previous.sort_values("DAYS_DECISION", ascending=False).itertuples(index=False):
        state = _APPLICATION_STATES.get(row.NAME_CONTRACT_STATUS, OTHER)
        reason = row.CODE_REJECT_REASON if isinstance(row.CODE_REJECT_REASON, str) else ""
        found.append(EarlierApplication(
            application_id=int(row.SK_ID_PREV),
            contract_type=(str(row.NAME_CONTRACT_TYPE)
                           if isinstance(row.NAME_CONTRACT_TYPE, str) else ""),
            state=state,
            amount_asked=_number(row.AMT_APPLICATION),
            amount_granted=_number(row.AMT_CREDIT) if state == APPROVED else None,
            decided_days_ago=_days_ago(row.DAYS_DECISION),
            reject_category=(_REJECT_CATEGORIES.get(reason, N_("other reason"))
                             if state == REFUSED else None),
        ))
    return tuple(found)


def _instalments(payments: pd.DataFrame) -> pd.DataFrame:
    """One row per installments_payments row, with its month and ``late`` / ``partly_paid``.

    Rows, as Kaggle writes them and as the model's ``CR_INST_*`` features count them, so the
    panel's "2 late" is the model's count. A row is *late* when paid after its due day, *partly
    paid* when less than due was paid; a row with no payment at all (Kaggle leaves both payment
    columns empty) is partly paid: nothing was paid. ``stack`` is the exclusive reading the
    chart stacks: late, else partly paid, else on time.
    """
    if payments.empty:
        return pd.DataFrame(columns=["month", "late", "partly_paid", "stack"])
    due_day = payments["DAYS_INSTALMENT"].astype("float64")
    paid = payments["AMT_PAYMENT"].astype("float64")
    late = (payments["DAYS_ENTRY_PAYMENT"].astype("float64") > due_day).to_numpy()
    partly = (paid.isna() | (paid < payments["AMT_INSTALMENT"].astype("float64"))).to_numpy()
    return pd.DataFrame({
        "month": np.floor_divide(due_day.to_numpy(), DAYS_PER_MONTH).astype("int64"),
        "late": late,
        "partly_paid": partly,
        "stack": np.where(late, "late", np.where(partly, "partly_paid", "on_time")),
    })


def _timeline(instalments: pd.DataFrame, pos: pd.DataFrame,
              cards: pd.DataFrame) -> tuple[TimelineMonth, ...]:
    if instalments.empty and pos.empty and cards.empty:
        return ()
    months = range(-TIMELINE_MONTHS, 0)
    # Plain dicts: a pandas Series from an empty group would read ``get(-1)`` as a position.
    inst = instalments[instalments["month"].isin(months)]
    total = inst.groupby("month").size().to_dict()
    late = inst[inst["stack"] == "late"].groupby("month").size().to_dict()
    partly = inst[inst["stack"] == "partly_paid"].groupby("month").size().to_dict()
    pos_window = pos[pos["MONTHS_BALANCE"].isin(months)]
    dpd = pos_window.groupby("MONTHS_BALANCE")["SK_DPD"].max().to_dict()
    card_window = cards[cards["MONTHS_BALANCE"].isin(months)]
    balance = card_window.groupby("MONTHS_BALANCE")["AMT_BALANCE"].sum().to_dict()
    limit = card_window.groupby("MONTHS_BALANCE")["AMT_CREDIT_LIMIT_ACTUAL"].sum().to_dict()
    timeline = []
    for month in months:
        n_late, n_partly = int(late.get(month, 0)), int(partly.get(month, 0))
        timeline.append(TimelineMonth(
            month=month,
            on_time=int(total.get(month, 0)) - n_late - n_partly,
            late=n_late,
            partly_paid=n_partly,
            pos_days_past_due=int(dpd[month]) if month in dpd else None,
            card_balance=_number(balance[month]) if month in balance else None,
            card_limit=_number(limit[month]) if month in limit else None,
        ))
    return tuple(timeline)


def _sum(values: list[float | None]) -> float:
    return float(sum(v for v in values if v is not None))


def credit_history(client_id: int, frames: Mapping[str, pd.DataFrame],
                   held: Iterable[str] | None = None) -> CreditHistory:
    """The client's credit records, from their rows of the six tables.

    ``frames`` maps table names to that client's rows (``CreditRecordStore.client_records``); a
    table left out or empty is "none". ``held``: the tables the lender holds at all
    (``CreditRecordStore.tables()``; None: all six). Rows of other clients are not expected;
    bureau_balance rows count only for credits of the client's ``bureau`` rows.
    """
    bureau = _frame(frames, BUREAU.name)
    months = _frame(frames, BUREAU_BALANCE.name)
    months = months[months["SK_ID_BUREAU"].isin(bureau["SK_ID_BUREAU"])]
    previous = _frame(frames, PREVIOUS_APPLICATION.name)
    pos = _frame(frames, POS_CASH_BALANCE.name)
    cards = _frame(frames, CREDIT_CARD_BALANCE.name)
    instalments = _instalments(_frame(frames, INSTALLMENTS_PAYMENTS.name))

    credits = _bureau_credits(bureau, months)
    applications = _applications(previous)
    worst = [c.worst_status for c in credits if c.worst_status is not None]
    latest_card = None
    if not cards.empty:
        last_month = cards["MONTHS_BALANCE"].max()
        latest_card = cards[cards["MONTHS_BALANCE"] == last_month]
    counts = HistoryCounts(
        bureau_credits=len(credits),
        bureau_active=sum(c.state == ACTIVE for c in credits),
        # Debt of active credits only, as the model's CR_BUREAU_DEBT_SUM (a closed credit's
        # leftover is the bureau's bookkeeping, not money owed).
        bureau_debt=_sum([max(c.debt or 0.0, 0.0) for c in credits if c.state == ACTIVE]),
        bureau_overdue=_sum([c.overdue for c in credits]),
        bureau_months_late=sum(c.months_late for c in credits),
        bureau_worst_status=max(worst) if worst else None,
        applications=len(applications),
        applications_approved=sum(a.state == APPROVED for a in applications),
        applications_refused=sum(a.state == REFUSED for a in applications),
        instalments=len(instalments),
        instalments_late=int(instalments["late"].sum()) if len(instalments) else 0,
        instalments_partly_paid=(int(instalments["partly_paid"].sum())
                                 if len(instalments) else 0),
        pos_max_days_past_due=int(pos["SK_DPD"].max()) if len(pos) else None,
        card_balance=(None if latest_card is None
                      else _number(latest_card["AMT_BALANCE"].sum())),
        card_limit=(None if latest_card is None
                    else _number(latest_card["AMT_CREDIT_LIMIT_ACTUAL"].sum())),
    )
    with_rows = frozenset(
        name for name, frame in (
            (BUREAU.name, bureau), (BUREAU_BALANCE.name, months),
            (PREVIOUS_APPLICATION.name, previous), (POS_CASH_BALANCE.name, pos),
            (INSTALLMENTS_PAYMENTS.name, _frame(frames, INSTALLMENTS_PAYMENTS.name)),
            (CREDIT_CARD_BALANCE.name, cards),
        ) if len(frame)
    )
    return CreditHistory(
        client_id=int(client_id),
        bureau=credits,
        applications=applications,
        timeline=_timeline(instalments, pos, cards),
        counts=counts,
        tables_with_rows=with_rows,
        tables_held=frozenset(TABLES) if held is None else frozenset(held),
    )


def ago_text(days: int | None) -> str:
    """"3 years ago", "5 months ago", "12 days ago" (or "not known")."""
    if days is None:
        return _("not known")
    if days >= 365:
        years = days // 365
        return ngettext("{n} year ago", "{n} years ago", years).format(n=format_number(years))
    if days >= DAYS_PER_MONTH:
        months = days // DAYS_PER_MONTH
        return ngettext("{n} month ago", "{n} months ago", months).format(
            n=format_number(months))
    return ngettext("{n} day ago", "{n} days ago", days).format(n=format_number(days))
