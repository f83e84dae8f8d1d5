"""The what-if, similar-clients and decision panels in the real app (small trained model): wiring,
views, CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, Settings


@pytest.fixture(scope="module")
def tools_app(small_data_dir: Path, small_artifacts_dir: Path, tmp_path_factory):
    from credit_dashboard.web.app import create_app

    db = tmp_path_factory.mktemp("decisions") / "decisions.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_DECISIONS_DB", str(db))
        settings = Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)
        app = create_app(settings, with_auth=False, with_api=False)
    return app


@pytest.fixture(scope="module")
def services(tools_app):
    return tools_app.server.config["CREDIT_SERVICES"]


@pytest.fixture(scope="module")
def client_id(small_data_dir: Path) -> int:
    return int(pd.read_parquet(small_data_dir / APPLICANTS_TABLE)["SK_ID_CURR"].iloc[3])


def test_register_adds_three_panels_and_shared_objects(services) -> None:
    from credit_dashboard.services.neighbours import NeighbourIndex
    from credit_dashboard.storage.decisions import DecisionStore
    from credit_dashboard.web.pages.advisor.components import decision, similar, whatif
    from credit_dashboard.web.pages.advisor.page import CLIENT_PANELS

    assert {whatif, similar, decision} <= set(CLIENT_PANELS)
    assert isinstance(services.neighbour_index.get(timeout=120), NeighbourIndex)
    assert isinstance(services.decision_store, DecisionStore)
    inputs = services.whatif_inputs
    assert 1 <= len(inputs) <= 8
    assert not any(c.startswith("EXT_SOURCE") for c in inputs)
    assert services.neighbour_index.seconds > 0


def test_simulated_original_equals_the_page_score(services, client_id: int) -> None:
    # The what-if scores the modified row through score_record; with no edit it must give
    # exactly the score the page shows (score_client), or every "difference" would be noise.
    scoring = services.scoring
    row = scoring.applicant_row(client_id)
    shown = scoring.score_client(client_id)
    again = scoring.score_record(row)
    assert again.default_probability == pytest.approx(shown.default_probability, abs=1e-9)
    assert [c.feature for c in again.contributions] == [c.feature for c in shown.contributions]


def test_whatif_on_the_real_model_moves_the_score_the_model_way(services, client_id: int) -> None:
    from credit_dashboard.services.whatif import apply_edits, compare
    from credit_dashboard.web.pages.advisor.components.whatif_views import difference_text

    scoring = services.scoring
    row = scoring.applicant_row(client_id)
    credit = float(row["AMT_CREDIT"].iloc[0])
    check = apply_edits(row, {"AMT_CREDIT": credit * 2})
    assert check.ok, check.errors
    simulated = scoring.score_record(check.row)
    direct = scoring.model.default_probability(check.row)[0]
    assert simulated.default_probability == pytest.approx(direct, abs=1e-6)
    model_level = compare(scoring.model, row, check.row, check.changed)
    assert model_level.modified.default_probability == pytest.approx(direct, abs=1e-6)
    # The pipeline derives the ratios from the edited raw value (nothing patched by hand).
    before = scoring.model.feature_values(row).iloc[0]
    after = scoring.model.feature_values(check.row).iloc[0]
    if "CREDIT_INCOME_RATIO" in after.index:
        assert after["CREDIT_INCOME_RATIO"] == pytest.approx(2 * before["CREDIT_INCOME_RATIO"])
    # Every contribution change is accounted for: together they move the log-odds exactly.
    shift = model_level.modified.contributions.sum() - model_level.original.contributions.sum()
    logit = np.log(direct / (1 - direct))
    p0 = model_level.original.default_probability
    assert shift == pytest.approx(logit - np.log(p0 / (1 - p0)), abs=1e-6)
    original = scoring.score_client(client_id)
    assert "Probability of default" in difference_text(original, simulated)


def test_flip_search_on_the_real_model(services, small_data_dir: Path) -> None:
    from credit_dashboard.services.whatif import SEARCHABLE_INPUTS, apply_edits, threshold_crossing
    from credit_dashboard.web.pages.advisor.components.whatif_views import crossing_view

    model = services.scoring.model
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).head(300)
    p = model.default_probability(applicants)
    gap = np.abs(p - model.decision_threshold)
    # The clients nearest the threshold, on both sides: some input should flip their decision.
    near = applicants.iloc[np.argsort(gap)[:4]]
    assert (gap[np.argsort(gap)[:4]] < 0.3 * model.decision_threshold).all()
    found = 0
    for position in range(len(near)):
        row = near.iloc[[position]]
        for column in SEARCHABLE_INPUTS:
            crossing = threshold_crossing(model, row, column)
            if not crossing.found:
                assert crossing.decision is None and crossing.edits() == {}
                continue
            found += 1
            check = apply_edits(row, crossing.edits())
            assert check.ok, check.errors
            refused = model.default_probability(check.row)[0] >= model.decision_threshold
            assert crossing.decision == ("refuse" if refused else "grant"), (column, crossing)
            assert crossing.decision != crossing.original_decision, (column, crossing)
            assert "the decision becomes" in _text(crossing_view(crossing))
    assert found > 0, "no input flips any of the four clients nearest the threshold"


def test_flip_search_says_when_the_decision_stays(services, small_data_dir: Path) -> None:
    from credit_dashboard.services.whatif import threshold_crossing
    from credit_dashboard.web.pages.advisor.components.whatif_views import crossing_view

    model = services.scoring.model
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).head(300)
    # The client farthest from the threshold, searched within 1 % of the credit asked for.
    safest = applicants.iloc[[int(np.argmin(model.default_probability(applicants)))]]
    credit = float(safest["AMT_CREDIT"].iloc[0])
    crossing = threshold_crossing(model, safest, "AMT_CREDIT", low=0.99 * credit,
                                  high=1.01 * credit)
    assert not crossing.found and crossing.edits() == {}
    assert "the decision stays grant" in _text(crossing_view(crossing))


def _text(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    return str(children)


def test_neighbours_view_lists_k_clients(services, client_id: int) -> None:
    from credit_dashboard.web.pages.advisor.components.similar import neighbours_view

    index = services.neighbour_index.get(timeout=120)
    served = services.scoring.served
    answer = index.query(services.scoring.applicant_row(client_id), k=10,
                         scores=served.out_of_fold)
    assert answer.k == 10
    # The out-of-fold probabilities of the training run, exactly as its table holds them.
    oof = served.loaded.table("oof_predictions").set_index("SK_ID_CURR")["default_probability"]
    np.testing.assert_allclose(answer.neighbours["default_probability"],
                               oof.loc[answer.neighbours["SK_ID_CURR"]].to_numpy())
    view = neighbours_view(answer, served.version)
    text = str(view)
    assert "similar past clients defaulted" in text and "out-of-fold" in text


def test_csv_export_route(tools_app, services, client_id: int) -> None:
    store = services.decision_store
    result = services.scoring.score_client(client_id)
    store.record(
        client_id,
        result.decision,
        user="tester",
        model_version=result.model_version,
        default_probability=result.default_probability,
        decision_threshold=result.decision_threshold,
    )
    response = tools_app.server.test_client().get("/advisor-tools/decisions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[-1]["client_id"] == str(client_id) and rows[-1]["user"] == "tester"


def test_decisions_are_recorded_under_the_signed_in_user(tools_app) -> None:
    from flask import g

    from credit_dashboard.web.pages.advisor.components.decision import (
        LOCAL_USER,
        current_user,
    )

    with tools_app.server.test_request_context("/"):
        assert current_user() == LOCAL_USER  # logins not installed in this app
        g.user = "alice"  # what the login guard sets for a signed-in advisor
        assert current_user() == "alice"
    assert current_user() == LOCAL_USER  # outside any request
