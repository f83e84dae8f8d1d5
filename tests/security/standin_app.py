"""A small Flask app behind the real logins and rate limits, for the multi-process tests.

Served by gunicorn (``tests.security.standin_app:create()``); each answer names the worker
process, so a test can show that its requests really went to different processes.
"""

from __future__ import annotations

import os
import time

from flask import Flask, jsonify, request

from credit_dashboard.web import auth


def create() -> Flask:
    app = Flask("stand-in")

    def client(client_text: str):  # type: ignore[no-untyped-def]
        # ?hold=S keeps this worker busy S seconds, so a request sent meanwhile goes to another.
        time.sleep(min(float(request.args.get("hold", 0)), 2.0))
        return jsonify(client=client_text, pid=os.getpid())

    # The app's real rule, so the roles table knows it.
    app.add_url_rule("/api/clients/<path:client_text>", "client", client)
    app.add_url_rule("/api/health", "health", lambda: jsonify(status="ok"))
    auth.register(app)
    return app
