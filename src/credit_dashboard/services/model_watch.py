"""Every running worker follows ``active.json``: a newly activated model version is served within
seconds, without a restart; a broken one is refused and the previous one keeps serving.

A :class:`~credit_dashboard.services.background.Poller` (one per process, restarted in forked
workers) compares ``model.versions.pointer_signature`` every ``CREDIT_MODEL_POLL_SECONDS``
(default 1 s). When the pointer names a version other than the one served, the version is prepared
completely in the poller's thread, off the request path (``services.served_version``: model and
card verified, tables read, the client tables' columns checked, one applicant scored), and only
then swapped into the scoring service in one assignment. Requests never wait for a load.

What follows the switch by itself: the results cache (keyed by version), the decision log and the
API (they record the version of the result they show), the similar clients' out-of-fold scores and
the drift summary (parts of the served version). A refused version is one error line in the log;
the watch goes on, so a later good activation (or a rollback: the same command) still switches.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from credit_dashboard.config import Settings
from credit_dashboard.model.versions import pointer_signature, version_dir
from credit_dashboard.services.background import Poller
from credit_dashboard.services.scoring import ScoringService
from credit_dashboard.services.served_version import prepare_version
from credit_dashboard.services.startup import history_columns

logger = logging.getLogger(__name__)


class ModelWatcher:
    """Switches one scoring service to whichever version the artifacts' pointer names."""

    def __init__(self, settings: Settings, scoring: ScoringService) -> None:
        self.settings = settings
        self.scoring = scoring
        # None at first: the first look compares the pointer's version with the served one, so a
        # switch made while this process was starting is not missed.
        self._seen: tuple[int, int, str] | None = None
        self._lock = threading.Lock()
        self._poller: Poller[ModelWatcher] | None = None
        #: Versions switched to, and the last refusal (for tests and the health of the watch).
        self.switches: list[str] = []
        self.last_refusal: str | None = None
        #: Seconds the last successful switch took to prepare the version.
        self.last_prepare_seconds: float | None = None

    def start(self, interval: float) -> ModelWatcher:
        """Poll every ``interval`` seconds in this process and every process forked from it."""
        self._poller = Poller(self, "model-watcher", interval, ModelWatcher.check,
                              after_fork=ModelWatcher._after_fork).start()
        return self

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()  # the parent's poller may have held it at the fork

    def check(self) -> bool:
        """Look at the pointer once; True when the service now serves another version."""
        with self._lock:
            signature = pointer_signature(self.settings.artifacts_dir)
            if signature == self._seen:
                return False
            self._seen = signature
            if signature is None:
                logger.warning("pid %d: %s/active.json is gone or unreadable; still serving "
                               "model version %s", os.getpid(), self.settings.artifacts_dir,
                               self.scoring.model_version)
                return False
            wanted = signature[2]
            if wanted == self.scoring.model_version:
                return False
            return self._switch(wanted)

    def _switch(self, wanted: str) -> bool:
        serving = self.scoring.model_version
        started = time.perf_counter()
        try:
            client_tables = {
                str(self.settings.applicants_path): list(self.scoring.applicants.columns),
                str(self.settings.train_path): history_columns(self.settings.train_path,
                                                               self.settings),
            }
            applicants = self.scoring.applicants
            trial_row = applicants.iloc[:1] if len(applicants) else None
            served = prepare_version(version_dir(self.settings.artifacts_dir, wanted),
                                     client_tables, trial_row)
        except Exception as exc:  # whatever breaks a version refuses it; the watch goes on
            self.last_refusal = f"{wanted}: {exc}"
            logger.error("pid %d: model version %s refused, still serving %s: %s",
                         os.getpid(), wanted, serving, exc)
            return False
        self.last_prepare_seconds = time.perf_counter() - started
        self.scoring.swap(served)
        self.switches.append(served.version)
        logger.info("pid %d: now serving model version %s (was %s; prepared in %.2fs)",
                    os.getpid(), served.version, serving, self.last_prepare_seconds)
        return True
