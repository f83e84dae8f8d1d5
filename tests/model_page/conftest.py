"""Model page fixtures: a private copy of the session's artifacts holding several versions made
cheaply from the trained one (same model, other held-out predictions and card choices), and a
data dir of links to the session's tables.

Why versions are made this way: training one takes tens of seconds; the page only reads each
version's card and held-out table, so a version with a chosen held-out table (a subset of the
clients, noisier probabilities, another threshold, a card from before the feature policy) tests
every figure the
page computes, with results the test recomputes independently.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, Settings
from credit_dashboard.model.artifact import load_model, write_artifacts
from credit_dashboard.storage.schema import ID_COLUMN

HOLDOUT = "holdout_predictions"


def add_version(artifacts: Path, *, holdout: pd.DataFrame | None, before_policy: bool = False,
                threshold: float | None = None) -> str:
    """Store (not activate) a version of the active model with ``holdout`` as its held-out table
    (None: no held-out table), its card written as before the feature policy when
    ``before_policy`` (no ``feature_policy``, the old ``protected`` section of
    ``--exclude-protected``) and, when given, held-out figures at ``threshold``."""
    active = load_model(artifacts)
    card = {k: v for k, v in active.card.items()
            if k not in ("artifact_sha256", "model_version", "tables")}
    if before_policy:
        card.pop("feature_policy", None)
        card["protected"] = {"exclude_protected": True, "excluded_features": ["CODE_GENDER"]}
    if threshold is not None:
        card["fairness"] = {**card["fairness"], "threshold": threshold}
    tables = {name: active.table(name) for name in active.table_names if name != HOLDOUT}
    if holdout is not None:
        tables[HOLDOUT] = holdout
    return write_artifacts(artifacts, active.model, card, tables=tables,
                           activate=False)["model_version"]


def noisier(holdout: pd.DataFrame, seed: int, keep: float = 1.0) -> pd.DataFrame:
    """Another model's held-out table: ``keep`` of the clients, probabilities moved at random."""
    rng = np.random.default_rng(seed)
    table = holdout.sample(frac=keep, random_state=seed) if keep < 1 else holdout.copy()
    noise = rng.normal(0.0, 0.08, len(table))
    table["default_probability"] = np.clip(table["default_probability"] + noise, 0.001, 0.999)
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class PageVersions:
    settings: Settings
    #: The trained version (active, under the packaged feature policy, every held-out client).
    trained: str
    #: A card from before the feature policy (``--exclude-protected``), 70 % of the held-out
    #: clients, other probabilities and threshold.
    older: str

    @property
    def artifacts(self) -> Path:
        return self.settings.artifacts_dir

    def holdout(self, version: str) -> pd.DataFrame:
        return pd.read_parquet(self.artifacts / "versions" / version / f"{HOLDOUT}.parquet")


def copy_artifacts(tmp_path: Path, small_data_dir: Path, small_artifacts_dir: Path,
                   poll_s: float = 1.0) -> Settings:
    data, artifacts = tmp_path / "data", tmp_path / "artifacts"
    data.mkdir(parents=True)
    for name in (TRAIN_TABLE, APPLICANTS_TABLE):
        os.symlink(small_data_dir / name, data / name)
    shutil.copytree(small_artifacts_dir, artifacts)
    return Settings(data_dir=data, artifacts_dir=artifacts, model_poll_s=poll_s)


@pytest.fixture()
def single_version(tmp_path: Path, small_data_dir: Path, small_artifacts_dir: Path) -> Settings:
    """The session's artifacts as they are: one version."""
    return copy_artifacts(tmp_path / "single", small_data_dir, small_artifacts_dir)


@pytest.fixture()
def page_versions(tmp_path: Path, small_data_dir: Path, small_artifacts_dir: Path) -> PageVersions:
    settings = copy_artifacts(tmp_path, small_data_dir, small_artifacts_dir)
    trained = load_model(settings.artifacts_dir)
    without = add_version(settings.artifacts_dir,
                          holdout=noisier(trained.table(HOLDOUT), seed=3, keep=0.7),
                          before_policy=True, threshold=0.12)
    return PageVersions(settings, trained.version, without)


def common_ids(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    return np.intersect1d(a[ID_COLUMN].to_numpy(), b[ID_COLUMN].to_numpy())


# -- the real app behind its logins, on the private versions --------------------------------------
from security.conftest import PASSWORD, auth_env, sign_in, write_users  # noqa: E402,F401

#: One account per role, each called after its role.
ACCOUNTS = ("advisor", "analyst", "admin")


@pytest.fixture()
def model_app(page_versions: PageVersions, auth_env: Path, monkeypatch):  # noqa: F811
    """The production app (logins on) serving ``page_versions``, its model watch polling
    ``active.json`` every second as in production."""
    from credit_dashboard.web.app import create_app

    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(auth_env.parent / "decisions.sqlite3"))
    write_users(auth_env, {name: PASSWORD for name in ACCOUNTS})
    return create_app(page_versions.settings)


@pytest.fixture()
def clients(model_app) -> dict:
    """One signed-in test client per role."""
    signed_in = {}
    for name in ACCOUNTS:
        client = model_app.server.test_client()
        assert sign_in(client, name, PASSWORD).status_code == 302, name
        signed_in[name] = client
    return signed_in
