"""The JSON API and the credit records: the client answer carries their summary, and a scored
record may bring its own records, which change the score of a model that uses them.

The API is served on a bare Flask app with the session's scoring service (logins are the security
suite's); the records live in a store written to a temporary folder. The session's model may not
use the ``CR_*`` features yet, so the scoring test wraps it in a stand-in that adds one
(``CR_INST_LATE_SHARE``, +3 log-odds per share of late instalments): what is tested is that the
records reach the model through ``aggregate_frames``, not what the model learned.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from scipy.special import expit

from credit_dashboard.model.artifact import LoadedModel
from credit_dashboard.model.estimator import Explanation
from credit_dashboard.services.scoring import ScoringService
from credit_dashboard.services.served_version import ServedVersion
from credit_dashboard.storage.credit_records.schema import TABLES
from credit_dashboard.web import api

FEATURE = "CR_INST_LATE_SHARE"
LATE_WEIGHT = 3.0


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TABLES[name].columns))


def _instalment(client: int, number: int, late: bool) -> dict[str, Any]:
    return {"SK_ID_PREV": 500 + client % 1000, "SK_ID_CURR": client,
            "NUM_INSTALMENT_VERSION": 1.0, "NUM_INSTALMENT_NUMBER": number,
            "DAYS_INSTALMENT": -30.0 * number, "DAYS_ENTRY_PAYMENT": -30.0 * number + (5 if late
                                                                                    else -2),
            "AMT_INSTALMENT": 1000.0, "AMT_PAYMENT": 1000.0}


def _bureau(client: int, credit: int, active: str, debt: float) -> dict[str, Any]:
    return {"SK_ID_CURR": client, "SK_ID_BUREAU": credit, "CREDIT_ACTIVE": active,
            "CREDIT_CURRENCY": "currency 1", "DAYS_CREDIT": -300, "CREDIT_DAY_OVERDUE": 0,
            "CNT_CREDIT_PROLONG": 0, "AMT_CREDIT_SUM": 50_000.0, "AMT_CREDIT_SUM_DEBT": debt,
            "AMT_CREDIT_SUM_OVERDUE": 0.0, "CREDIT_TYPE": "Consumer credit",
            "DAYS_CREDIT_UPDATE": -10}


@pytest.fixture(scope="module")
def client_ids(services) -> tuple[int, int]:
    """An applicant with records and one without."""
    ids = services.applicants["SK_ID_CURR"].astype(int).tolist()
    return ids[0], ids[1]


@pytest.fixture(scope="module")
def record_store(client_ids, tmp_path_factory):
    from credit_dashboard.storage.credit_records.store import CreditRecordStore

    with_records, _without = client_ids
    store = CreditRecordStore(tmp_path_factory.mktemp("records") / "credit_records")
    store.write_base({
        "bureau": _frame("bureau", [_bureau(with_records, 9001, "Active", 12_000.0),
                                    _bureau(with_records, 9002, "Closed", 0.0)]),
        "bureau_balance": _frame("bureau_balance", [
            {"SK_ID_BUREAU": 9001, "MONTHS_BALANCE": -1, "STATUS": "1"},
            {"SK_ID_BUREAU": 9001, "MONTHS_BALANCE": -2, "STATUS": "0"}]),
        "installments_payments": _frame("installments_payments", [
            _instalment(with_records, n, late=n == 2) for n in (1, 2, 3, 4)]),
    })
    return store


def _api(scoring: ScoringService, store) -> Any:
    app = Flask("credit-records-api-test")
    api.register(app, SimpleNamespace(scoring=scoring, credit_records=store,
                                      comparison_ready=lambda: True))
    return app.test_client()


def test_client_answer_carries_the_records_summary(services, record_store, client_ids) -> None:
    with_records, without = client_ids
    http = _api(services.scoring, record_store)
    answer = http.get(f"/api/clients/{with_records}").get_json()
    summary = answer["credit_records"]
    assert summary["has_records"] is True
    assert summary["bureau"] == {"credits": 2, "active": 1, "debt": 12_000.0, "overdue": 0.0,
                                 "months_late": 1, "worst_status": 1}
    assert summary["instalments"] == {"count": 4, "late": 1, "partly_paid": 0}
    assert summary["applications"] == {"count": 0, "approved": 0, "refused": 0}
    # the score is the page's, records or not
    assert answer["default_probability"] == services.scoring.score_client(
        with_records).default_probability
    empty = http.get(f"/api/clients/{without}").get_json()["credit_records"]
    assert empty["has_records"] is False and empty["bureau"]["credits"] == 0


def test_without_a_store_the_summary_is_null(services, client_ids) -> None:
    answer = _api(services.scoring, None).get(f"/api/clients/{client_ids[0]}")
    assert answer.status_code == 200
    assert "credit_records" in answer.get_json() and answer.get_json()["credit_records"] is None


class RecordsStandIn:
    """The session's model plus one record feature (see the module's docstring)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    @property
    def input_columns(self) -> list[str]:
        return [*self._model.input_columns, FEATURE]

    @property
    def explained_features(self) -> list[str]:
        return [*self._model.explained_features, FEATURE]

    def explain_rows(self, raw: pd.DataFrame) -> Explanation:
        inner = self._model.explain_rows(raw.drop(columns=[FEATURE]))
        share = raw[FEATURE].astype("float64").fillna(0.0).to_numpy()
        contributions = inner.contributions.copy()
        contributions[FEATURE] = LATE_WEIGHT * share
        values = inner.feature_values.copy()
        values[FEATURE] = raw[FEATURE].to_numpy()
        probability = expit(inner.base_value + contributions.to_numpy().sum(axis=1))
        return Explanation(probability, contributions, inner.base_value, values)


@pytest.fixture(scope="module")
def records_scoring(services) -> ScoringService:
    loaded = services.scoring.loaded_model
    if FEATURE in services.scoring.model.input_columns:
        return services.scoring  # the served model already uses the records
    served = ServedVersion(LoadedModel(RecordsStandIn(loaded.model), loaded.card, "with-records"))
    return ScoringService(served, services.applicants)


def _record(services, client_id: int) -> dict[str, Any]:
    row = services.scoring.applicant_row(client_id).iloc[0]
    record = {}
    for name, value in row.items():
        if isinstance(value, float) and math.isnan(value) or value is None:
            continue
        record[name] = value.item() if isinstance(value, np.generic) else value
    return record


def _post(http, body: dict) -> Any:
    return http.post("/api/score", data=json.dumps(body), content_type="application/json")


def test_records_in_the_body_change_the_score(services, records_scoring, client_ids) -> None:
    client = client_ids[1]
    http = _api(records_scoring, None)
    record = _record(services, client)
    plain = _post(http, record)
    assert plain.status_code == 200, plain.get_json()
    late_rows = [{k: v for k, v in _instalment(client, n, late=n <= 3).items()
                  if k != "SK_ID_CURR"} for n in (1, 2, 3, 4)]  # the id is the record's
    with_records = _post(http, {**record, "credit_records": {"installments_payments": late_rows}})
    assert with_records.status_code == 200, with_records.get_json()
    p0 = plain.get_json()["default_probability"]
    p1 = with_records.get_json()["default_probability"]
    # 3 of 4 instalments late: +2.25 log-odds on the stand-in
    logit = math.log(p0 / (1 - p0)) + LATE_WEIGHT * 0.75
    assert p1 > p0 and p1 == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-6)
    # records of no kind at all: the same score as without the key
    none = _post(http, {**record, "credit_records": {}}).get_json()["default_probability"]
    assert none == pytest.approx(p0)


@pytest.mark.parametrize(
    ("records", "table", "fragment"),
    [
        ({"bureaux": []}, "bureaux", "unknown table"),
        ({"bureau": {"SK_ID_BUREAU": 1}}, "bureau", "must be a list of objects"),
        ({"bureau": [{"SK_ID_BUREAU": 1, "COLOUR": "red"}]}, "bureau", "unknown column"),
        ({"bureau": [{"CREDIT_ACTIVE": "Active"}]}, "bureau", "SK_ID_BUREAU"),
        ({"bureau_balance": [{"SK_ID_BUREAU": 5, "MONTHS_BALANCE": -1, "STATUS": "0"}]},
         "bureau_balance", "without bureau"),
        ({"installments_payments": [{"SK_ID_PREV": 1, "SK_ID_CURR": 1,
                                     "NUM_INSTALMENT_NUMBER": 1}]},
         "installments_payments", "not a client"),
    ],
)
def test_bad_records_are_a_422_naming_the_table(services, records_scoring, client_ids,
                                                records, table, fragment) -> None:
    http = _api(records_scoring, None)
    answer = _post(http, {**_record(services, client_ids[1]), "credit_records": records})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["field"] == "credit_records" and body["table"] == table
    assert table in body["error"] and fragment in body["error"]


def test_records_need_the_client_id(services, records_scoring, client_ids) -> None:
    record = _record(services, client_ids[1])
    record.pop("SK_ID_CURR")
    answer = _post(_api(records_scoring, None), {**record, "credit_records": {}})
    assert answer.status_code == 422
    assert [f["field"] for f in answer.get_json()["fields"]] == ["SK_ID_CURR"]
    # without records the id stays optional
    assert _post(_api(records_scoring, None), record).status_code == 200


def test_records_that_are_not_an_object(services, records_scoring, client_ids) -> None:
    answer = _post(_api(records_scoring, None),
                   {**_record(services, client_ids[1]), "credit_records": [1, 2]})
    assert answer.status_code == 422 and "credit_records must be an object" in answer.get_json()[
        "error"]


def test_the_body_limit_still_holds(services, records_scoring, client_ids) -> None:
    rows = [_instalment(client_ids[1], n, late=False) for n in range(1, 400)]
    answer = _post(_api(records_scoring, None), {**_record(services, client_ids[1]),
                                                 "credit_records": {"installments_payments":
                                                                    rows}})
    assert answer.status_code == 413

