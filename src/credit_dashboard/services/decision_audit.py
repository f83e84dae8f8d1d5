"""The audit of the decision log: the whole hash chain checked, and a sample of decisions replayed.

Why a replay: a chain proves that nobody altered a record after it was written; it does not prove
the record was true when written. Re-scoring the stored input row with the stored model version
must give the recorded probability (to 1e-9) and the recorded model recommendation; a decision
that does not is named. ``scripts/verify_decisions.py`` is the command; tests call :func:`audit`.

What is reported, each naming the records concerned:

- chain problems (:func:`credit_dashboard.storage.decisions_chain.walk_chain`): altered,
  removed, reordered, or written around the log;
- replay problems: the input row no longer matching its hash, a probability or recommendation
  that the stored model version does not reproduce, a version that no longer loads;
- decisions whose model version is not in the artifacts folder: "cannot replay: version X not
  found", counted apart. They make the audit fail too (a decision that cannot be reproduced is not
  reproducible), unless the caller accepts them (``allow_missing_versions``: e.g. an auditor
  checking the chain on a copy of the log without every model).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import MODEL_FILE
from credit_dashboard.model import versions
from credit_dashboard.model.artifact import ArtifactError, LoadedModel, load_version
from credit_dashboard.model.cost import decision_for
from credit_dashboard.storage.decisions import Decision, DecisionStore
from credit_dashboard.storage.decisions_chain import (
    ChainReport,
    canonical_json,
    json_value,
    sha256_text,
)
from credit_dashboard.storage.schema import is_missing, pandas_dtype

logger = logging.getLogger(__name__)

#: A replayed probability may differ from the recorded one by at most this much.
REPLAY_TOLERANCE = 1e-9
#: Decisions replayed by default (the whole chain is always checked).
DEFAULT_SAMPLE = 200


class VersionNotFoundError(LookupError):
    """The model version a decision names is not in the artifacts folder."""


@dataclass
class AuditReport:
    """The chain walk and the replay of a sample, with every problem named."""

    location: str
    chain: ChainReport
    #: Decisions stored with their input row (the ones a replay can check).
    replayable: int = 0
    #: Decisions replayed (the sample), and how many reproduced their record.
    replayed: int = 0
    reproduced: int = 0
    seed: int | None = None
    #: One line per decision not reproducible (named by id).
    replay_problems: list[str] = field(default_factory=list)
    #: Model version -> ids of the sampled decisions that name it but cannot be replayed.
    missing_versions: dict[str, list[int]] = field(default_factory=dict)
    allow_missing_versions: bool = False

    @property
    def missing_version_decisions(self) -> int:
        return sum(len(ids) for ids in self.missing_versions.values())

    @property
    def problems(self) -> list[str]:
        """Every problem, one line each: the chain's, then the replay's, then missing versions."""
        lines = list(self.chain.problems) + list(self.replay_problems)
        for version, ids in sorted(self.missing_versions.items()):
            lines.append(f"cannot replay: version {version} not found (decision(s) "
                         f"{_ids(ids)})")
        return lines

    @property
    def ok(self) -> bool:
        missing = self.missing_version_decisions and not self.allow_missing_versions
        return self.chain.ok and not self.replay_problems and not missing

    def summary(self) -> str:
        """One paragraph for the auditor: what was checked and what was found."""
        kinds = self.chain.kinds
        counts = (f"{kinds.get('decision', 0)} decisions, {kinds.get('review_request', 0)} "
                  f"review requests, {kinds.get('review_outcome', 0)} review outcomes")
        chain = ("intact" if self.chain.ok
                 else f"BROKEN ({len(self.chain.problems)} problem(s))")
        seed = "" if self.seed is None else f", seed {self.seed}"
        text = (
            f"Decision log {self.location}: {self.chain.records} records checked ({counts}); "
            f"chain of {self.chain.chain_length} links {chain}, head {self.chain.head_hash} "
            "(note it: --anchor checks it is still there next time); "
            f"{self.chain.predating_chain} decision(s) predate the chain (chained at the upgrade, "
            f"recorded without inputs, not replayable). Replayed {self.replayed} of "
            f"{self.replayable} decision(s) stored with their inputs{seed}: {self.reproduced} "
            f"reproduced to within {REPLAY_TOLERANCE:g}"
        )
        if self.replay_problems:
            text += f", {len(self.replay_problems)} not reproducible"
        if self.missing_versions:
            accepted = " (accepted)" if self.allow_missing_versions else ""
            text += (f", {self.missing_version_decisions} could not be replayed: model "
                     f"version(s) {', '.join(sorted(self.missing_versions))} not found"
                     f"{accepted}")
        return text + (". All is well." if self.ok else ".")


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(f"#{i}" for i in ids)


def load_stored_version(artifacts_dir: Path, version: str) -> LoadedModel:
    """The stored model version named by a decision (verified against its card's sha256).

    A version id is looked up in ``versions/``; a 12-digit legacy id matches a flat folder's
    model. :class:`VersionNotFoundError` when absent; ``ArtifactError`` when it does not load.
    """
    artifacts_dir = Path(artifacts_dir)
    if versions.is_version_id(version):
        directory = versions.version_dir(artifacts_dir, version)
        if not (directory / MODEL_FILE).is_file():
            raise VersionNotFoundError(version)
        return load_version(directory)
    if (artifacts_dir / MODEL_FILE).is_file():
        loaded = load_version(artifacts_dir)
        if loaded.version == version:
            return loaded
    raise VersionNotFoundError(version)


def model_frame(model: object, rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """The rows as the scoring service gives them to the model: its input columns, missing
    values NaN (numbers) or None (texts), numbers as floats, texts as text."""
    columns = list(model.input_columns)  # type: ignore[attr-defined]
    data: dict[str, list[object]] = {}
    for column in columns:
        text = pandas_dtype(column) == "object"
        values: list[object] = []
        for row in rows:
            value = row.get(column)
            if is_missing(value):
                values.append(None if text else np.nan)
            else:
                values.append(str(value) if text else float(value))  # type: ignore[arg-type]
        data[column] = values
    return pd.DataFrame(data, columns=columns)


def replay(
    decisions: Sequence[Decision], artifacts_dir: Path
) -> tuple[int, list[str], dict[str, list[int]]]:
    """Re-score each decision's stored inputs with its stored model version.

    Returns how many reproduced their record, a line per decision that did not, and the decisions
    whose version is not found (by version).
    """
    reproduced = 0
    problems: list[str] = []
    missing: dict[str, list[int]] = {}
    by_version: dict[str, list[Decision]] = {}
    for decision in decisions:
        if decision.inputs is None:
            continue
        actual = sha256_text(canonical_json(json_value(decision.inputs, "inputs")))
        if actual != decision.input_hash:
            problems.append(f"decision #{decision.id}: its input row does not match its "
                            "input_hash (the inputs were altered)")
            continue
        by_version.setdefault(decision.model_version, []).append(decision)
    for version, group in sorted(by_version.items()):
        try:
            loaded = load_stored_version(artifacts_dir, version)
        except VersionNotFoundError:
            missing[version] = [d.id for d in group]
            logger.warning("cannot replay %d decision(s): model version %s not found in %s",
                           len(group), version, artifacts_dir)
            continue
        except (ArtifactError, versions.VersionError) as exc:
            problems.extend(f"decision #{d.id}: cannot replay: version {version} does not load "
                            f"({exc})" for d in group)
            continue
        model = loaded.model
        frame = model_frame(model, [d.inputs or {} for d in group])
        # The very computation the scoring service serves (probability from the explanation).
        probabilities = model.explain_rows(frame).probability  # type: ignore[attr-defined]
        threshold = float(model.decision_threshold)  # type: ignore[attr-defined]
        for decision, replayed in zip(group, probabilities, strict=True):
            replayed = float(replayed)
            wrong = []
            if not math.isclose(replayed, decision.default_probability, rel_tol=0.0,
                                abs_tol=REPLAY_TOLERANCE):
                wrong.append(f"probability {decision.default_probability!r} recorded, "
                             f"{replayed!r} replayed")
            if not math.isclose(threshold, decision.decision_threshold, rel_tol=0.0,
                                abs_tol=REPLAY_TOLERANCE):
                wrong.append(f"threshold {decision.decision_threshold!r} recorded, the version's "
                             f"is {threshold!r}")
            recommended = decision_for(replayed, threshold)
            if recommended != decision.model_decision:
                wrong.append(f"model recommendation {decision.model_decision} recorded, "
                             f"{recommended} replayed")
            if wrong:
                problems.append(f"decision #{decision.id} not reproducible with version "
                                f"{version}: " + "; ".join(wrong))
            else:
                reproduced += 1
    return reproduced, problems, missing


def audit(
    store: DecisionStore,
    artifacts_dir: Path,
    *,
    sample: int | None = DEFAULT_SAMPLE,
    seed: int | None = None,
    allow_missing_versions: bool = False,
    anchors: Sequence[str] = (),
) -> AuditReport:
    """Walk the whole chain and replay ``sample`` decisions with inputs (all when None).

    ``seed`` picks the sample (a random one, logged, when None: the run can be repeated).
    ``anchors``: chain heads noted by earlier audits, which must still be in the chain (the only
    way to see that the newest records were removed on PostgreSQL).
    """
    chain = store.verify_chain(anchors)
    ids = store.replayable_ids()
    if sample is not None and sample < len(ids):
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        chosen = sorted(random.Random(seed).sample(ids, sample))
    else:
        chosen, seed = ids, None
    logger.info("decision audit of %s: %d records in the chain, replaying %d of %d decisions "
                "(seed %s)", store.location, chain.records, len(chosen), len(ids), seed)
    decisions = store.get_many(chosen)
    reproduced, problems, missing = replay(decisions, Path(artifacts_dir))
    report = AuditReport(
        location=store.location, chain=chain, replayable=len(ids),
        replayed=len(decisions) - sum(len(v) for v in missing.values()), reproduced=reproduced,
        seed=seed, replay_problems=problems, missing_versions=missing,
        allow_missing_versions=allow_missing_versions,
    )
    for line in report.problems:
        logger.warning("decision audit: %s", line)
    return report
