"""The decision audit (services.decision_audit and scripts/verify_decisions.py) on SQLite and
PostgreSQL: decisions recorded with the inputs the small model scored replay to 1e-9 with their
stored version; an altered input, a missing version or a broken chain fails the check, naming
every record concerned."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
import sqlalchemy as sa

from credit_dashboard.config import APPLICANTS_TABLE
from credit_dashboard.model.artifact import load_model
from credit_dashboard.services.decision_audit import REPLAY_TOLERANCE, audit, model_frame
from credit_dashboard.services.scoring import ScoringService
from credit_dashboard.storage.decisions import DecisionStore
from credit_dashboard.storage.decisions_chain import canonical_json, json_value, sha256_text
from credit_dashboard.storage.schema import ID_COLUMN

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "verify_decisions.py"
N_DECISIONS = 6
MISSING_VERSION = "20200101T000000Z-0123456789ab"


@pytest.fixture(scope="module")
def scoring(small_artifacts_dir: Path, small_data_dir: Path) -> ScoringService:
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    return ScoringService(load_model(small_artifacts_dir), applicants)


@pytest.fixture(scope="module")
def verify_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_decisions_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DecisionStore:
    if request.param == "postgres":
        return DecisionStore(url=request.getfixturevalue("postgres_url"))
    return DecisionStore(tmp_path / "decisions.sqlite3")


def _decide(store: DecisionStore, scoring: ScoringService, client_id: int, **overrides):
    """Record a decision as the advisor's form does: the row the model scored, its result."""
    result = scoring.score_client(client_id, use_cache=False)
    inputs = scoring.applicant_row(client_id).iloc[0].to_dict()
    values = dict(user="alice", model_version=result.model_version,
                  default_probability=result.default_probability,
                  decision_threshold=result.decision_threshold, inputs=inputs,
                  reasons=[c.label for c in result.contributions[:3]], reason="")
    values.update(overrides)
    return store.record(client_id, result.decision, **values)


def _ids(scoring: ScoringService, n: int) -> list[int]:
    return [int(i) for i in scoring.applicants[ID_COLUMN].head(n)]


def _sql(store: DecisionStore, statement: str, **params: object) -> None:
    engine = sa.create_engine(store.url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def _run(module: ModuleType, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = module.main(list(args))
    return code, out.getvalue()


def _where(store: DecisionStore) -> list[str]:
    return ["--db", str(store.path)] if store.is_sqlite else ["--database-url", store.url]


def test_recorded_decisions_replay_exactly(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path
) -> None:
    recorded = [_decide(store, scoring, i) for i in _ids(scoring, N_DECISIONS)]
    # The stored row is the row scored, exactly (JSON floats round-trip).
    first = store.get(recorded[0].id)
    row = scoring.applicant_row(first.client_id).iloc[0].to_dict()
    assert first.inputs == json_value(row)
    assert first.input_hash == sha256_text(canonical_json(json_value(row)))

    report = audit(store, small_artifacts_dir, sample=None)
    assert report.ok, report.problems
    assert (report.replayed, report.reproduced, report.replayable) == (N_DECISIONS,) * 3
    assert report.chain.records == N_DECISIONS and report.chain.predating_chain == 0
    assert "All is well" in report.summary()

    # The replay's frame gives the served probability itself, not only within the tolerance.
    model = scoring.model
    for decision in recorded:
        replayed = model.explain_rows(model_frame(model, [decision.inputs])).probability[0]
        assert abs(replayed - decision.default_probability) <= REPLAY_TOLERANCE


def test_a_sample_is_reproducible_by_its_seed(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path
) -> None:
    for i in _ids(scoring, N_DECISIONS):
        _decide(store, scoring, i)
    one = audit(store, small_artifacts_dir, sample=3, seed=11)
    assert one.ok and one.replayed == 3 and one.seed == 11


def test_an_altered_input_fails_the_chain_and_the_replay(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path
) -> None:
    recorded = [_decide(store, scoring, i) for i in _ids(scoring, 3)]
    target = recorded[1]
    changed = dict(target.inputs)
    changed["AMT_CREDIT"] = float(changed["AMT_CREDIT"]) * 3 + 1
    text = canonical_json(json_value(changed))
    # Altered with its input hash recomputed (the careful forger): the chain names the record,
    # and the replay on the altered row no longer gives the recorded probability.
    _sql(store, "UPDATE decisions SET inputs = :t, input_hash = :h WHERE id = :i",
         t=text, h=sha256_text(text), i=target.id)
    report = audit(store, small_artifacts_dir, sample=None)
    assert not report.ok
    label = f"decision #{target.id}"
    assert report.chain.bad_records == {label}
    assert [p for p in report.replay_problems if label in p and "not reproducible" in p]
    assert report.reproduced == 2

    # Altered without touching the hash: the replay refuses the row outright.
    _sql(store, "UPDATE decisions SET inputs = :t WHERE id = :i",
         t=canonical_json(json_value({**target.inputs, "AMT_ANNUITY": 1.0})), i=recorded[0].id)
    report = audit(store, small_artifacts_dir, sample=None)
    assert any(f"decision #{recorded[0].id}: its input row does not match its input_hash" in p
               for p in report.replay_problems), report.replay_problems


def test_a_recorded_probability_the_model_did_not_give_is_named(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path
) -> None:
    client_id = _ids(scoring, 1)[0]
    true = scoring.score_client(client_id, use_cache=False).default_probability
    bad = _decide(store, scoring, client_id, default_probability=min(true + 1e-6, 1.0),
                  reason="recorded off by a hair")
    report = audit(store, small_artifacts_dir, sample=None)
    assert report.chain.ok  # written through the log: its chain is fine
    assert not report.ok
    assert report.replay_problems[0].startswith(f"decision #{bad.id} not reproducible")


def test_a_missing_model_version_cannot_be_replayed(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path,
    verify_script: ModuleType,
) -> None:
    ok = _decide(store, scoring, _ids(scoring, 1)[0])
    lost = _decide(store, scoring, _ids(scoring, 2)[1], model_version=MISSING_VERSION)
    report = audit(store, small_artifacts_dir, sample=None)
    assert report.missing_versions == {MISSING_VERSION: [lost.id]}
    assert report.reproduced == 1 and not report.ok
    assert f"cannot replay: version {MISSING_VERSION} not found (decision(s) #{lost.id})" in (
        report.problems)

    code, out = _run(verify_script, *_where(store), "--artifacts", str(small_artifacts_dir),
                     "--all")
    assert code == 1 and f"#{lost.id}" in out and MISSING_VERSION in out
    code, out = _run(verify_script, *_where(store), "--artifacts", str(small_artifacts_dir),
                     "--all", "--allow-missing-versions")
    assert code == 0, out
    assert "(accepted)" in out and f"decision #{ok.id}" not in out


def test_the_command_summarises_or_names_every_bad_record(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path,
    verify_script: ModuleType,
) -> None:
    recorded = [_decide(store, scoring, i) for i in _ids(scoring, 4)]
    review = store.request_review(recorded[0].id, statement="My income is higher", user="alice")
    store.record_review_outcome(review.id, outcome="upheld", reason="Not proven", user="bob")
    args = [*_where(store), "--artifacts", str(small_artifacts_dir), "--sample", "2", "--seed",
            "3"]
    code, out = _run(verify_script, *args)
    assert code == 0, out
    assert out.count("\n") == 1  # one paragraph
    assert "6 records checked (4 decisions, 1 review requests, 1 review outcomes)" in out
    assert "chain of 6 links intact" in out and "Replayed 2 of 4" in out
    assert "0 decision(s) predate the chain" in out

    _sql(store, "UPDATE decisions SET reason = 'Rewritten later' WHERE id = :i",
         i=recorded[2].id)
    _sql(store, "DELETE FROM decisions WHERE id = :i", i=recorded[1].id)
    code, out = _run(verify_script, *args)
    assert code == 1
    lines = out.splitlines()
    assert "BROKEN" in lines[0]
    assert any(f"decision #{recorded[2].id}" in line and "altered" in line for line in lines)
    assert any("removed" in line and f"position 2 missing between decision #{recorded[0].id} "
               f"and decision #{recorded[2].id}" in line for line in lines[1:]), out


def test_the_script_runs_as_a_command(small_artifacts_dir: Path, tmp_path: Path) -> None:
    missing = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", str(tmp_path / "none.sqlite3"), "--artifacts",
         str(small_artifacts_dir)], capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 2 and "no such decision log" in missing.stderr
    assert missing.stdout == ""
    store = DecisionStore(tmp_path / "decisions.sqlite3")
    store.record(100001, "grant", user="alice", model_version="v0", default_probability=0.1,
                 decision_threshold=0.3)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", str(store.path), "--artifacts",
         str(small_artifacts_dir)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"Decision log {store.path}: 1 records checked")


def test_a_noted_head_shows_the_newest_records_removed(
    store: DecisionStore, scoring: ScoringService, small_artifacts_dir: Path,
    verify_script: ModuleType,
) -> None:
    import re

    recorded = [_decide(store, scoring, i) for i in _ids(scoring, 3)]
    args = [*_where(store), "--artifacts", str(small_artifacts_dir), "--all"]
    code, out = _run(verify_script, *args)
    assert code == 0, out
    head = re.search(r"head ([0-9a-f]{64})", out).group(1)
    assert head == recorded[-1].record_hash
    _sql(store, "DELETE FROM decisions WHERE id = :i", i=recorded[-1].id)
    code, out = _run(verify_script, *args, "--anchor", head)
    assert code == 1
    assert f"the noted head {head} is no longer in the log" in out
