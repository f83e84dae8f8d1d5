"""The hash chain of the decision log: canonical JSON, content hashes, and the walk that checks it.

Why a chain: an auditor must be able to tell that no decision, review request or review outcome was
altered, removed or reordered after it was written, even by someone with write access to the
database. Every record (of the three tables) carries its place in ONE global order (``chain_seq``,
1, 2, 3, ... with no hole), the hash of the record before it (``previous_hash``; the first one
points to :data:`GENESIS_HASH`) and its own hash over its whole content, previous hash and place
included (``record_hash``). Changing a stored value breaks that record's hash; deleting a record
leaves a hole in the places and a next record pointing to a hash nobody has; swapping two records
breaks both their links.

The hash format is a contract with every record already written (and with the migration that
chained the rows recorded before the chain existed): sha256 of :func:`canonical_json` of
``{"format": 1, "kind": ..., <every column but record_hash>}``. Never change it in place; a new
format would need its own number and both kept verifiable.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from credit_dashboard.storage.schema import is_missing

#: What the first record of the chain points to.
GENESIS_HASH = "0" * 64
#: The version of the hashed content's layout (part of every hash).
CHAIN_FORMAT = 1

KIND_DECISION = "decision"
KIND_REVIEW_REQUEST = "review_request"
KIND_REVIEW_OUTCOME = "review_outcome"
KINDS = (KIND_DECISION, KIND_REVIEW_REQUEST, KIND_REVIEW_OUTCOME)

#: The columns every chained table has, written under the chain lock.
CHAIN_COLUMNS = ("chain_seq", "previous_hash", "record_hash")

#: The columns each record's hash covers (format 1). Fixed here rather than "every column": a
#: column added by a later revision must not change the hash of the records written before it.
HASHED_COLUMNS: dict[str, tuple[str, ...]] = {
    KIND_DECISION: (
        "id", "client_id", "decision", "model_decision", "reason", "user", "model_version",
        "default_probability", "decision_threshold", "recorded_at", "inputs", "input_hash",
        "reasons", "counterfactual", "recorded_before_chain", "chain_seq", "previous_hash",
    ),
    KIND_REVIEW_REQUEST: (
        "id", "decision_id", "client_id", "statement", "requested_by", "requested_at",
        "chain_seq", "previous_hash",
    ),
    KIND_REVIEW_OUTCOME: (
        "id", "review_id", "outcome", "reason", "reviewed_by", "reviewed_at", "corrected_inputs",
        "rescored_probability", "rescored_model_version", "chain_seq", "previous_hash",
    ),
}


def json_value(value: object, where: str = "") -> object:
    """``value`` as plain JSON data (dict, list, str, int, float, bool, None), or ValueError.

    Missing values (None, NaN, ``pd.NA``, ``NaT``) become None; numpy scalars their Python value;
    a float stays the same float (JSON's shortest repr round-trips exactly). ``where`` names the
    place in the message (``inputs.AMT_CREDIT``) so a caller can say which value is wrong.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise ValueError(f"{where or 'value'} is infinite, which a record cannot hold")
        return number
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if isinstance(key, np.generic):
                key = key.item()
            if not isinstance(key, str | int):
                raise ValueError(f"{where or 'value'} has a key {key!r} that is not text")
            out[str(key)] = json_value(item, f"{where}.{key}" if where else str(key))
        return out
    if isinstance(value, list | tuple | np.ndarray):
        return [json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if is_missing(value):
        return None
    raise ValueError(
        f"{where or 'value'} is a {type(value).__name__} ({value!r}), not text, a number or a "
        "yes/no value"
    )


def canonical_json(value: object) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept, floats as their exact shortest repr.

    ``value`` must already be plain JSON data (:func:`json_value`); NaN is refused, not written.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(kind: str, content: Mapping[str, object]) -> str:
    """The record's own hash: its :data:`HASHED_COLUMNS` (place and previous hash included), its
    kind and the format. ``content`` may hold more columns; those are not hashed."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    hashed = {name: content[name] for name in HASHED_COLUMNS[kind]}
    hashed["format"] = CHAIN_FORMAT
    hashed["kind"] = kind
    return sha256_text(canonical_json(json_value(hashed, kind)))


# -- walking the chain ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainedRecord:
    """One stored record as the walk sees it: its kind, id and every stored column."""

    kind: str
    id: int
    content: Mapping[str, object]

    @property
    def label(self) -> str:
        """How a report names it: ``decision #12``, ``review request #3``, ``review outcome #3``."""
        return f"{self.kind.replace('_', ' ')} #{self.id}"

    @property
    def seq(self) -> int | None:
        value = self.content.get("chain_seq")
        return None if value is None else int(value)  # type: ignore[arg-type]


@dataclass
class ChainReport:
    """What a walk of the chain found. ``problems`` name every record concerned, one per line."""

    records: int = 0
    #: How many records of each kind were read (``decision``, ``review_request``, ...).
    kinds: dict[str, int] = field(default_factory=dict)
    chain_length: int = 0
    #: The hash of the newest record: an auditor notes it, and passes it as an anchor next time
    #: (a removal of the newest records leaves no hole; only a noted head shows it).
    head_hash: str = GENESIS_HASH
    #: Decisions recorded before the chain existed (chained by the upgrade; no inputs to replay).
    predating_chain: int = 0
    problems: list[str] = field(default_factory=list)
    #: The labels of the records a problem names (``decision #12``), for tests and summaries.
    bad_records: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str, *records: str) -> None:
        self.problems.append(problem)
        self.bad_records.update(records)


def walk_chain(records: Iterable[ChainedRecord], anchors: Iterable[str] = ()) -> ChainReport:
    """Check every link: content hashes, places 1..n without hole or repeat, previous hashes.

    Names each record altered (its hash does not match its content), removed (a hole in the
    places, or a record pointing to a previous hash no record has), reordered (a record whose
    previous hash is another record's than the one just before it), or outside the chain (no place
    at all: written around the log). ``anchors``: record hashes noted earlier (heads printed by
    a previous verification), each of which must still be in the chain.
    """
    report = ChainReport()
    placed: dict[int, list[ChainedRecord]] = {}
    by_hash: dict[str, ChainedRecord] = {}
    for record in records:
        report.records += 1
        report.kinds[record.kind] = report.kinds.get(record.kind, 0) + 1
        if record.kind == KIND_DECISION and record.content.get("recorded_before_chain"):
            report.predating_chain += 1
        if record.seq is None or not record.content.get("record_hash"):
            report.add(f"{record.label} is outside the chain (no place or hash): it was written "
                       "around the decision log", record.label)
            continue
        placed.setdefault(record.seq, []).append(record)
        stored_hash = str(record.content["record_hash"])
        by_hash.setdefault(stored_hash, record)
        if content_hash(record.kind, record.content) != stored_hash:
            report.add(f"{record.label} (chain position {record.seq}) was altered: its content "
                       "does not match its hash", record.label)
    for anchor in anchors:
        if anchor != GENESIS_HASH and anchor not in by_hash:
            report.add(f"the noted head {anchor} is no longer in the log: the records at its end "
                       "were removed (or altered)")
    if not placed:
        return report
    last = max(placed)
    report.chain_length = last
    previous: ChainedRecord | None = None
    hole_start: int | None = None
    for seq in range(1, last + 1):
        here = placed.get(seq)
        if not here:
            hole_start = seq if hole_start is None else hole_start
            continue
        if hole_start is not None:
            after = here[0].label
            before = previous.label if previous is not None else "the start of the chain"
            span = (f"position {hole_start}" if hole_start == seq - 1
                    else f"positions {hole_start} to {seq - 1}")
            report.add(f"record(s) removed: chain {span} missing between {before} and {after}",
                       after)
            hole_start = None
        if len(here) > 1:
            labels = [r.label for r in here]
            report.add(f"{' and '.join(labels)} share chain position {seq}: reordered or copied",
                       *labels)
        record = here[0]
        expected = GENESIS_HASH if seq == 1 else (
            str(previous.content["record_hash"]) if previous is not None
            and previous.seq == seq - 1 else None
        )
        pointed = str(record.content.get("previous_hash") or "")
        if expected is not None and pointed != expected:
            target = by_hash.get(pointed)
            if target is not None:
                labels = [record.label, target.label]
                if previous is not None:
                    labels.append(previous.label)
                report.add(
                    f"{record.label} (chain position {seq}) follows {target.label} in the chain "
                    f"but is stored after {previous.label if previous else 'the start'}: "
                    "reordered", *labels)
            elif pointed == GENESIS_HASH:
                report.add(f"{record.label} (chain position {seq}) claims to be the first "
                           "record: reordered", record.label)
            else:
                report.add(f"{record.label} (chain position {seq}) points to a previous record "
                           "no longer in the log: removed or altered before it", record.label)
        previous = record
    if previous is not None and previous.seq == last:
        report.head_hash = str(previous.content["record_hash"])
    return report

