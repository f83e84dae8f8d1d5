"""Shared fixtures: a small generated data set and a model trained on it, built once per session.

Everything the suite needs is generated here from the package itself (never from ``../shared``), at
a size that keeps the whole suite within minutes on two cores.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE

# The suite's assertions are written in English; tests of the French wording choose it themselves
# (``credit_dashboard.i18n.use_language("fr")``, or a browser's language switch).
os.environ.setdefault("CREDIT_LANGUAGE", "en")
# Evidently costs about 60 ms per column and batch: the suite's batches compare the 24 columns
# behind the monitored features (and the ingest children it starts inherit the cap).
os.environ.setdefault("CREDIT_BATCH_DRIFT_COLUMNS", "24")
# The same cap for the drift report of each training run (the model's most important columns
# first): about 9 s less per small training, and the suite trains a dozen.
os.environ.setdefault("CREDIT_TRAINING_DRIFT_COLUMNS", "24")

SMALL_TRAIN_ROWS = 6000
SMALL_TEST_ROWS = 1500
SEED = 7


def pytest_configure(config: pytest.Config) -> None:
    """dash_duo serves each app on the next port from 58050 in every process: two suites run at
    once on one machine (developers, CI) would collide. Start each process on its own range."""
    try:
        from dash.testing.application_runners import BaseDashRunner
    except ImportError:  # dash[testing] not installed: no browser tests either
        return
    BaseDashRunner._next_port = 20000 + (os.getpid() % 3000) * 10


@pytest.fixture(scope="session")
def small_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated data set with the full Kaggle schema, small enough for tests."""
    from home_credit_synth.generator import write_dataset

    out = tmp_path_factory.mktemp("data")
    write_dataset(out, n_train=SMALL_TRAIN_ROWS, n_test=SMALL_TEST_ROWS, seed=SEED)
    return out


@pytest.fixture(scope="session")
def small_artifacts_dir(small_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Artifacts (model, card, drift report) trained by the real training code in quick mode."""
    from credit_dashboard.model.training import TrainConfig, train

    out = tmp_path_factory.mktemp("artifacts")
    train(
        TrainConfig(
            train_path=small_data_dir / TRAIN_TABLE,
            applicants_path=small_data_dir / APPLICANTS_TABLE,
            out_dir=out,
            folds=3,
            search_budget=2,
            quick=True,
            seed=SEED,
            drift_sample_rows=500,
        )
    )
    return out


#: axe-core, the accessibility engine, installed from npm by scripts/test.sh.
AXE_JS = Path(
    os.environ.get(
        "CREDIT_AXE_JS",
        Path(__file__).resolve().parents[1] / ".cache/axe/node_modules/axe-core/axe.min.js",
    )
)
#: WCAG 2.1 levels A and AA, as the accessibility requirement says.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture()
def axe_violations(dash_duo):
    """``axe_violations()`` runs axe-core on the page shown now and returns its violations as
    readable lines (rule, impact, the first nodes); an empty list means the page passes."""
    if not AXE_JS.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing ({AXE_JS}): scripts/test.sh installs it with npm")
        pytest.skip(f"axe-core not installed at {AXE_JS} (bash scripts/test.sh installs it)")
    source = AXE_JS.read_text(encoding="utf-8")

    def run() -> list[str]:
        driver = dash_duo.driver
        driver.execute_script(source)
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', "
            "impact: String(e), nodes: []}]));",
            AXE_TAGS,
        )
        lines = []
        for violation in result:
            targets = [" ".join(map(str, n.get("target", []))) for n in violation["nodes"][:5]]
            lines.append(
                f"{violation['id']} ({violation.get('impact')}, {len(violation['nodes'])} nodes): "
                + "; ".join(targets)
            )
        return lines

    return run


# -- real servers for the storage tests (scripts/test.sh starts them) -----------------------------


def require_server(env_name: str, what: str) -> str:
    """The URL in ``env_name``; without it a skip on a developer's machine, a failure in CI
    (``CI=true``): the PostgreSQL, Redis and MLflow tests must run there, never be skipped."""
    url = os.environ.get(env_name, "").strip()
    if url:
        return url
    message = f"{what}: set {env_name} (bash scripts/test.sh starts one and sets it)"
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message}; CI must run these tests, not skip them")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """An SQLAlchemy URL of a PostgreSQL server whose user may create databases."""
    return require_server("CREDIT_TEST_DATABASE_URL", "no PostgreSQL for the tests")


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    return require_server("CREDIT_TEST_REDIS_URL", "no Redis for the tests")


@pytest.fixture()
def postgres_url(postgres_server_url: str):
    """A new, empty PostgreSQL database for one test (dropped afterwards)."""
    import uuid

    import sqlalchemy as sa

    from credit_dashboard.storage import database

    name = f"credit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(postgres_server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        database.dispose_all()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
