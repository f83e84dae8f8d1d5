"""Check the decision log for an audit: the whole hash chain, and a sample of decisions replayed.

    python scripts/verify_decisions.py                     # the app's log and models
    python scripts/verify_decisions.py --all               # replay every decision with inputs
    python scripts/verify_decisions.py --db decisions.sqlite3 --artifacts artifacts --seed 7
    python scripts/verify_decisions.py --database-url postgresql+psycopg://user@host/credit

Every record (decisions, review requests, review outcomes) is checked against its hash and its
link to the one before: a record altered, removed, reordered or written around the log is named.
Then a sample of the decisions stored with their input row is re-scored with the model version
each names (from the artifacts folder): the probability must equal the recorded one to 1e-9 and
the model's recommendation must be the recorded one.

The summary gives the chain's head (the newest record's hash): note it, and pass it with
``--anchor`` next time; a removal of the newest records leaves no hole in the chain, only a noted
head shows it (on SQLite the ids already issued show it too).

Exit 0 with a one-paragraph summary on stdout when all is well; exit 1 naming every bad record
(on stdout, after the summary) otherwise. A decision whose model version is not in the artifacts
folder ("cannot replay: version X not found") also fails the check, as it cannot be shown to be
reproducible: pass ``--allow-missing-versions`` to accept those (e.g. on a copy of the log
without every model). Exit 2: the log or the folder cannot be read.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from credit_dashboard.config import get_settings
from credit_dashboard.services.decision_audit import DEFAULT_SAMPLE, audit
from credit_dashboard.storage.decisions import DecisionStore, DecisionStoreError

logger = logging.getLogger("verify_decisions")


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an SQLAlchemy URL (default: the app's log, "
                       "CREDIT_DATABASE_URL or the SQLite file beside its data)")
    where.add_argument("--db", type=Path, help="an SQLite decision log file")
    parser.add_argument("--artifacts", type=Path, default=settings.artifacts_dir,
                        help="the folder of model versions (default: %(default)s)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--sample", type=int, default=DEFAULT_SAMPLE,
                      help="decisions replayed, picked at random (default: %(default)s)")
    size.add_argument("--all", action="store_true", help="replay every decision with inputs")
    parser.add_argument("--seed", type=int, help="the sample's seed (default: random, logged)")
    parser.add_argument("--allow-missing-versions", action="store_true",
                        help="do not fail on decisions whose model version is not found")
    parser.add_argument("--anchor", action="append", default=[], metavar="HASH",
                        help="a chain head printed by an earlier run: it must still be in the "
                             "chain (shows records removed from its end); repeatable")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.sample is not None and args.sample < 0:
        parser.error("--sample must be 0 or more")
    if args.db is not None:
        if not args.db.is_file():
            logger.error("%s: no such decision log", args.db)
            return 2
        store = DecisionStore(args.db)
    elif args.database_url:
        store = DecisionStore(url=args.database_url)
    else:
        store = DecisionStore.for_settings(settings)
    if not args.artifacts.is_dir():
        logger.error("%s: no such artifacts folder (pass --artifacts)", args.artifacts)
        return 2
    try:
        report = audit(store, args.artifacts, sample=None if args.all else args.sample,
                       seed=args.seed, allow_missing_versions=args.allow_missing_versions,
                       anchors=args.anchor)
    except DecisionStoreError as exc:
        logger.error("%s", exc)
        return 2
    sys.stdout.write(report.summary() + "\n")
    # Every record named, also the accepted missing versions (the auditor sees which they are).
    for line in report.problems:
        sys.stdout.write(f"- {line}\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
