"""The refusal notice an advisor prints for the applicant: ``/notice/<client id>``.

One page of plain HTML (no Dash, no scripts but the print button's), made for paper: the lender's
name, the date, the client's reference, the decision and its principal reasons in the applicant's
words (``services.reasons``), and what the applicant may do next. ``@media print`` drops the
button and the screen margins so it fits one A4 sheet. The page carries client data, so it is
never cached, and its CSP allows only its own inline style and the nonce'd print script.
"""

from __future__ import annotations

import secrets
from datetime import date
from html import escape

from dash import Dash
from flask import Response, g, make_response

from credit_dashboard.i18n import current_language, format_amount, format_date
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import REFUSE
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.reasons import refusal_reasons
from credit_dashboard.services.scoring import (
    InvalidClientIdError,
    UnknownClientError,
    parse_client_id,
)

NOTICE_URL = "/notice/<client_text>"

_STYLE = """
body { font-family: Georgia, "Times New Roman", serif; color: #111; background: #f4f6f8;
       margin: 0; line-height: 1.45; }
main { max-width: 44rem; margin: 2rem auto; background: #fff; padding: 2.5rem 3rem;
       box-shadow: 0 1px 4px rgba(0,0,0,.15); }
header { display: flex; justify-content: space-between; align-items: baseline;
         border-bottom: 2px solid #111; padding-bottom: .5rem; margin-bottom: 1.5rem; }
.lender { font-size: 1.5rem; font-weight: bold; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1.5rem; }
dt { font-weight: bold; }
dd { margin: 0; }
.decision { font-size: 1.15rem; font-weight: bold; margin: 0 0 1rem; }
ol { padding-left: 1.5rem; } li { margin-bottom: .4rem; }
.small { font-size: .9rem; color: #333; }
footer { border-top: 1px solid #999; margin-top: 2rem; padding-top: .5rem; }
.actions { max-width: 44rem; margin: 1rem auto 0; text-align: right; }
button { font: inherit; padding: .4rem 1rem; cursor: pointer; }
@page { size: A4; margin: 18mm; }
@media print {
  body { background: #fff; }
  main { box-shadow: none; margin: 0; max-width: none; padding: 0; }
  .actions { display: none; }
  a { color: #111; text-decoration: none; }
}
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(16)
    button = _("Print this notice")
    html = f"""<!doctype html>
<html lang="{escape(current_language())}"><head><meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_STYLE}</style></head>
<body><div class="actions"><button id="notice-print" type="button">{escape(button)}</button></div>
<main>{body}</main>
<script nonce="{nonce}">document.getElementById("notice-print").addEventListener("click",
function () {{ window.print(); }});</script>
</body></html>"""
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    )
    return response


def _problem(message: str, status: int) -> Response:
    title = _("No notice to print")  # outside the f-string, where Babel sees it (notice_body)
    body = f"<h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return _page(title, body, status)


def _amount(row: object, column: str) -> str:
    value = getattr(row, "get", lambda _c: None)(column)
    try:
        return format_amount(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _("not given")


def notice_body(services: AppServices, client_id: int, lender: str, today: date) -> str:
    """The notice's HTML body for one client (escaped; the route wraps it in the page)."""
    scoring = services.scoring
    result = scoring.score_client(client_id)
    row = scoring.applicant_row(client_id).iloc[0]
    refused = result.decision == REFUSE
    facts = [
        (_("Date"), format_date(today, "long")),
        (_("Client reference"), str(client_id)),
        (_("Credit requested"), _amount(row, "AMT_CREDIT")),
        (_("Repayments (annuity)"), _amount(row, "AMT_ANNUITY")),
    ]
    user = g.get("user")
    if user and not str(user).startswith("key:"):
        facts.append((_("Prepared by"), str(user)))
    listing = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    # Every text is translated before it enters an f-string: Babel does not extract a _() call
    # from inside one, so such a text stayed English on the French notice.
    kind = _("Notice of credit decision")
    title = _("Your application for credit")
    parts = [
        f'<header><span class="lender">{escape(lender)}</span>'
        f'<span class="small">{escape(kind)}</span></header>',
        f"<h1>{escape(title)}</h1>",
        f"<dl>{listing}</dl>",
    ]
    if refused:
        reasons = refusal_reasons(result).reasons
        decision = _("Decision: refused")
        intro = _("The principal reasons, most important first:")
        parts.append(f'<p class="decision">{escape(decision)}</p>')
        parts.append(f"<p>{escape(intro)}</p>")
        parts.append(
            '<ol id="notice-reasons">'
            + "".join(f"<li>{escape(r.text)}</li>" for r in reasons)
            + "</ol>"
        )
        parts.append(
            '<p class="small">'
            + escape(_(
                "This decision was prepared with a statistical credit-scoring model and taken by "
                "an advisor. You may ask for it to be reviewed by a person, give your point of "
                "view and contest it; you may also ask which information about you was used and "
                "have it corrected. Reply to this notice or ask your advisor, quoting the client "
                "reference above."
            ))
            + "</p>"
        )
    else:
        decision = _("Decision: granted")
        parts.append(f'<p class="decision">{escape(decision)}</p>')
        granted = _("Your application was granted: there is no refusal to explain.")
        parts.append(f"<p>{escape(granted)}</p>")
    parts.append(
        f'<footer class="small">{escape(lender)} · '
        + escape(_("Model version {version}").format(version=result.model_version))
        + "</footer>"
    )
    return "".join(parts)


def register_routes(app: Dash, services: AppServices) -> None:
    """Serve the notice at :data:`NOTICE_URL` (400 for a malformed id, 404 for an unknown one)."""
    lender = services.settings.lender_name

    @app.server.route(NOTICE_URL)
    def refusal_notice(client_text: str) -> Response:
        scoring = services.scoring
        try:
            client_id = parse_client_id(client_text)
        except InvalidClientIdError as exc:
            return _problem(str(exc), 400)
        if not scoring.has_client(client_id):
            return _problem(_("No applicant has the id {id}.").format(id=client_id), 404)
        try:
            body = notice_body(services, client_id, lender, date.today())
        except UnknownClientError as exc:
            return _problem(str(exc), 404)
        return _page(_("Notice of credit decision") + f" · {client_id}", body)


def notice_path(client_id: object) -> str:
    """The notice's address for a client (what the advisor page links to)."""
    return f"/notice/{client_id}"
