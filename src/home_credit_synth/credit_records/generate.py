"""Drawing the six tables for a set of clients, chunk by chunk, from their latent traits.

Clients are taken in ``SK_ID_CURR`` order and in fixed-size chunks, each with its own random
stream (child ``i`` of the caller's SeedSequence), so a chunk's rows do not depend on how many
chunks follow, the rows come out sorted by client, and memory stays bounded at any size.
``SK_ID_BUREAU`` and ``SK_ID_PREV`` are numbered in client order across chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credit_dashboard.storage.credit_records.schema import TABLE_NAMES, TABLES
from home_credit_synth.credit_records.behaviour import client_scores
from home_credit_synth.credit_records.bureau import draw_bureau
from home_credit_synth.credit_records.common import arrow_schema
from home_credit_synth.credit_records.previous import draw_previous

#: The latent traits the records read (see :mod:`behaviour`).
RECORD_TRAITS: tuple[str, ...] = ("ext1", "ext2", "ext3", "hidden", "age")
#: Clients per chunk: about 200 MB of arrays at the full data set's rows per client.
CHUNK_CLIENTS = 32_768
#: Kaggle's key ranges start here (SK_ID_BUREAU 5000000..., SK_ID_PREV 1000001...).
FIRST_BUREAU_ID = 5_000_000
FIRST_PREV_ID = 1_000_001


@dataclass
class Counters:
    """The next free loan ids (carried from the history's chunks on to the batches)."""

    bureau: int = FIRST_BUREAU_ID
    prev: int = FIRST_PREV_ID


def select_traits(traits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The traits the records need, copied (a draft's other traits can be dropped)."""
    return {name: np.array(traits[name], dtype=float) for name in RECORD_TRAITS}


def iter_chunks(
    seed_seq: np.random.SeedSequence,
    ids: np.ndarray,
    traits: dict[str, np.ndarray],
    counters: Counters,
    chunk: int = CHUNK_CLIENTS,
) -> Iterator[dict[str, pa.Table]]:
    """The six tables for successive chunks of the clients, in SK_ID_CURR order."""
    order = np.argsort(ids, kind="stable")
    ids = np.asarray(ids, dtype=np.int64)[order]
    traits = {k: np.asarray(v)[order] for k, v in traits.items()}
    n_chunks = max(1, -(-len(ids) // chunk))
    for i, seq in enumerate(seed_seq.spawn(n_chunks)):
        part = slice(i * chunk, (i + 1) * chunk)
        rng = np.random.default_rng(seq)
        scores = client_scores(rng, {k: v[part] for k, v in traits.items()})
        bureau, balance = draw_bureau(rng, ids[part], scores, counters.bureau)
        counters.bureau += bureau.num_rows
        tables, used = draw_previous(rng, ids[part], scores, counters.prev)
        counters.prev += used
        yield {"bureau": bureau, "bureau_balance": balance, **tables}


def draw_records(
    seed_seq: np.random.SeedSequence,
    ids: np.ndarray,
    traits: dict[str, np.ndarray],
    counters: Counters | None = None,
) -> dict[str, pa.Table]:
    """All six tables of these clients at once (batches, tests); see :func:`iter_chunks`."""
    counters = Counters() if counters is None else counters
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLE_NAMES}
    for tables in iter_chunks(seed_seq, ids, traits, counters):
        for name, table in tables.items():
            parts[name].append(table)
    return {
        name: pa.concat_tables(parts[name]) if parts[name]
        else arrow_schema(TABLES[name]).empty_table()
        for name in TABLE_NAMES
    }
