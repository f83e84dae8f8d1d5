"""The what-if offers only inputs the served model reads: after the feature policy the model no
longer reads e.g. CNT_CHILDREN, and a field that changes nothing would suggest it matters."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.services.whatif import read_by_model


def test_read_by_model_keeps_the_order_and_drops_what_the_model_ignores() -> None:
    chosen = ("AMT_CREDIT", "CNT_CHILDREN", "AMT_ANNUITY", "NAME_FAMILY_STATUS")
    assert read_by_model(chosen, ["AMT_ANNUITY", "AMT_CREDIT", "EXT_SOURCE_2"]) == (
        "AMT_CREDIT", "AMT_ANNUITY")
    assert read_by_model(chosen, []) == ()


@pytest.fixture(scope="module")
def services(small_data_dir: Path, small_artifacts_dir: Path):
    from credit_dashboard.services.container import load_services

    return load_services(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                         background=False)


def test_the_panel_offers_only_inputs_the_served_model_reads(services) -> None:
    from credit_dashboard.web.pages.advisor.components import whatif

    offered = whatif.offered_inputs(services)
    assert offered, "the panel offers nothing"
    assert set(offered) <= set(services.scoring.model.input_columns)

    # The same services with a model that no longer reads one of the chosen inputs.
    dropped = offered[-1]
    model = SimpleNamespace(input_columns=[c for c in services.scoring.model.input_columns
                                           if c != dropped])
    narrowed = SimpleNamespace(whatif_inputs=services.whatif_inputs,
                               scoring=SimpleNamespace(model=model))
    assert dropped not in whatif.offered_inputs(narrowed)
    field = f'"column": "{dropped}"'
    assert field in _json(whatif.layout(services))
    assert field not in _json(whatif.layout(narrowed))


def _json(component: object) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())
