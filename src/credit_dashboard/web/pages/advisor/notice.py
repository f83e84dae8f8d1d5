"""The decision notice an advisor prints for the applicant: ``/notice/<client id>``.

One page of plain HTML (no Dash, no scripts but the print button's), made for paper, entirely in
the reader's language (every text is translated before it is formatted into the page: Babel does
not extract a ``_()`` written inside an f-string). For a refusal, what the Consumer Credit
Directive (Art. 18) and the EU Court (C-203/22) ask of an automated assessment: that a statistical
model was used and a person decided, the principal reasons in the applicant's words
(``services.reasons``), what change of the loan would have changed the decision
(``services.counterfactual``, the same as the page's and the API's) or that none within the limits
would, how to ask for a review by a person who did not decide and to contest it (reply quoting the
reference within :data:`REVIEW_DAYS` days), the date and the model version. A granted client gets
the short notice. ``@media print`` drops the
button and the screen margins so it fits one A4 sheet. The page carries client data, so it is
never cached, and its CSP allows only its own inline style and the nonce'd print script.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from html import escape

from dash import Dash
from flask import Response, g, make_response

from credit_dashboard.i18n import current_language, format_amount, format_date
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import REFUSE
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.counterfactual import Counterfactual, client_counterfactual
from credit_dashboard.services.reasons import refusal_reasons
from credit_dashboard.services.scoring import (
    ClientResult,
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
h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1.5rem; }
dt { font-weight: bold; }
dd { margin: 0; }
.decision { font-size: 1.15rem; font-weight: bold; margin: 0 0 1rem; }
ol, ul { padding-left: 1.5rem; } li { margin-bottom: .4rem; }
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


def notice_body(
    services: AppServices,
    client_id: int,
    lender: str,
    today: date,
    find_counterfactual: Callable[[ClientResult], Counterfactual | None] | None = None,
) -> str:
    """The notice's HTML body for one client (escaped; the route wraps it in the page).

    ``find_counterfactual`` gives what would change a refusal (default: the served model's
    :func:`~credit_dashboard.services.counterfactual.client_counterfactual`, the same as the
    page's and the API's).
    """
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
    how = _("How this decision was taken")
    how_text = _(
        "A statistical credit-scoring model (version {version}) estimated the risk that the "
        "credit would not be repaid, from the information in your application and about your "
        "credit history. A person, your advisor, took the decision in view of it."
    ).format(version=result.model_version)
    parts = [
        f'<header><span class="lender">{escape(lender)}</span>'
        f'<span class="small">{escape(kind)}</span></header>',
        f"<h1>{escape(title)}</h1>",
        f"<dl>{listing}</dl>",
    ]
    if refused:
        decision = _("Decision: refused")
        parts.append(f'<p class="decision">{escape(decision)}</p>')
        parts.append(_section(how, f'<p id="notice-how">{escape(how_text)}</p>'))
        reasons = refusal_reasons(result).reasons
        intro = _("The principal reasons, most important first:")
        parts.append(
            f"<p>{escape(intro)}</p>"
            '<ol id="notice-reasons">'
            + "".join(f"<li>{escape(r.text)}</li>" for r in reasons)
            + "</ol>"
        )
        find = find_counterfactual or (
            lambda scored: client_counterfactual(scoring, client_id, result=scored))
        parts.append(_section(_("What would change the decision"),
                              _what_would_change(find(result))))
        parts.append(_section(_("Your rights: a review by a person, and contesting"),
                              _rights(client_id, today)))
    else:
        decision = _("Decision: granted")
        parts.append(f'<p class="decision">{escape(decision)}</p>')
        granted = _("Your application was granted: there is no refusal to explain.")
        parts.append(f"<p>{escape(granted)}</p>")
        parts.append(f'<p class="small" id="notice-how">{escape(how_text)}</p>')
    footer = _("{lender} · Model version {version} · {date}").format(
        lender=lender, version=result.model_version, date=format_date(today, "long"))
    parts.append(f'<footer class="small">{escape(footer)}</footer>')
    return "".join(parts)


def _section(heading: str, html: str) -> str:
    return f"<h2>{escape(heading)}</h2>{html}"


def _what_would_change(found: Counterfactual | None) -> str:
    """The counterfactual in the applicant's words: the loan that would have been granted, or
    that no change of the loan within the limits would have been."""
    if found is None or not found.found:
        why = found.why_text() if found is not None else None
        text = why or _("No change of the loan would turn the refusal into a grant.")
        return f'<p id="notice-counterfactual">{escape(text)}</p>'
    intro = _("With the rest of your application unchanged, the assessment would have been "
              "favourable with:")
    items = "".join(f"<li>{escape(phrase)}</li>" for phrase in found.change_phrases())
    html = (f'<div id="notice-counterfactual"><p>{escape(intro)}</p>'
            f'<ul id="notice-changes">{items}</ul>')
    if found.down_payment is not None and found.goods_price is not None:
        paid = _("You would then pay {amount} of the goods price ({price}) yourself, as a down "
                 "payment.").format(amount=format_amount(found.down_payment),
                                    price=format_amount(found.goods_price))
        html += f"<p>{escape(paid)}</p>"
    caveat = _("This is not an offer of credit: an application on these terms would be "
               "assessed again.")
    return html + f'<p class="small">{escape(caveat)}</p></div>'


#: Days the applicant has to ask for a review (the open reviews are flagged past the same age).
REVIEW_DAYS = 30


def _rights(client_id: int, today: date) -> str:
    """How to ask for a review by a person and contest the decision, concretely."""
    ask = _(
        "You may ask for this decision to be reviewed by a person who did not take it, give your "
        "point of view and contest it. Reply to this notice or write to your advisor within "
        "{days} days, that is by {deadline}, quoting the client reference {reference}. The "
        "reviewer sees the information the decision was based on and your statement, may "
        "correct that information, and answers you in writing."
    ).format(days=REVIEW_DAYS, deadline=format_date(today + timedelta(days=REVIEW_DAYS), "long"),
             reference=client_id)
    data = _("You may also ask which information about you was used, and have it corrected.")
    return f'<p id="notice-review">{escape(ask)}</p><p class="small">{escape(data)}</p>'


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
