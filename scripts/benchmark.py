"""Benchmark the dashboard on the full default data: prints figures, asserts nothing.

1. Start-up: starts ``python -m credit_dashboard`` in a subprocess and polls until the advisor page
   answers, then asks the advisor page's main callback for one client (as the browser would) and
   reports when the first explained client came back.
2. Per-client latency of the advisor page's computations, server-side, over many random clients:
   the very functions the callbacks call (score + explanation, profile, gauge, waterfall, readings,
   comparison, bivariate plot), cache bypassed, next to the floor (the model's own predict +
   contributions for the same row) as a ratio.
3. Peak RSS of the app process (VmHWM) after it served some clients.

Usage: ``.venv/bin/python scripts/benchmark.py [--clients 300] [--data data]
[--artifacts artifacts]``
Targets (issue 4): first explained client <= 5 s after start, p95 <= 30 ms and <= 3x the floor,
RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 300
#: Times each client is timed (the per-client minimum is reported, see measure_per_client).
REPEATS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _post_json(url: str, payload: dict, timeout: float = 30.0) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _callback(base: str, inputs: list[str], output: str) -> dict:
    """A callback of the advisor page, found in Dash's dependency list by its inputs and output."""
    status, body = _get(f"{base}/_dash-dependencies")
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    for callback in json.loads(body):
        names = [f"{i['id']}.{i['property']}" for i in callback["inputs"]]
        if names == inputs and output in callback["output"]:
            return callback
    raise RuntimeError(f"no callback with inputs {inputs} and output {output}")


def _callbacks_on(base: str, inputs: list[str]) -> list[dict]:
    """Every callback of the advisor page that has exactly these inputs (the panels following the
    client store fire together when the client changes)."""
    status, body = _get(f"{base}/_dash-dependencies")
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    found = [c for c in json.loads(body)
             if [f"{i['id']}.{i['property']}" for i in c["inputs"]] == inputs]
    if not found:
        raise RuntimeError(f"no callback with inputs {inputs}")
    return found


def _call_over_http(base: str, callback: dict, values: list[object]) -> bytes:
    """POST one callback as the browser does; returns the answer's body."""
    parts = callback["output"].strip(".").split("...")
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    inputs = [dict(i, value=v) for i, v in zip(callback["inputs"], values, strict=True)]
    payload = {
        "output": callback["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in callback["inputs"]],
        "state": [],
    }
    status, body = _post_json(f"{base}/_dash-update-component", payload)
    if status != 200:
        raise RuntimeError(f"the callback answered {status}: {body[:200]!r}")
    return body


def stop_app(process: subprocess.Popen) -> None:
    """Stop the app as Ctrl-C would, killing it if it does not stop within ten seconds."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def status_mb(pid: int, field: str) -> float:
    """A memory line of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``, ...) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class RunningApp:
    """``python -m credit_dashboard`` started by :func:`start_app`; stop it with
    :meth:`close`."""

    process: subprocess.Popen
    base: str
    log: IO[str]
    started: float
    first_page_s: float

    def close(self) -> None:
        stop_app(self.process)
        self.log.close()


def start_app(data_dir: Path, artifacts_dir: Path) -> RunningApp:
    """Start the app on a free port and wait for its first page (logins off: the security
    suite measures them; here the pages themselves are timed)."""
    port = _free_port()
    env = {
        **os.environ,
        "CREDIT_DATA_DIR": str(data_dir),
        "CREDIT_ARTIFACTS_DIR": str(artifacts_dir),
        "CREDIT_HOST": "127.0.0.1",
        "PORT": str(port),
        "CREDIT_AUTH_DISABLED": "1",
    }
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    # The app logs every request: into a file, since an unread pipe fills up and stalls the app.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by RunningApp.close
    process = subprocess.Popen(
        [sys.executable, "-m", "credit_dashboard"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=log, text=True,
    )
    try:
        while time.perf_counter() - started < STARTUP_TIMEOUT_S:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the app stopped during start-up:\n{log.read()[-4000:]}")
            try:
                status, _ = _get(f"{base}/", timeout=2)
            except OSError:
                time.sleep(0.05)
                continue
            if status == 200:
                return RunningApp(process, base, log, started, time.perf_counter() - started)
            time.sleep(0.05)
        raise RuntimeError(f"no page after {STARTUP_TIMEOUT_S} s")
    except BaseException:
        stop_app(process)
        log.close()
        raise


def measure_startup(data_dir: Path, artifacts_dir: Path, client_ids: list[str]) -> dict:
    app = start_app(data_dir, artifacts_dir)
    base, started = app.base, app.started
    try:
        store = ["advisor-client-id.data"]
        # The panels that follow the client (page message, profile, score, explanation, compare's
        # picked features): the browser sends them together; here one after the other.
        on_client = _callbacks_on(base, store)
        explain = _callback(base, store, "explanation-waterfall.figure")
        pick = _callback(base, store, "compare-feature.value")
        compare = _callback(base, ["compare-feature.value", *store], "compare-graph.figure")
        _call_over_http(base, explain, [client_ids[0]])
        first_client = time.perf_counter() - started
        answer = json.loads(_call_over_http(base, pick, [client_ids[0]]))
        feature = answer["response"]["compare-feature"]["value"]
        # Waits for the past clients loaded in the background.
        _call_over_http(base, compare, [feature, client_ids[0]])
        comparisons_ready = time.perf_counter() - started
        http_ms = []
        for client_id in client_ids[1:51]:
            tick = time.perf_counter()
            for callback in on_client:
                _call_over_http(base, callback, [client_id])
            http_ms.append((time.perf_counter() - tick) * 1000)
        return {
            "first_page_s": app.first_page_s,
            "first_client_s": first_client,
            "comparisons_ready_s": comparisons_ready,
            "http_p50_ms": statistics.median(http_ms),
            "http_p95_ms": float(np.percentile(http_ms, 95)),
            "peak_rss_mb": status_mb(app.process.pid, "VmHWM"),
        }
    finally:
        app.close()


def measure_per_client(data_dir: Path, artifacts_dir: Path, n_clients: int, seed: int) -> dict:
    """Time the advisor page's computations in-process, cache bypassed, next to the floor."""
    from plotly.io.json import to_json_plotly

    from credit_dashboard.config import Settings
    from credit_dashboard.figures.score import gauge
    from credit_dashboard.services.container import load_services
    from credit_dashboard.web.pages.advisor.components import compare, explanation, profile, score

    services = load_services(
        Settings(data_dir=data_dir, artifacts_dir=artifacts_dir), background=False
    )
    scoring = services.scoring
    model = scoring.model
    ids = services.applicants["SK_ID_CURR"].to_numpy()
    chosen = np.random.default_rng(seed).choice(ids, size=n_clients, replace=False)

    def page(client_id: int) -> int:
        result = scoring.score_client(client_id, use_cache=False)
        row = scoring.applicant_row(client_id).iloc[0]
        feature, scatter_x, scatter_y = compare.default_features(services, result)
        outputs = [
            profile.profile_card(row),
            gauge(result.default_probability, result.decision_threshold),
            score.decision_block(result),
            explanation.client_waterfall(result),
            explanation.readings(services, result),
            compare.comparison_figure(services, result, feature),
            compare.bivariate_figure(services, result, scatter_x, scatter_y),
        ]
        # What Dash does before answering: the outputs as JSON (dash._utils.to_json).
        return len(to_json_plotly(outputs))

    def floor(client_id: int) -> None:
        row = scoring.applicant_row(client_id)
        model.default_probability(row)
        model.contributions(row)

    for client_id in chosen[:10]:  # warm-up (first calls import and allocate)
        page(client_id)
        floor(client_id)
    # Each client is timed REPEATS times, page and floor interleaved; the per-client minimum filters
    # out the other processes of a shared machine, the single runs show what they cost.
    page_runs, floor_runs = np.zeros((len(chosen), REPEATS)), np.zeros((len(chosen), REPEATS))
    for repeat in range(REPEATS):
        for index, client_id in enumerate(chosen):
            tick = time.perf_counter()
            floor(client_id)
            floor_runs[index, repeat] = (time.perf_counter() - tick) * 1000
            tick = time.perf_counter()
            page(client_id)
            page_runs[index, repeat] = (time.perf_counter() - tick) * 1000
    page_ms, floor_ms = page_runs.min(axis=1), floor_runs.min(axis=1)
    return {
        "n": len(chosen),
        "page_p50": float(np.percentile(page_ms, 50)),
        "page_p95": float(np.percentile(page_ms, 95)),
        "floor_p50": float(np.percentile(floor_ms, 50)),
        "floor_p95": float(np.percentile(floor_ms, 95)),
        "page_single_p50": float(np.percentile(page_runs, 50)),
        "page_single_p95": float(np.percentile(page_runs, 95)),
        "floor_single_p95": float(np.percentile(floor_runs, 95)),
        "n_applicants": len(ids),
        "n_history": len(services.history),
        "startup_steps": services.timings,
        "ids": [str(i) for i in chosen],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--clients", type=int, default=300, help="random clients timed (>= 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-switch", action="store_true",
                        help="only time how long 2 gunicorn workers take to serve a newly "
                             "activated version (scripts/benchmark_model_switch.py)")
    args = parser.parse_args(argv)

    missing = [p for p in (args.data / "application_train.parquet",
                           args.data / "application_test.parquet",
                           args.artifacts / "active.json") if not p.is_file()]
    if missing == [args.artifacts / "active.json"] and (args.artifacts / "model.joblib").is_file():
        missing = []  # a folder trained before model versions existed
    if missing:
        print("missing: " + ", ".join(str(p) for p in missing))
        print("create them first: bash scripts/run.sh (or scripts/make_data.py, then "
              "scripts/train.py), then run this again")
        return 1
    if args.model_switch:
        from benchmark_model_switch import main as model_switch

        return model_switch(["--data", str(args.data), "--artifacts", str(args.artifacts)])

    print(f"per-client latency over {args.clients} random clients x {REPEATS} (in-process, cache "
          "bypassed)...")
    per_client = measure_per_client(args.data, args.artifacts, args.clients, args.seed)
    print("start-up of the app in a subprocess...")
    startup = measure_startup(args.data, args.artifacts, per_client["ids"])

    ratio_p50 = per_client["page_p50"] / per_client["floor_p50"]
    ratio_p95 = per_client["page_p95"] / per_client["floor_p95"]
    steps = ", ".join(f"{k} {v:.2f}s" for k, v in per_client["startup_steps"].items())
    print()
    print(f"data: {per_client['n_history']:,} past clients, "
          f"{per_client['n_applicants']:,} applicants")
    print(f"start-up steps (in-process load_services): {steps}")
    print(f"start-up to first served page:        {startup['first_page_s']:6.2f} s")
    print(f"first explained client after start:   {startup['first_client_s']:6.2f} s"
          "   (target <= 5 s)")
    print(f"per client, best of {REPEATS} runs, over {per_client['n']} random clients:")
    print(f"  advisor page, server-side:          p50 {per_client['page_p50']:6.1f} ms   "
          f"p95 {per_client['page_p95']:6.1f} ms   (target p95 <= 30 ms)")
    print(f"  floor (predict + contributions):    p50 {per_client['floor_p50']:6.1f} ms   "
          f"p95 {per_client['floor_p95']:6.1f} ms")
    print(f"  ratio to the floor:                 p50 {ratio_p50:6.2f} x    "
          f"p95 {ratio_p95:6.2f} x    (target <= 3 x)")
    print(f"  single runs (other processes included): page p50 "
          f"{per_client['page_single_p50']:.1f} ms, p95 {per_client['page_single_p95']:.1f} ms; "
          f"floor p95 {per_client['floor_single_p95']:.1f} ms")
    print(f"comparisons with past clients ready:  {startup['comparisons_ready_s']:6.2f} s")
    print(f"main client callback over HTTP (50 new clients, dev server, logins off): "
          f"p50 {startup['http_p50_ms']:.1f} ms, p95 {startup['http_p95_ms']:.1f} ms")
    print(f"peak RSS of the app process:          {startup['peak_rss_mb']:6.0f} MB"
          "   (target <= 1536 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
