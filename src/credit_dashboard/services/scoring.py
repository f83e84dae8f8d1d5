"""The one scoring service the advisor pages and the JSON API both call: client id or raw row in,
default probability, decision and explanation out.

Applicants are indexed by ``SK_ID_CURR`` once (O(1) row lookup), the type-ahead searches a sorted
list of id strings with ``bisect`` (the browser never receives every id), and per-client results are
cached under ``(model version, client id)``: never under a DataFrame, whose ``repr`` would make a
useless key.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from credit_dashboard.i18n import current_language
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.artifact import LoadedModel
from credit_dashboard.model.cost import GRANT as GRANT  # re-exported: the decision words
from credit_dashboard.model.cost import REFUSE as REFUSE
from credit_dashboard.model.cost import decision_for
from credit_dashboard.model.record_features import attach, features_for, is_record_feature
from credit_dashboard.services import validation
from credit_dashboard.services.explain import Contribution, build_contributions
from credit_dashboard.services.served_version import ServedVersion
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN, is_missing, pandas_dtype

logger = logging.getLogger(__name__)

#: The record features of a client without any credit record.
NO_RECORDS: dict[str, float] = attach(pd.DataFrame({ID_COLUMN: [0]}), None).iloc[0].drop(
    ID_COLUMN).to_dict()


class UnknownClientError(LookupError):
    """No applicant has this id. The message is safe to show to the advisor."""


class InvalidClientIdError(UnknownClientError):
    """The text is not a client number at all ("abc", "-5", a 40-digit number, markup)."""


def parse_client_id(raw: object) -> int:
    """The SK_ID_CURR in ``raw`` (int or text), by the same rules as the API (``validation``)."""
    if isinstance(raw, np.integer):
        raw = int(raw)
    try:
        return validation.parse_client_id(raw)
    except validation.ClientIdError as exc:
        raise InvalidClientIdError(str(exc)) from exc


@dataclass(frozen=True)
class ClientResult:
    """A scored client: what the advisor page shows and the API returns."""

    client_id: int | None
    default_probability: float
    decision_threshold: float
    #: "grant" or "refuse": refuse when the probability reaches the threshold.
    decision: str
    #: default_probability - decision_threshold (negative = below the threshold = grant).
    margin: float
    #: Log-odds of the average client; base_value + sum of contributions = logit(probability).
    base_value: float
    #: Sorted by absolute contribution, largest first.
    contributions: tuple[Contribution, ...]
    model_version: str = ""

    def to_dict(self, top_n: int | None = None) -> dict[str, Any]:
        """JSON-ready; ``top_n`` keeps only the largest contributions."""
        items = self.contributions if top_n is None else self.contributions[:top_n]
        return {
            "client_id": self.client_id,
            "default_probability": self.default_probability,
            "decision_threshold": self.decision_threshold,
            "decision": self.decision,
            "margin": self.margin,
            "base_value": self.base_value,
            "model_version": self.model_version,
            "contributions": [c.to_dict() for c in items],
        }


def _client_values(values: pd.DataFrame, raw: pd.DataFrame) -> dict[str, object]:
    """What the client has for each explained feature: the raw value for a Kaggle column (so a
    pensioner's 365243-day placeholder reads "pensioner", not "not known" as the model's cleaned
    value would), the model's value for an engineered feature."""
    raw_row = dict(zip(raw.columns, raw.to_numpy(dtype=object)[0], strict=True))
    merged = dict(zip(values.columns, values.to_numpy(dtype=object)[0], strict=True))
    return {name: raw_row.get(name, value) for name, value in merged.items()}


def json_value(value: object) -> object:
    """One cell of a row as a JSON-safe value: None when missing, a Python int or float for a
    number, the text of a level. The decision log stores rows this way (``model_input``, a
    reviewer's corrections), so a stored row scores exactly as the frame it came from."""
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_ | int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return str(value)


class MoreClients(Protocol):
    """Clients held elsewhere (the stored batches, refreshed while the app runs)."""

    def __contains__(self, client_id: object) -> bool: ...

    def row(self, client_id: int) -> pd.DataFrame | None: ...

    def search(self, prefix: str, limit: int) -> list[str]: ...


class ResultCache(Protocol):
    """What the service needs from a cache (flask-caching's ``Cache`` fits)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...


class ScoringService:
    """Scores applicants by id and raw records with the served model version.

    The version (:class:`ServedVersion`) is one attribute, replaced whole by :meth:`swap` when
    an admin activates another one: each scoring reads it once, so a request that started on
    the old version finishes on it, and the next one uses the new version.
    """

    def __init__(
        self,
        loaded_model: LoadedModel | ServedVersion,
        applicants: pd.DataFrame,
        history: pd.DataFrame | None = None,
        cache: ResultCache | None = None,
        more_clients: MoreClients | None = None,
        credit_records: CreditRecordStore | None = None,
    ) -> None:
        self._served = (loaded_model if isinstance(loaded_model, ServedVersion)
                        else ServedVersion(loaded_model))
        self.applicants = applicants
        #: Past clients (not needed to score; the app keeps them in ``AppServices.history``).
        self.history = history
        self.cache = cache
        #: Applicants of stored batches (``services.batch_clients``), looked up after the table's.
        self.more_clients = more_clients
        #: The credit-record store: a model trained with record features gets each client's
        #: features from it, looked up by id (never held in memory).
        self.credit_records = credit_records
        ids = self.applicants[ID_COLUMN].to_numpy()
        self._positions = pd.Index(ids)
        if not self._positions.is_unique:
            raise ValueError(f"applicants table has duplicate {ID_COLUMN} values")
        self._sorted_ids = sorted(str(int(i)) for i in ids)
        logger.info("scoring service ready: %d applicants, model %s", len(ids), self.model_version)

    # --- what the model is ------------------------------------------------------------------
    @property
    def served(self) -> ServedVersion:
        return self._served

    def swap(self, served: ServedVersion) -> None:
        """Serve ``served`` from the next request on (prepared and checked by the caller)."""
        self._served = served

    @property
    def loaded_model(self) -> LoadedModel:
        return self._served.loaded

    @property
    def model(self) -> Any:
        return self._served.model

    @property
    def card(self) -> dict[str, Any]:
        return self._served.card

    @property
    def model_version(self) -> str:
        return self._served.version

    @property
    def decision_threshold(self) -> float:
        return float(self.model.decision_threshold)

    @property
    def n_applicants(self) -> int:
        return len(self._sorted_ids)

    # --- finding clients --------------------------------------------------------------------
    def search_ids(self, prefix: str, limit: int = 10) -> list[str]:
        """Up to ``limit`` applicant ids starting with ``prefix`` (digits only), in order."""
        text = (prefix or "").strip()
        if not text or not text.isdigit() or limit <= 0:
            return []
        start = bisect.bisect_left(self._sorted_ids, text)
        found: list[str] = []
        for candidate in self._sorted_ids[start : start + limit]:
            if not candidate.startswith(text):
                break
            found.append(candidate)
        if self.more_clients is not None:
            found = sorted(found + self.more_clients.search(text, limit))[:limit]
        return found

    def has_client(self, client_id: int) -> bool:
        if client_id in self._positions:
            return True
        return self.more_clients is not None and client_id in self.more_clients

    def applicant_row(self, client_id: object) -> pd.DataFrame:
        """The applicant's raw Kaggle row (one-row DataFrame), with the client's credit-record
        features (``CR_*``) beside it when the served model uses them."""
        key = parse_client_id(client_id)
        row = self._raw_row(key)
        if not any(is_record_feature(c) for c in self._served.model.input_columns):
            return row
        return attach(row, features_for(self.credit_records, [key]))

    def model_input(self, client_id: object) -> dict[str, object]:
        """The client's row exactly as the served model is given it, as JSON-safe values.

        Why: a recorded decision keeps the input it was scored on, so a reviewer sees what the
        model saw and ``score_record(model_input(id))`` replays the score. The row is
        :meth:`applicant_row` (every Kaggle column, ``CR_*`` features when the model uses them),
        without ``TARGET``; a missing value is None, a number a Python int or float, a level text.
        """
        row = self.applicant_row(client_id)
        return {column: json_value(value)
                for column, value in zip(row.columns, row.to_numpy(dtype=object)[0], strict=True)
                if column != TARGET_COLUMN}

    def _raw_row(self, key: int) -> pd.DataFrame:
        try:
            position = self._positions.get_loc(key)
        except KeyError:
            row = None if self.more_clients is None else self.more_clients.row(key)
            if row is None:
                raise UnknownClientError(
                    _("no applicant has the id {id}").format(id=key)
                ) from None
            return row
        # A one-row slice (a view, 4x quicker than a list take): callers only read it.
        return self.applicants.iloc[position : position + 1]

    # --- scoring ----------------------------------------------------------------------------
    @staticmethod
    def _cache_key(version: str, client_id: int) -> str:
        # The version is part of the key: after a switch no worker (nor another instance sharing
        # Redis) reads the previous version's results. The language too: a result carries its
        # readable labels.
        return f"client-result/{version}/{current_language()}/{client_id}"

    def score_client(self, client_id: object, use_cache: bool = True) -> ClientResult:
        """Score and explain one applicant (cached per model version and id)."""
        key = parse_client_id(client_id)
        served = self._served  # one version for the key and the result
        cache_key = self._cache_key(served.version, key)
        if use_cache and self.cache is not None:
            cached = self.cache.get(cache_key)
            if cached is not None:
                return cached
        result = self._score_frame(self.applicant_row(key), key, served)
        if use_cache and self.cache is not None:
            self.cache.set(cache_key, result)
        return result

    def score_record(
        self,
        record: Mapping[str, object] | pd.DataFrame,
        aggregates: pd.DataFrame | None = None,
    ) -> ClientResult:
        """Score a raw application: a mapping of Kaggle columns (missing ones are NaN) or a one-row
        DataFrame such as ``validation.validate_record`` returns.

        ``aggregates``: the client's credit-record features (``CR_*``, one row of
        ``model.record_features.aggregate_frames``), set beside the record's fields so a model
        trained with them sees the caller's records. Checking what a caller may send is
        ``validation``'s job; here the record only has to be convertible to the schema's dtypes.
        """
        if isinstance(record, pd.DataFrame):
            if len(record) != 1:
                raise ValueError(f"score_record takes one row, got {len(record)}")
            record = record.iloc[0].to_dict()
        if aggregates is not None and len(aggregates):
            if len(aggregates) != 1:
                raise ValueError(f"score_record takes one row of aggregates, got {len(aggregates)}")
            features = aggregates.iloc[0].drop(labels=[ID_COLUMN], errors="ignore").to_dict()
            record = {**record, **features}
        elif not any(is_record_feature(str(k)) for k in record):
            # No records sent: the client has none (counts 0, the rest missing), exactly what
            # ``attach`` gives a stored client without records.
            record = {**record, **NO_RECORDS}
        served = self._served
        row = {}
        for column in served.model.input_columns:
            value = record.get(column)
            if is_missing(value):  # NaN in a text column would otherwise become the text "nan"
                value = None
            dtype = pandas_dtype(column)
            if dtype == "object":
                row[column] = [None if value is None else str(value)]
            else:
                row[column] = [np.nan if value is None else float(value)]  # type: ignore[arg-type]
        frame = pd.DataFrame(row)
        raw_id = record.get(ID_COLUMN)
        client_id = None if raw_id is None else parse_client_id(raw_id)
        return self._score_frame(frame, client_id, served)

    def _score_frame(
        self, frame: pd.DataFrame, client_id: int | None, served: ServedVersion
    ) -> ClientResult:
        if TARGET_COLUMN in frame.columns:
            frame = frame.drop(columns=[TARGET_COLUMN])
        # One transform of the row for the probability, the contributions and the values; the
        # probability is derived from the contributions shown, so the two can never disagree.
        model = served.model
        explanation = model.explain_rows(frame)
        probability = float(explanation.probability[0])
        base = float(explanation.base_value)
        row = explanation.contributions.iloc[0]
        values = explanation.feature_values
        threshold = float(model.decision_threshold)
        return ClientResult(
            client_id=client_id,
            default_probability=probability,
            decision_threshold=threshold,
            decision=decision_for(probability, threshold),
            margin=probability - threshold,
            base_value=base,
            contributions=build_contributions(row, _client_values(values, frame)),
            model_version=served.version,
        )
