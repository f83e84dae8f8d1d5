"""Load test: gunicorn on 127.0.0.1 and N simulated advisors for a bounded time; prints latencies.

Each advisor signs in through the real login form, then loops over what an advisor does on the
page: type a client number (the search suggestions callback), open the client (the page's score +
explanation callback and GET /api/clients/<id>), then every other callback the selected client
triggers on the page (the comparisons with past clients, similar clients, decision history), and
now and then score a raw record (POST /api/score). The Dash callbacks are driven through
``/_dash-update-component`` with bodies built from ``/_dash-dependencies`` and the rendered page's
component values, as the browser does.

Now and then an advisor also records a decision (the decision panel's callback), with a reason
unique to that click; at the end the log is read back: every decision the server confirmed must be
there exactly once.

``--instances N`` starts N gunicorn instances on different loopback ports that share one
PostgreSQL (``CREDIT_DATABASE_URL``) and one Redis (``CREDIT_REDIS_URL``), as several hosts
would; both are started by the script in a temporary folder (scripts/_services.sh) unless
``--database-url`` / ``--redis-url`` name running ones. Advisors are spread over the instances in
turn and the figures are reported per instance and in total.

The server gets its own throw-away users file, session key and API key in a temporary directory, so
the test needs no real credentials and leaves none behind. Only 127.0.0.1 is ever used.

    .venv/bin/python scripts/loadtest.py --users 20 --duration 120
    .venv/bin/python scripts/loadtest.py --instances 2 --users 200 --duration 120
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import requests

from credit_dashboard.config import APPLICANTS_TABLE, get_settings
from credit_dashboard.storage.decisions import DecisionStore
from credit_dashboard.web import auth
from credit_dashboard.web.pages.advisor import page as ids
from credit_dashboard.web.pages.advisor.components import compare, search
from credit_dashboard.web.pages.advisor.components import decision as decision_panel

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
DEFAULT_APP = "credit_dashboard.web.app:server"
REQUEST_TIMEOUT_S = 30


def procfile_app() -> str:
    """The WSGI app the Procfile serves, so the test runs what production runs."""
    try:
        text = (ROOT / "Procfile").read_text(encoding="utf-8")
    except OSError:
        return DEFAULT_APP
    match = re.search(r"^web:\s*(.+)$", text, flags=re.MULTILINE)
    tokens = shlex.split(match.group(1)) if match else []
    return next((t for t in reversed(tokens) if re.fullmatch(r"[\w.]+:\w+", t)), DEFAULT_APP)


def free_port() -> int:
    """A free loopback port: from ``CREDIT_SERVICES_PORTS=FIRST-LAST`` when set (as
    scripts/_services.sh does for PostgreSQL and Redis), else any the kernel gives."""
    wanted = os.environ.get("CREDIT_SERVICES_PORTS", "").strip()
    first, last = (int(p) for p in wanted.split("-")) if wanted else (0, 0)
    for port in range(first, last + 1) if first else [0]:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            if port in _TAKEN:
                continue
            _TAKEN.add(probe.getsockname()[1])
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in {wanted}")


#: Ports handed out already (a server may not be listening on them yet).
_TAKEN: set[int] = set()


# ------------------------------------------------------------------------------------ recording


@dataclass
class Recorder:
    """Latencies and errors per action, shared by the advisor threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    #: Dash answers 204 when a callback changes nothing: counted, so a run doing no work shows.
    no_content: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: Requests resent once because the server had just closed the idle kept-alive connection.
    resent: int = 0
    #: Reasons of the decisions the server said it recorded (each unique).
    recorded: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, action: str, session: requests.Session, method: str, url: str, **kwargs):
        started, retried = time.perf_counter(), False
        while True:
            try:
                response = session.request(method, url, timeout=REQUEST_TIMEOUT_S, **kwargs)
                ok = response.status_code < 400
                problem = f"{action}: HTTP {response.status_code} {response.text[:120]!r}"
            except requests.ConnectionError as exc:
                if not retried and _closed_idle_connection(exc):
                    # gunicorn closed a kept-alive connection as the request left: browsers
                    # resend once in that case, so does this client (counted, and the log is
                    # checked for crashed workers, which this could otherwise hide).
                    retried = True
                    continue
                response, ok, problem = None, False, f"{action}: {exc!r}"[:200]
            except requests.RequestException as exc:
                response, ok, problem = None, False, f"{action}: {exc!r}"[:200]
            break
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[action].append(elapsed)
            self.resent += retried
            if response is not None and response.status_code == 204:
                self.no_content[action] += 1
            if not ok:
                self.errors[action] += 1
                if len(self.error_examples) < 10:
                    self.error_examples.append(problem)
        return response if ok else None


def _closed_idle_connection(exc: requests.ConnectionError) -> bool:
    """The server closed the connection before answering: the keep-alive race, not a failure."""
    text = repr(exc)
    return "RemoteDisconnected" in text or "ConnectionResetError" in text


def server_problems(log_path: Path) -> dict[str, int]:
    """Crashed or timed-out workers and tracebacks in the gunicorn log (all must be zero)."""
    text = log_path.read_text(errors="replace")
    return {
        "worker timeouts": text.count("WORKER TIMEOUT"),
        "workers exited": len(re.findall(r"Worker \(pid:\d+\) (?:exited|was sent SIGKILL)", text)),
        "tracebacks": text.count("Traceback (most recent call last)"),
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# ------------------------------------------------------------------------------ dash callbacks


class DashCallbacks:
    """Build ``/_dash-update-component`` bodies from the app's own dependency list.

    Pattern-matching callbacks (dict ids, ``ALL``) are left out: the browser expands them against
    the components on screen, which this client does not reproduce.
    """

    def __init__(self, dependencies: list[dict]) -> None:
        self.by_first_output: dict[str, dict] = {}
        for dep in dependencies:
            if "{" in dep["output"] or any(i["id"].startswith("{") for i in dep["inputs"]):
                continue
            first = self.outputs(dep)[0]
            self.by_first_output[f"{first['id']}.{first['property']}"] = dep

    @staticmethod
    def outputs(dep: dict) -> list[dict[str, str]]:
        output = dep["output"]
        parts = output.strip(".").split("...") if output.startswith("..") else [output]
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]

    def triggered_by(self, prop: str) -> dict[str, dict]:
        """Callbacks with ``prop`` ("id.property") among their inputs, by first output."""
        return {
            first: dep for first, dep in self.by_first_output.items()
            if any(f"{i['id']}.{i['property']}" == prop for i in dep["inputs"])
        }

    def body(self, first_output: str, values: dict[str, object], changed: str) -> dict:
        dep = self.by_first_output[first_output]
        outputs = self.outputs(dep)

        def fill(items: list[dict]) -> list[dict]:
            return [
                {"id": i["id"], "property": i["property"],
                 "value": values.get(f"{i['id']}.{i['property']}")}
                for i in items
            ]

        return {
            "output": dep["output"],
            "outputs": outputs if dep["output"].startswith("..") else outputs[0],
            "inputs": fill(dep["inputs"]),
            "state": fill(dep.get("state", [])),
            "changedPropIds": [changed],
        }


def component_values(tree: object, values: dict[str, object] | None = None) -> dict[str, object]:
    """Every "id.property" -> value in a rendered layout: what the browser sends as inputs."""
    values = {} if values is None else values
    if isinstance(tree, list):
        for item in tree:
            component_values(item, values)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                for name, value in props.items():
                    values[f"{props['id']}.{name}"] = value
            for value in props.values():
                component_values(value, values)
    return values


def merge_answer(values: dict[str, object], answer: dict) -> None:
    """Apply a callback's answer to the page state, as the renderer does."""
    for component, props in answer.get("response", {}).items():
        for name, value in props.items():
            values[f"{component}.{name}"] = value


# ------------------------------------------------------------------------------------ advisors


@dataclass
class Scenario:
    base: str
    client_ids: list[int]
    records: list[dict]
    callbacks: DashCallbacks
    #: The advisor page's components as first rendered ("id.property" -> value).
    page_values: dict[str, object]
    think_s: float
    deadline: float
    recorder: Recorder
    #: Share of an advisor's rounds that end with a recorded decision.
    decide_share: float = 0.2
    #: Seconds over which the advisors arrive (advisor k of n starts at k/n of it).
    ramp_up_s: float = 0.0
    n_advisors: int = 1


def sign_in(base: str, username: str, password: str, recorder: Recorder) -> requests.Session:
    """A session signed in through the login form, as a browser does (CSRF token included)."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=REQUEST_TIMEOUT_S)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": username, "password": password, "csrf_token": token}
    response = recorder.call(
        "login", session, "POST", f"{base}/login", data=form, allow_redirects=False
    )
    if response is None or response.status_code != 302:
        raise RuntimeError("sign-in failed: check the server log")
    return session


#: (user name, password, API key) of one simulated advisor.
Account = tuple[str, str, str]


def advisor(scenario: Scenario, seed: int, account: Account, rank: int = 0) -> None:
    # Advisors arrive over the ramp-up, as a branch opens, instead of all signing in within the
    # same millisecond (a burst no real day has, which measures the queue, not the service).
    time.sleep(scenario.ramp_up_s * rank / max(scenario.n_advisors, 1))
    try:
        _advise(scenario, seed, account)
    except Exception as exc:  # one broken advisor is an error to report, not a silent thread death
        with scenario.recorder.lock:
            scenario.recorder.errors["advisor stopped"] += 1
            scenario.recorder.error_examples.append(f"advisor stopped: {exc!r}"[:200])


ACTION_NAMES = {
    f"{ids.MESSAGE}.children": "client (dash)",
    f"{compare.GRAPH}.figure": "compare (dash)",
    f"{compare.SCATTER_GRAPH}.figure": "compare 2D (dash)",
}


def _advise(scenario: Scenario, seed: int, account: Account) -> None:
    rng = random.Random(seed)
    call, base, callbacks = scenario.recorder.call, scenario.base, scenario.callbacks
    username, password, api_key = account
    session = sign_in(base, username, password, scenario.recorder)
    api = requests.Session()  # the API key client: no cookies
    api.headers[auth.API_KEY_HEADER] = api_key
    dash_url = f"{base}/_dash-update-component"
    search_box, store = f"{search.INPUT}.value", f"{ids.CLIENT_STORE}.data"
    first = f"{ids.MESSAGE}.children"
    # Everything the page recomputes when the selected client changes, the page's own first.
    on_client = callbacks.triggered_by(store)
    followers = [output for output in on_client if output != first]
    # Panels that pick a value (the compare panel's features) first: their graphs read it.
    followers.sort(key=lambda output: not output.endswith(".value"))

    # The callback the decision form's button triggers (its first output), if the page has one.
    decide = next(iter(callbacks.triggered_by(f"{decision_panel.SUBMIT}.n_clicks")), None)
    rounds = 0

    def think() -> None:
        if scenario.think_s > 0:
            time.sleep(rng.uniform(0.5, 1.5) * scenario.think_s)

    while time.monotonic() < scenario.deadline:
        page = dict(scenario.page_values)
        client = str(rng.choice(scenario.client_ids))
        # search: the suggestions while typing the first digits, then the whole number
        for typed in (client[:3], client):
            page[search_box] = typed
            body = callbacks.body(f"{search.SUGGESTIONS}.children", page, search_box)
            call("search (dash)", session, "POST", dash_url, json=body)
        think()
        # score + explain: the page's callback (gauge, decision, waterfall, readings) and the API
        page[store] = client
        shown = call(ACTION_NAMES[first], session, "POST", dash_url,
                     json=callbacks.body(first, page, store))
        if shown is not None and shown.status_code == 200:
            merge_answer(page, shown.json())
        call("score+explain (api)", session, "GET", f"{base}/api/clients/{client}")
        # compare, similar clients, decision history...: every other panel following the client
        # (each panel's answer is kept: the compare panel's picked features feed its graphs)
        for output in followers:
            answer = call(ACTION_NAMES.get(output, f"panel {output.split('.')[0]} (dash)"),
                          session, "POST", dash_url, json=callbacks.body(output, page, store))
            if answer is not None and answer.status_code == 200:
                merge_answer(page, answer.json())
        think()
        if rng.random() < 0.25:
            record = rng.choice(scenario.records)
            call("score record (api)", api, "POST", f"{base}/api/score", json=record)
        if decide is not None and rng.random() < scenario.decide_share:
            rounds += 1
            reason = f"loadtest {seed}-{rounds}: income checked on payslips"
            page[f"{decision_panel.CHOICE}.value"] = "refuse"
            page[f"{decision_panel.REASON}.value"] = reason
            page[f"{decision_panel.SUBMIT}.n_clicks"] = rounds
            answer = call("record decision (dash)", session, "POST", dash_url,
                          json=callbacks.body(decide, page, f"{decision_panel.SUBMIT}.n_clicks"))
            if answer is not None and decision_panel.RECORDED in answer.text:
                with scenario.recorder.lock:
                    scenario.recorder.recorded.append(reason)
            elif answer is not None:
                with scenario.recorder.lock:
                    scenario.recorder.errors["record decision (dash)"] += 1
                    scenario.recorder.error_examples.append(f"not recorded: {answer.text[:150]}")
        think()


# --------------------------------------------------------------------------------------- server


def start_gunicorn(args: argparse.Namespace, port: int, env: dict[str, str], log_path: Path):
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--timeout", "120",
        "--bind", f"{HOST}:{port}",
        # The default control socket (~/.gunicorn/gunicorn.ctl) is shared by every gunicorn of
        # the account: a test server must not take it over from a real one.
        "--no-control-socket",
        procfile_app(),
    ]
    print(f"==> starting: {' '.join(command)}", flush=True)
    log_file = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)


#: Consecutive "ready" answers, each on a new connection, before the load starts: the workers
#: answer in turn, so this many in a row means every worker has finished loading.
READY_STREAK = 20


def wait_until_ready(base: str, server: subprocess.Popen, timeout_s: float, log_path: Path):
    """Seconds until the workers answer and have loaded the past clients (steady state)."""
    started, streak, answering = time.monotonic(), 0, None
    while time.monotonic() - started < timeout_s:
        if server.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{tail}")
        try:
            health = requests.get(f"{base}/api/health", timeout=5)
            ready = health.status_code == 200 and health.json().get("ready") is True
            if health.status_code == 200 and answering is None:
                answering = time.monotonic() - started
                print(f"==> answering after {answering:.1f}s; waiting for the past clients",
                      flush=True)
        except requests.RequestException:
            ready = False
        streak = streak + 1 if ready else 0
        if streak >= READY_STREAK:
            return time.monotonic() - started
        time.sleep(0.05 if ready else 1)
    raise RuntimeError(f"the server was not ready after {timeout_s:.0f}s (log: {log_path})")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of master and workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def sample_clients(data_dir: Path, n: int, seed: int) -> tuple[list[int], list[dict]]:
    table = pd.read_parquet(data_dir / APPLICANTS_TABLE)
    sample = table.sample(n=min(n, len(table)), random_state=seed)
    records = json.loads(sample.head(50).to_json(orient="records", double_precision=15))
    return [int(i) for i in sample["SK_ID_CURR"]], records


def advisor_page(base: str, browser: requests.Session) -> tuple[DashCallbacks, dict[str, object]]:
    """The callbacks and the advisor page as the browser first gets them (the router's answer)."""
    callbacks = DashCallbacks(browser.get(f"{base}/_dash-dependencies", timeout=30).json())
    values = {"url.pathname": "/", "url.search": ""}
    body = callbacks.body("page-content.children", values, "url.pathname")
    answer = browser.post(f"{base}/_dash-update-component", json=body, timeout=60)
    answer.raise_for_status()
    return callbacks, component_values(answer.json()) | values


def _table(recorder: Recorder) -> tuple[list[float], int]:
    """Print one recorder's per-action lines; returns every latency (login aside) and errors."""
    print(f"{'action':<34}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'204s':>6}")
    every: list[float] = []
    for action, values in sorted(recorder.latencies.items()):
        if action == "login":
            continue  # once per advisor, a deliberately slow password hash: not page latency
        every.extend(values)
        print(f"{action:<34}{len(values):>9}{recorder.errors.get(action, 0):>8}"
              f"{percentile(values, 50) * 1000:>9.0f}{percentile(values, 95) * 1000:>9.0f}"
              f"{max(values) * 1000:>9.0f}{recorder.no_content.get(action, 0):>6}")
    errors = sum(recorder.errors.values())
    print(f"{'all':<34}{len(every):>9}{errors:>8}{percentile(every, 50) * 1000:>9.0f}"
          f"{percentile(every, 95) * 1000:>9.0f}{max(every, default=float('nan')) * 1000:>9.0f}")
    for example in recorder.error_examples:
        print(f"  error: {example}")
    return every, errors


def report(recorders: dict[str, Recorder], wall_s: float, args: argparse.Namespace,
           logs: dict[str, Path], store: DecisionStore) -> bool:
    print(f"\n{args.users} advisors over {len(recorders)} instance(s), {wall_s:.0f}s "
          f"(arrivals over {args.ramp_up:g}s), think time {args.think:g}s, "
          f"gunicorn {args.workers} workers x {args.threads} threads each")
    every: list[float] = []
    errors = resent = 0
    problems_total: dict[str, int] = defaultdict(int)
    recorded: list[str] = []
    for name, recorder in recorders.items():
        print(f"\n-- instance {name}")
        latencies, instance_errors = _table(recorder)
        every += latencies
        errors += instance_errors
        resent += recorder.resent
        recorded += recorder.recorded
        problems = server_problems(logs[name])
        for key, count in problems.items():
            problems_total[key] += count
        print(f"throughput: {len(latencies) / wall_s:.1f} requests/s; decisions confirmed: "
              f"{len(recorder.recorded)}; server log: "
              + ", ".join(f"{key} {count}" for key, count in problems.items()))
    p95 = percentile(every, 95) * 1000
    print(f"\n-- total: {len(every)} requests, {errors} errors, p50 "
          f"{percentile(every, 50) * 1000:.0f} ms, p95 {p95:.0f} ms, max "
          f"{max(every, default=float('nan')) * 1000:.0f} ms, {len(every) / wall_s:.1f} requests/s")
    print(f"resent after a closed keep-alive connection: {resent}; server logs: "
          + ", ".join(f"{key} {count}" for key, count in problems_total.items()))
    # Every decision the servers confirmed is in the log, once; none the servers did not confirm.
    in_log = [row["reason"] for row in csv.DictReader(io.StringIO(store.export_csv_text()))]
    stored = [reason for reason in in_log if reason.startswith("loadtest ")]
    duplicates = len(stored) - len(set(stored))
    missing = len(set(recorded) - set(stored))
    print(f"decisions: {len(recorded)} confirmed, {len(stored)} in the log ({store.location}), "
          f"{missing} missing, {duplicates} duplicated")
    decisions_ok = missing == 0 and duplicates == 0 and len(stored) == len(recorded)
    if args.decide_share > 0 and not recorded:
        print("no decision was confirmed: the decision form was not driven")
        decisions_ok = False
    met = (errors == 0 and not any(problems_total.values()) and p95 <= args.target_p95_ms
           and decisions_ok)
    print(f"target (0 errors, p95 <= {args.target_p95_ms:g} ms, every decision once): "
          f"{'met' if met else 'NOT met'}")
    return met


# ---------------------------------------------------------------------------- shared servers


def _services(command: str, *args: str) -> str:
    """Run a function of scripts/_services.sh; returns its last output line."""
    script = (f'source "{ROOT}/scripts/_services.sh"; {command} "$@"; '
              'echo "${PG_URL:-}${REDIS_URL:-}"')
    done = subprocess.run(["bash", "-c", script, "_", *args], capture_output=True, text=True,
                          env=os.environ | {"PYTHON_FOR_PORTS": sys.executable})
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed: {done.stderr.strip()[-2000:]}")
    lines = done.stdout.strip().splitlines() or [""]
    if len(lines) > 1:
        print(lines[0], flush=True)
    return lines[-1]


def start_shared_servers(args: argparse.Namespace, tmp: Path, stops: list) -> None:
    """PostgreSQL and Redis in ``tmp`` unless given by URL; their stop commands go to ``stops``."""
    if args.database_url is None:
        url = _services("start_postgres", str(tmp))
        stops.append(("stop_postgres", str(tmp)))
        import sqlalchemy as sa

        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE credit")
        admin.dispose()
        args.database_url = sa.make_url(url).set(database="credit").render_as_string(False)
    if args.redis_url is None:
        args.redis_url = _services("start_redis", str(tmp))
        stops.append(("stop_redis", args.redis_url.rsplit(":", 1)[1].split("/")[0], str(tmp)))


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent advisors")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--think", type=float, default=10.0,
                        help="mean pause between an advisor's three steps (search, read the "
                        "client, decide), seconds; 10 s means a client every ~30 s per advisor, "
                        "faster than a real advisor reads one (0 = flat out)")
    parser.add_argument("--ramp-up", type=float, default=30.0,
                        help="seconds over which the advisors arrive (0 = all at once)")
    parser.add_argument("--instances", type=int, default=1,
                        help="gunicorn instances sharing one database and one Redis")
    parser.add_argument("--database-url", default=None,
                        help="shared database (default: a PostgreSQL started here when "
                        "--instances > 1, else an SQLite file in a temporary folder)")
    parser.add_argument("--redis-url", default=None,
                        help="shared Redis (default: one started here when --instances > 1)")
    parser.add_argument("--decide-share", type=float, default=0.2,
                        help="share of an advisor's rounds ending with a recorded decision")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir)
    parser.add_argument("--artifacts-dir", type=Path, default=settings.artifacts_dir)
    parser.add_argument("--startup-timeout", type=float, default=600)
    parser.add_argument("--target-p95-ms", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.users < 1 or args.duration <= 0 or args.instances < 1:
        parser.error("--users and --instances must be >= 1 and --duration > 0")
    if args.think < 0 or args.ramp_up < 0:
        parser.error("--think and --ramp-up must be >= 0 seconds")

    # A stopped run (kill, Ctrl-C) still stops its gunicorns and the servers it started.
    signal.signal(signal.SIGTERM, _interrupt)
    client_ids, records = sample_clients(args.data_dir, 2000, args.seed)
    stops: list[tuple[str, ...]] = []
    servers: dict[str, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory(prefix="credit-loadtest-") as tmp:
        try:
            if args.instances > 1:
                start_shared_servers(args, Path(tmp), stops)
            users_file = Path(tmp) / "users.json"
            # One account and one API key per advisor, as in a real branch: per-user and per-key
            # rate limits then apply as they would to people.
            accounts: list[Account] = [
                (f"advisor{i:03d}", auth.add_user(users_file, f"advisor{i:03d}"),
                 auth.add_api_key(users_file, f"advisor{i:03d}"))
                for i in range(args.users)
            ]
            env = os.environ | {
                "CREDIT_USERS_FILE": str(users_file),
                # One key for every instance: a session signed by one is valid on the others.
                "CREDIT_SECRET_KEY": os.urandom(32).hex(),
                "CREDIT_DATA_DIR": str(args.data_dir.resolve()),
                "CREDIT_ARTIFACTS_DIR": str(args.artifacts_dir.resolve()),
                "CREDIT_HOST": HOST,
                # The log is written here: keep it out of the data directory.
                "CREDIT_DECISIONS_DB": str(Path(tmp) / "decisions.sqlite3"),
            }
            for name, value in (("CREDIT_DATABASE_URL", args.database_url),
                                ("CREDIT_REDIS_URL", args.redis_url)):
                if value:
                    env[name] = value
                else:
                    env.pop(name, None)
            env.pop("CREDIT_AUTH_DISABLED", None)
            bases, logs = {}, {}
            for i in range(args.instances):
                port = free_port()
                name = f"{i + 1} (:{port})"
                bases[name] = f"http://{HOST}:{port}"
                logs[name] = Path(tempfile.mkstemp(prefix="credit-loadtest-", suffix=".log")[1])
                servers[name] = start_gunicorn(args, port, env, logs[name])
            for name, base in bases.items():
                ready = wait_until_ready(base, servers[name], args.startup_timeout, logs[name])
                print(f"==> instance {name} ready after {ready:.1f}s", flush=True)
            first = next(iter(bases.values()))
            with sign_in(first, accounts[0][0], accounts[0][1], Recorder()) as browser:
                callbacks, page_values = advisor_page(first, browser)
            recorders = {name: Recorder() for name in bases}
            deadline = time.monotonic() + args.ramp_up + args.duration
            scenarios = [
                Scenario(base, client_ids, records, callbacks,
                         page_values, args.think, deadline, recorders[name], args.decide_share,
                         ramp_up_s=args.ramp_up, n_advisors=args.users)
                for name, base in bases.items()
            ]
            print(f"==> {args.users} advisors for {args.duration:g}s over "
                  f"{len(scenarios)} instance(s)", flush=True)
            started = time.monotonic()
            threads = [threading.Thread(target=advisor, args=(
                scenarios[i % len(scenarios)], args.seed + i, accounts[i], i))
                for i in range(args.users)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - started
            store = DecisionStore(url=args.database_url) if args.database_url else DecisionStore(
                Path(tmp) / "decisions.sqlite3")
            met = report(recorders, wall, args, logs, store)
        finally:
            for server in servers.values():
                stop(server)
            print(f"==> gunicorn stopped (logs: {', '.join(str(p) for p in logs.values())})"
                  if servers else "==> no gunicorn started")
            for command, *rest in stops:
                _services(command, *rest)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
