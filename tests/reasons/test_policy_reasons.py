"""No fact the feature policy forbids ever reaches an applicant: not among the served model's
inputs, not in a reason, not in the explanation's contributions (issue 19)."""

from __future__ import annotations

from credit_dashboard.model.feature_policy import load_policy
from credit_dashboard.services.reasons import refusal_reasons


def test_no_forbidden_feature_in_the_model_or_in_any_reason(reasons_services,
                                                            scored_clients) -> None:
    forbidden = set(load_policy().model_inputs_forbidden)
    assert {"CODE_GENDER", "DAYS_BIRTH", "WEEKDAY_APPR_PROCESS_START"} <= forbidden
    model = reasons_services.scoring.model
    assert not forbidden & set(model.input_columns)
    assert not forbidden & set(model.explained_features)
    reasons_seen = 0
    for result in scored_clients:
        assert not forbidden & {c.feature for c in result.contributions}
        for reason in refusal_reasons(result).reasons:
            assert not forbidden & set(reason.features), (result.client_id, reason)
            reasons_seen += 1
    assert reasons_seen > 50, "too few refusals to prove anything"
