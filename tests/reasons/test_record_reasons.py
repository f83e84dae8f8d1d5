"""Credit-record features (``CR_*``) in explanations and refusal reasons.

Every record feature belongs to the fact declared beside it in ``model.record_features``; a client
whose risk comes from its records gets those facts as reasons, in words true of its values, in
English and French, with points that still add up to the probability shown; a client without
records is told we have little information, never that it paid late; the notice, the advisor's
reasons panel and a batch's CSV say the same. Contributions are built by hand (no generator, no
trained model), so these tests hold whatever the record data looks like.

The French texts are checked against the catalogue with the PO fragment of this change
(``/work/tmp_i18n/reasons_records.po``) laid over it while the fragment is not yet merged: the
fixture :func:`french` compiles both in memory. Once merged, the catalogue alone answers.
"""

from __future__ import annotations

import io
import json
import math
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from babel import support
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from credit_dashboard import i18n
from credit_dashboard.i18n import use_language
from credit_dashboard.model.record_features import (
    COUNT_FEATURES,
    RECORD_FACTS,
    RECORD_FEATURE_FACTS,
    RECORD_FEATURES,
)
from credit_dashboard.services import groups, labels
from credit_dashboard.services.batch_reasons import reason_specs, reason_texts
from credit_dashboard.services.explain import Contribution, build_contributions
from credit_dashboard.services.grouped import format_points, group_reading, grouped
from credit_dashboard.services.reasons import MAX_REASONS, reason_text, refusal_reasons
from credit_dashboard.services.scoring import ClientResult

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "credit_dashboard"
NOTICE = PACKAGE / "web" / "pages" / "advisor" / "notice.py"
FRAGMENT = Path("/work/tmp_i18n/reasons_records.po")
#: scripts/translations.py's keywords.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
BASE = -2.4

LATE_EN = "You have paid several instalments late on earlier loans with us."
LATE_FR = "Vous avez payé plusieurs échéances en retard sur vos prêts précédents chez nous."
LITTLE_EN = "We have little information on how you have repaid credit."
LITTLE_FR = ("Nous disposons de peu d'informations sur la façon dont vous avez remboursé vos "
             "crédits.")


@pytest.fixture()
def french(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """French from the catalogue, completed by this change's fragment while it is unmerged."""
    path = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    if FRAGMENT.is_file():
        with FRAGMENT.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                current = catalogue.get(message.id[0] if isinstance(message.id, tuple)
                                        else message.id)
                if message.id and (current is None or not current.string):
                    catalogue[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    merged = support.Translations(fp=buffer, domain=i18n.DOMAIN)
    original = i18n._translations
    monkeypatch.setattr(i18n, "_translations",
                        lambda language: merged if language == "fr" else original(language))
    labels._feature_label.cache_clear()  # labels are cached per language
    with use_language("fr") as language:
        yield language
    labels._feature_label.cache_clear()


def _result(items: list[tuple[str, object, float]], decision: str = "refuse",
            client_id: int = 1) -> ClientResult:
    """A scored client from (feature, value, log-odds) triples, consistent with its probability."""
    contributions = tuple(sorted(
        (Contribution(f, labels.feature_label(f), v, c) for f, v, c in items),
        key=lambda c: (-abs(c.contribution), c.feature)))
    probability = 1 / (1 + math.exp(-(BASE + sum(c for _f, _v, c in items))))
    return ClientResult(
        client_id=client_id, default_probability=probability, decision_threshold=0.09,
        decision=decision, margin=probability - 0.09, base_value=BASE,
        contributions=contributions,
    )


#: A refused client whose records weigh most: late with us, in arrears and indebted at other
#: lenders, cards near their limits; a little from the application, some of it protected.
RECORDS_DOMINATE = [
    ("CR_INST_LATE_SHARE", 0.30, 0.9),
    ("CR_INST_COUNT", 40.0, 0.2),
    ("CR_INST_DAYS_LATE_MAX", 25.0, 0.3),
    ("CR_POS_MONTHS", 18.0, -0.05),
    ("CR_BUREAU_MONTHS_LATE_12M", 3.0, 0.6),
    ("CR_BUREAU_LATE_SHARE", 0.25, 0.2),
    ("CR_BUREAU_DEBT_CREDIT_RATIO", 0.95, 0.5),
    ("CR_BUREAU_DEBT_SUM", 300_000.0, 0.2),
    ("CR_BUREAU_OVERDUE_SUM", 0.0, 0.0),
    ("CR_CARD_LIMIT_USE_LAST", 0.92, 0.4),
    ("CR_CARD_MONTHS", 12.0, 0.02),
    ("CR_PREV_APPLICATIONS_YEAR", 3.0, 0.1),
    ("EXT_SOURCE_3", 0.5, 0.1),
    ("AMT_CREDIT", 500_000.0, -0.3),
    ("CODE_GENDER", "M", 0.05),
]

#: A refused client without records of any kind: counts 0, everything else missing.
NO_RECORDS = [
    ("CR_INST_COUNT", 0.0, 0.5),
    ("CR_INST_LATE_SHARE", float("nan"), 0.4),
    ("CR_INST_DAYS_LATE_MAX", None, 0.2),
    ("CR_POS_MONTHS", 0.0, 0.1),
    ("CR_BUREAU_COUNT", 0.0, 0.3),
    ("CR_BUREAU_DAYS_CREDIT_MEAN", float("nan"), 0.2),
    ("EXT_SOURCE_3", 0.3, 0.6),
    ("AMT_CREDIT", 400_000.0, -0.2),
]


# --- every record feature has a fact, a label and a unit


def test_every_record_feature_has_a_fact_group_a_label_and_a_unit() -> None:
    assert RECORD_FEATURES and set(RECORD_FEATURES) == set(RECORD_FEATURE_FACTS)
    for feature in RECORD_FEATURES:
        key = groups.group_of(feature)
        assert key == RECORD_FEATURE_FACTS[feature], feature
        assert key in RECORD_FACTS and groups.is_record_group(key), feature
        assert not groups.is_protected(key), feature
        assert feature in labels.LABELS, f"add a label for {feature} to services/labels.py"
    assert set(labels.RECORD_UNITS) == set(RECORD_FEATURES), "each CR_* feature needs a unit"
    # The six facts, each the exact set of its features, none claimed by an application fact.
    for key in RECORD_FACTS:
        assert set(groups.group_columns(key)) == {
            f for f, fact in RECORD_FEATURE_FACTS.items() if fact == key}
    assert not set(RECORD_FEATURES) & {c for fact in groups.FACTS for c in fact.columns}


def test_record_fact_titles_are_the_declared_ones_and_translated(french) -> None:
    with use_language("en"):
        assert {k: groups.group_label(k) for k in RECORD_FACTS} == RECORD_FACTS
    titles = {k: groups.group_label(k) for k in RECORD_FACTS}
    assert titles["records_late_with_us"] == (
        "Retards de paiement sur vos prêts précédents chez nous")
    assert all(titles[k] != RECORD_FACTS[k] for k in RECORD_FACTS), titles
    untranslated = [f for f in RECORD_FEATURES
                    if labels.feature_label(f) == labels.LABELS[f]]
    assert not untranslated, f"CR_* labels without French: {untranslated}"


def test_every_record_fact_has_its_own_words() -> None:
    """No record fact falls back to "label: value." ("Use of card limits: 92%.")."""
    with use_language("en"):
        for key in RECORD_FACTS:
            members = [f for f, fact in RECORD_FEATURE_FACTS.items() if fact == key]
            result = _result([(f, 1.0, 0.5) for f in members])
            group = next(g for g in grouped(result).groups if g.key == key)
            text = reason_text(group)
            assert text and text.endswith(".") and ": " not in text, (key, text)


def test_an_unknown_record_feature_gets_a_group_of_its_own(caplog) -> None:
    with caplog.at_level("WARNING"):
        assert groups.group_of("CR_SOMETHING_NEW") == "CR_SOMETHING_NEW"
    assert "CR_SOMETHING_NEW" in caplog.text


# --- values in readable units


@pytest.mark.parametrize(("feature", "value", "english", "french_text"), [
    ("CR_INST_LATE_SHARE", 0.3, "30%", "30\u00a0%"),
    ("CR_INST_LATE_SHARE", 0.04, "4.0%", "4,0\u00a0%"),
    ("CR_BUREAU_DEBT_SUM", 12636.0, "€12,636", "12\u202f636\u00a0€"),
    ("CR_INST_DAYS_LATE_MAX", 25.0, "25 days", "25 jours"),
    ("CR_INST_DAYS_LATE_MEAN", 2.5, "2.5 days", "2,5 jours"),
    ("CR_POS_DPD_MAX", 1.0, "1 day", "1 jour"),
    ("CR_BUREAU_MONTHS_LATE", 3.0, "3 months", "3 mois"),
    ("CR_PREV_COUNT", 4.0, "4", "4"),
    ("CR_BUREAU_DAYS_CREDIT_MAX", -45.0, "45 days ago", "il y a 45 jours"),
    ("CR_PREV_DAYS_DECISION_MAX", -730.5, "2.0 years ago", "il y a 2,0 ans"),
    ("CR_BUREAU_WORST_STATUS", 2.0, "31-60 days late", "31 à 60 jours de retard"),
    ("CR_INST_LATE_SHARE", float("nan"), "no records of this kind",
     "aucun enregistrement de ce type"),
    ("CR_CARD_LIMIT_USE_LAST", None, "no records of this kind",
     "aucun enregistrement de ce type"),
])
def test_record_values_read_in_their_units(french, feature: str, value: object, english: str,
                                           french_text: str) -> None:
    assert labels.format_value(feature, value) == french_text
    with use_language("en"):
        assert labels.format_value(feature, value) == english
        assert labels.format_value("AMT_CREDIT", None) == "not known"  # application gaps stay


# --- reasons when record features dominate


def test_record_facts_are_the_reasons_when_they_dominate(french) -> None:
    result = _result(RECORDS_DOMINATE)
    # Largest points first: arrears elsewhere (0.8 log-odds, walked second on a steeper part of
    # the curve) move the probability a little more than late payments with us (1.35).
    expected_en = [
        ("records_bureau_late",
         "Your credits at other lenders have been in arrears in the last 12 months."),
        ("records_late_with_us", LATE_EN),
        ("records_bureau_debts",
         "Your current debts at other lenders are high compared with those credits."),
        ("records_card_use", "Your card balances are close to their limits."),
    ]
    expected_fr = [
        "Vos crédits auprès d'autres prêteurs ont connu des retards de paiement au cours des 12 "
        "derniers mois.",
        LATE_FR,
        "Vos dettes actuelles auprès d'autres prêteurs sont élevées par rapport au montant de ces "
        "crédits.",
        "Les soldes de vos cartes sont proches de leurs plafonds.",
    ]
    with use_language("en"):
        answer = refusal_reasons(result)
    assert len(answer.reasons) == MAX_REASONS
    assert [(r.group, r.text) for r in answer.reasons] == expected_en
    assert [r.text for r in refusal_reasons(result).reasons] == expected_fr

    # One fact, one reason: the late-payment reason carries all of its features and their sum.
    late = answer.reasons[1]
    assert late.group == "records_late_with_us"
    assert set(late.features) == {"CR_INST_LATE_SHARE", "CR_INST_COUNT", "CR_INST_DAYS_LATE_MAX",
                                  "CR_POS_MONTHS"}
    assert late.contribution == pytest.approx(0.9 + 0.2 + 0.3 - 0.05)

    # Points: the reasons' points are the waterfall's, and every group's add up to the gauge.
    explanation = grouped(result)
    by_key = {g.key: g for g in explanation.groups}
    for reason in answer.reasons:
        assert reason.probability_change == by_key[reason.group].probability_change
        assert reason.probability_change > 0
    assert sum(g.probability_change for g in explanation.groups) == pytest.approx(
        result.default_probability - explanation.base_probability, abs=1e-12)
    assert explanation.groups[-1].probability_change  # the walk lands on the probability
    assert len(explanation.groups) == 8  # 5 record facts + scores + credit + gender


def test_record_readings_name_the_fact_with_its_points_and_values(french) -> None:
    # Labels are written when a client is scored and grouped, in that request's language.
    with use_language("en"):
        late = grouped(_result(RECORDS_DOMINATE)).groups[0]
        assert late.key == "records_late_with_us"
        text = group_reading(late)
        points = format_points(late.probability_change)
        values = {m.feature: m.display_value for m in late.members}
        debts = next(g for g in grouped(_result(RECORDS_DOMINATE)).groups
                     if g.key == "records_bureau_debts")
        assert {m.display_value for m in debts.members} >= {"95%", "€300,000", "€0"}
    assert text.startswith(f"Late payments on earlier loans with us: raises the risk, {points} ")
    assert text.endswith("(strongest: Share of instalments paid late is 30%)")
    assert values["CR_INST_DAYS_LATE_MAX"] == "25 days"
    late_fr = grouped(_result(RECORDS_DOMINATE)).groups[0]
    assert group_reading(late_fr) == (
        "Retards de paiement sur vos prêts précédents chez nous : augmente le risque, "
        f"{format_points(late.probability_change)} (le plus fort : Part des échéances payées en "
        "retard : 30\u00a0%)")


# --- a client without records


def test_a_client_without_records_reads_no_records_and_gets_little_information(french) -> None:
    with use_language("en"):
        result = _result(NO_RECORDS)
        explanation = grouped(result)
        late = next(g for g in explanation.groups if g.key == "records_late_with_us")
        assert {m.display_value for m in late.members} == {
            "0", "0 months", "no records of this kind"}
        assert "not known" not in group_reading(late)
        assert group_reading(late).endswith("(no records of this kind)")
        answer = refusal_reasons(result)
    texts = {r.group: r.text for r in answer.reasons}
    assert texts["records_late_with_us"] == LITTLE_EN
    assert texts["records_bureau_age"] == (
        "We have no record of credit you have had with other lenders.")
    assert not any("late" in t for t in texts.values())  # never blamed for late payments

    result = _result(NO_RECORDS)
    french_texts = {r.group: r.text for r in refusal_reasons(result).reasons}
    assert french_texts["records_late_with_us"] == LITTLE_FR
    late_fr = next(g for g in grouped(result).groups if g.key == "records_late_with_us")
    assert group_reading(late_fr).endswith("(aucun enregistrement de ce type)")
    assert "inconnu" not in group_reading(late_fr)


def test_a_missing_ratio_beside_real_records_is_no_records_not_little_information() -> None:
    """Instalments exist but none in the last 6 months: that share is missing, the client has
    records; the reading says so for the feature, the reason speaks of the late payments."""
    with use_language("en"):
        result = _result([
            ("CR_INST_LATE_SHARE_6M", None, 0.8),
            ("CR_INST_LATE_SHARE", 0.5, 0.3),
            ("CR_INST_COUNT", 10.0, 0.1),
        ])
        group = grouped(result).groups[0]
        assert group_reading(group).endswith(
            "(strongest: Share of instalments paid late, last 6 months, no records of this kind)")
        assert reason_text(group) == LATE_EN


@pytest.mark.parametrize(("items", "english"), [
    ([("CR_INST_LATE_SHARE", 0.02, 0.5), ("CR_INST_COUNT", 50.0, 0.1)],
     "You have paid an instalment late on an earlier loan with us."),
    ([("CR_INST_PARTIAL_SHARE", 0.1, 0.5), ("CR_INST_LATE_SHARE", 0.0, 0.1),
      ("CR_INST_COUNT", 30.0, 0.0)],
     "You have paid some instalments only in part on earlier loans with us."),
    ([("CR_INST_LATE_SHARE", 0.0, 0.3), ("CR_INST_COUNT", 30.0, 0.1),
      ("CR_POS_DPD_MAX", 0.0, 0.0)],
     "Your repayment record on earlier loans with us."),
    ([("CR_BUREAU_BAD_DEBT_COUNT", 1.0, 0.6), ("CR_BUREAU_ACTIVE_COUNT", 1.0, 0.1)],
     "One of your credits at other lenders was written off or sold as a bad debt."),
    ([("CR_BUREAU_OVERDUE_SUM", 5_000.0, 0.6), ("CR_BUREAU_DEBT_SUM", 9_000.0, 0.1)],
     "You have amounts overdue on your credits at other lenders."),
    ([("CR_BUREAU_ENQUIRIES_YEAR", 4.0, 0.6), ("CR_BUREAU_COUNT", 6.0, 0.1)],
     "You have opened several credits at other lenders in the last year."),
    ([("CR_BUREAU_DAYS_CREDIT_MAX", -30.0, 0.6), ("CR_BUREAU_COUNT", 1.0, 0.1)],
     "Your credit history with other lenders is short or recent."),
    ([("CR_BUREAU_MONTHS_LATE", 4.0, 0.5), ("CR_BUREAU_MONTHS_LATE_12M", 0.0, 0.1)],
     "Your credits at other lenders have been in arrears."),
    ([("CR_PREV_REFUSED_COUNT", 2.0, 0.6), ("CR_PREV_COUNT", 3.0, 0.1)],
     "Earlier applications of yours for credit with us were refused."),
    ([("CR_PREV_APPLICATIONS_YEAR", 5.0, 0.6), ("CR_PREV_COUNT", 6.0, 0.1)],
     "You have applied for credit several times recently."),
    ([("CR_PREV_COUNT", 0.0, 0.6), ("CR_PREV_DAYS_DECISION_MAX", None, 0.1)],
     "You have not applied for credit with us before."),
    ([("CR_CARD_LIMIT_USE_LAST", 0.3, 0.6), ("CR_CARD_MONTHS", 10.0, 0.1)],
     "How you use the credit limit of your card with us."),
    ([("CR_CARD_DPD_MAX", 12.0, 0.6), ("CR_CARD_MONTHS", 10.0, 0.1)],
     "Your card repayments with us have been past due."),
])
def test_the_words_follow_the_client_values(items: list, english: str) -> None:
    with use_language("en"):
        reasons = refusal_reasons(_result(items)).reasons
    assert [r.text for r in reasons] == [english]


# --- the notice, the advisor's panel


def test_the_notice_texts_are_extracted_by_babel() -> None:
    """They sat inside f-strings, where Babel does not look: the French notice stayed English."""
    found = {message for _line, message, _comments, _context in extract_from_file(
        "python", str(NOTICE), keywords=KEYWORDS)}
    for text in ("Your application for credit", "Decision: refused", "Decision: granted",
                 "The principal reasons, most important first:", "Notice of credit decision",
                 "No notice to print"):
        assert text in found, text


def test_no_literal_text_is_translated_inside_an_f_string() -> None:
    """Stricter than tests/i18n (which sees ``{_(`` only): ``{escape(_("..."))}`` hid too."""
    call = re.compile(r"""\b(?:_|gettext|ngettext|lazy_gettext|N_)\(\s*["']""")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        with path.open(encoding="utf-8") as handle:
            for token in tokenize.generate_tokens(handle.readline):
                prefix = re.match(r"[A-Za-z]*", token.string).group(0).lower()
                if token.type == tokenize.STRING and "f" in prefix and call.search(token.string):
                    offenders.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not offenders, f"translate these before the f-string: {offenders}"


class _Scoring:
    """What the notice asks of the scoring service, for one hand-made client."""

    def __init__(self, result: ClientResult) -> None:
        self.result = result

    def score_client(self, client_id: object) -> ClientResult:
        return self.result

    def applicant_row(self, client_id: object) -> pd.DataFrame:
        return pd.DataFrame([{"AMT_CREDIT": 500_000.0, "AMT_ANNUITY": 25_000.0}])


def test_the_french_notice_and_the_reasons_panel_give_the_record_reasons(french) -> None:
    from datetime import date
    from types import SimpleNamespace

    from flask import Flask

    from credit_dashboard.web.pages.advisor.components.reasons import reasons_block
    from credit_dashboard.web.pages.advisor.notice import notice_body

    result = _result(RECORDS_DOMINATE, client_id=100_002)
    services = SimpleNamespace(scoring=_Scoring(result))
    with Flask(__name__).test_request_context("/"):
        html = notice_body(services, 100_002, "Prêt à dépenser", date(2026, 12, 1),
                           find_counterfactual=lambda _result: None)
        panel = reasons_block(result, refusal_reasons(result))
    for text in ("Votre demande de crédit", "Décision : refusée",
                 "Les principaux motifs du refus, du plus important au moins important :"):
        assert text in html, text
    listing = re.search(r'<ol id="notice-reasons">(.*?)</ol>', html, re.S)
    assert listing is not None
    from html import unescape

    items = [unescape(x) for x in re.findall(r"<li>(.*?)</li>", listing.group(1))]
    assert LATE_FR in items and len(items) == MAX_REASONS
    assert LATE_FR in _strings(panel)


def _strings(component: object) -> list[str]:
    """Every text inside a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _strings(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _strings(children)


# --- the batch's vectorised reasons


def _batch(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Contributions, model values and raw values of ``rows`` refused clients with records,
    a quarter of them without records of any kind (counts 0, everything else missing)."""
    rng = np.random.default_rng(seed)
    record = sorted(RECORD_FEATURES)
    application = ["EXT_SOURCE_3", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_EMPLOYED", "CODE_GENDER"]
    features = record + application
    contributions = pd.DataFrame(rng.normal(0.05, 0.25, (rows, len(features))), columns=features)
    values = pd.DataFrame(index=range(rows))
    for name in record:
        if name in COUNT_FEATURES:
            values[name] = rng.integers(0, 8, rows).astype(float)
        elif labels.RECORD_UNITS[name] == "days_ago":
            values[name] = -rng.uniform(10, 3000, rows)
        elif labels.RECORD_UNITS[name] == "status":
            values[name] = rng.integers(0, 6, rows).astype(float)
        else:
            values[name] = rng.uniform(0, 1.2, rows)
    none = rng.random(rows) < 0.25
    for name in record:
        values.loc[none, name] = 0.0 if name in COUNT_FEATURES else np.nan
    raw = pd.DataFrame({
        "EXT_SOURCE_3": rng.uniform(0, 1, rows),
        "AMT_CREDIT": rng.uniform(1e5, 1e6, rows),
        "AMT_ANNUITY": rng.uniform(1e4, 5e4, rows),
        "DAYS_EMPLOYED": -rng.uniform(100, 5000, rows),
        "CODE_GENDER": rng.choice(["F", "M"], rows),
    })
    for name in application:
        values[name] = raw[name]
    return contributions, values, raw


@pytest.mark.parametrize("language", ["en", "fr"])
def test_batch_reasons_equal_the_per_client_reasons_with_record_features(
        request, language: str) -> None:
    if language == "fr":
        request.getfixturevalue("french")
    contributions, values, raw = _batch(300)
    probability = 1 / (1 + np.exp(-(BASE + contributions.sum(axis=1).to_numpy())))
    specs = reason_specs(contributions, BASE, probability, values, raw)
    record_reasons = little = 0
    with use_language(language):
        for row in range(len(contributions)):
            result = ClientResult(
                client_id=row, default_probability=float(probability[row]),
                decision_threshold=0.09, decision="refuse",
                margin=float(probability[row]) - 0.09, base_value=BASE,
                contributions=build_contributions(contributions.iloc[row], values.iloc[row]),
            )
            reasons = refusal_reasons(result).reasons
            expected = [f"{r.text} ({format_points(r.probability_change)})" for r in reasons]
            assert reason_texts(specs[row]) == expected, row
            stored = json.loads(specs[row])
            assert [s[0] for s in stored] == [r.group for r in reasons], row
            np.testing.assert_allclose([s[1] for s in stored],
                                       [r.probability_change for r in reasons], atol=1e-12)
            record_reasons += sum(r.group in RECORD_FACTS for r in reasons)
            little += any(r.text == (LITTLE_EN if language == "en" else LITTLE_FR)
                          for r in reasons)
    assert record_reasons > 300  # the record facts are reasons, not a corner case
    assert little > 10  # clients without records get the "little information" words
