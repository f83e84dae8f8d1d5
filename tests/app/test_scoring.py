"""The scoring service on a model trained by the real training code (small data)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from credit_dashboard.services.scoring import (
    GRANT,
    REFUSE,
    InvalidClientIdError,
    UnknownClientError,
    parse_client_id,
)
from credit_dashboard.storage.schema import ID_COLUMN


@pytest.fixture(scope="module")
def scoring(services):
    return services.scoring


def _some_ids(scoring, n: int = 5) -> list[int]:
    return [int(i) for i in scoring.applicants[ID_COLUMN].iloc[:n]]


def test_score_matches_the_model_and_the_explanation_adds_up(scoring) -> None:
    for client_id in _some_ids(scoring):
        result = scoring.score_client(client_id, use_cache=False)
        row = scoring.applicant_row(client_id)
        expected = float(scoring.model.default_probability(row)[0])
        assert math.isclose(result.default_probability, expected, abs_tol=1e-6)
        log_odds = result.base_value + sum(c.contribution for c in result.contributions)
        assert math.isclose(1 / (1 + math.exp(-log_odds)), expected, abs_tol=1e-6)
        assert result.client_id == client_id
        assert result.decision == (REFUSE if expected >= result.decision_threshold else GRANT)
        assert math.isclose(result.margin, expected - result.decision_threshold, abs_tol=1e-6)
        sizes = [abs(c.contribution) for c in result.contributions]
        assert sizes == sorted(sizes, reverse=True)
        assert {c.feature for c in result.contributions} == set(scoring.model.explained_features)
        assert all(c.label and "_" not in c.label for c in result.contributions[:10])


def test_values_are_what_the_client_has(scoring) -> None:
    from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY

    applicants = scoring.applicants
    pensioner = int(applicants.loc[applicants["DAYS_EMPLOYED"] == DAYS_EMPLOYED_ANOMALY,
                                   ID_COLUMN].iloc[0])
    by_feature = {c.feature: c for c in scoring.score_client(pensioner).contributions}
    assert by_feature["DAYS_EMPLOYED"].display_value == "pensioner / not employed"
    row = scoring.applicant_row(pensioner).iloc[0]
    assert by_feature["AMT_CREDIT"].value == row["AMT_CREDIT"]
    engineered = scoring.model.feature_values(scoring.applicant_row(pensioner)).iloc[0]
    assert math.isclose(by_feature["CREDIT_INCOME_RATIO"].value, engineered["CREDIT_INCOME_RATIO"])


def test_both_decisions_occur(scoring) -> None:
    decisions = {scoring.score_client(i).decision for i in _some_ids(scoring, 300)}
    assert decisions == {GRANT, REFUSE}


@pytest.mark.parametrize("bad", ["abc", "-5", "99999999999", "<script>", "", "1.5", " "])
def test_malformed_ids_are_refused_plainly(scoring, bad: str) -> None:
    with pytest.raises(InvalidClientIdError) as caught:
        scoring.score_client(bad)
    assert str(caught.value)
    assert isinstance(caught.value, UnknownClientError)


def test_unknown_ids_are_refused_plainly(scoring) -> None:
    with pytest.raises(UnknownClientError, match="no applicant has the id 1"):
        scoring.score_client("1")


def test_ids_parse_from_text_and_numbers() -> None:
    assert parse_client_id(" 100001 ") == 100001
    assert parse_client_id(np.int64(100002)) == 100002


def test_search_ids_is_a_bounded_prefix_search(scoring) -> None:
    ids = sorted(str(i) for i in scoring.applicants[ID_COLUMN])
    prefix = ids[len(ids) // 2][:4]
    found = scoring.search_ids(prefix, 7)
    expected = [i for i in ids if i.startswith(prefix)][:7]
    assert found == expected and 0 < len(found) <= 7
    assert scoring.search_ids(ids[0], 10)[0] == ids[0]
    assert scoring.search_ids("abc", 10) == []
    assert scoring.search_ids("", 10) == []
    assert scoring.search_ids("9999999999", 10) == []


class _DictCache:
    def __init__(self) -> None:
        self.store: dict[str, object] = {}

    def get(self, key: str):
        return self.store.get(key)

    def set(self, key: str, value, timeout=None):
        self.store[key] = value


def test_results_are_cached_by_model_version_language_and_id(services) -> None:
    from credit_dashboard.i18n import use_language
    from credit_dashboard.services.scoring import ScoringService

    cache = _DictCache()
    scoring = ScoringService(services.scoring.loaded_model, services.applicants, services.history,
                             cache=cache)
    client_id = _some_ids(scoring, 1)[0]
    first = scoring.score_client(str(client_id))
    assert list(cache.store) == [f"client-result/{scoring.model_version}/en/{client_id}"]
    assert scoring.score_client(client_id) is first
    assert scoring.score_client(client_id, use_cache=False) is not first
    with use_language("fr"):
        french = scoring.score_client(client_id)
    # Same numbers, labels in the advisor's language (a cached English one is not served).
    assert french is not first and french.default_probability == first.default_probability
    assert any(c.label != f.label
               for c, f in zip(french.contributions, first.contributions, strict=True))


def test_score_record_agrees_with_score_client(scoring) -> None:
    client_id = _some_ids(scoring, 1)[0]
    row = scoring.applicant_row(client_id).iloc[0]
    record = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
    by_record = scoring.score_record(record)
    by_id = scoring.score_client(client_id)
    assert by_record.client_id == client_id
    assert math.isclose(by_record.default_probability, by_id.default_probability, abs_tol=1e-9)
    frame_result = scoring.score_record(scoring.applicant_row(client_id))
    assert math.isclose(frame_result.default_probability, by_id.default_probability, abs_tol=1e-9)


def test_result_is_json_ready(scoring) -> None:
    result = scoring.score_client(_some_ids(scoring, 1)[0])
    payload = json.loads(json.dumps(result.to_dict(top_n=5)))
    assert len(payload["contributions"]) == 5
    assert payload["decision"] in {GRANT, REFUSE}
    assert payload["model_version"] == scoring.model_version


def test_a_client_is_transformed_once(scoring, monkeypatch) -> None:
    # Probability, contributions and the client's values come from one pass of the feature
    # engineering over the row (``CreditRiskModel.explain_rows``), not one per model method.
    features = scoring.model.pipeline.steps[0][1]
    passes: list[int] = []
    original = features._numeric_matrix

    def counted(X, numeric):
        passes.append(len(X))
        return original(X, numeric)

    monkeypatch.setattr(features, "_numeric_matrix", counted)
    client_id = _some_ids(scoring, 1)[0]
    result = scoring.score_client(client_id, use_cache=False)
    assert passes == [1]
    explanation = scoring.model.explain_rows(scoring.applicant_row(client_id))
    assert result.default_probability == float(explanation.probability[0])
    by_feature = {c.feature: c.contribution for c in result.contributions}
    assert by_feature == explanation.contributions.iloc[0].to_dict()
