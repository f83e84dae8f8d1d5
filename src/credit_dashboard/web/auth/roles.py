"""Who may open what: the one table of roles for every route, page and Dash callback.

Three roles (issue 10):

- ``advisor``: the advisor page — search, explanation, what-if, similar clients — and recording
  decisions;
- ``analyst``: the analyst and model pages, batches, exports and reports, and the advisor page
  read-only (may look, may not record a decision);
- ``admin``: everything, plus accounts and activating a model version.

The server enforces these tables (``guard`` checks every request before any view runs), so hiding
a link is never the only protection. **Adding a route, a page or a callback? Add one line here.**
``tests/security/test_roles.py`` walks every registered Flask rule, every page path and every
callback id of the real app and fails when one is missing, and the guard refuses anything
missing to everyone but admins (fail closed), so nothing new can slip through unguarded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

ADVISOR, ANALYST, ADMIN = "advisor", "analyst", "admin"
ROLES: tuple[str, ...] = (ADVISOR, ANALYST, ADMIN)

#: Reached without signing in.
PUBLIC = "public"
#: Decided by the page table on ``request.path`` (Dash serves every page from two catch-alls).
BY_PAGE = "by-page"
#: Decided per callback by :data:`CALLBACKS` (Dash's one endpoint for every callback).
BY_CALLBACK = "by-callback"

ANY_ROLE = frozenset(ROLES)
ANALYSTS = frozenset({ANALYST, ADMIN})
DECIDERS = frozenset({ADVISOR, ADMIN})
ADMINS = frozenset({ADMIN})

Access = frozenset[str] | str

#: Flask URL rules (exactly as ``server.url_map`` spells them) -> who may call them. A key may
#: also be ``"POST /rule"`` to give one method of a rule its own roles.
ROUTES: dict[str, Access] = {
    # logins and the liveness probe
    "/login": PUBLIC,
    "/logout": ANY_ROLE,
    "/api/health": PUBLIC,
    # the Dash shell: scripts, styles, layout and dependency lists carry no client data
    "/static/<path:filename>": ANY_ROLE,
    "/assets/<path:filename>": ANY_ROLE,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": ANY_ROLE,
    "/_dash-layout": ANY_ROLE,
    "/_dash-dependencies": ANY_ROLE,
    "/_reload-hash": ANY_ROLE,
    "/_favicon.ico": ANY_ROLE,
    "/language/<code>": PUBLIC,
    "/": BY_PAGE,
    "/<path:path>": BY_PAGE,
    "/_dash-update-component": BY_CALLBACK,
    # reports and exports
    "/reports/drift": ANALYSTS,
    "/reports/batches/<batch_id>": ANALYSTS,
    "/advisor-tools/decisions.csv": ANALYSTS,
    # the refusal notice printed for an applicant: handed over by those who decide
    "/notice/<client_text>": DECIDERS,
    # JSON API (an API key carries a role too)
    "/api/clients/<path:client_text>": ANY_ROLE,
    "/api/score": ANY_ROLE,
    "/api/batches": ANALYSTS,
    "/api/batches/<batch_id>/scores.csv": ANALYSTS,
    "/api/<path:_rest>": ANY_ROLE,  # the API's own JSON 404/405 for unknown paths
    # decisions and reviews (web/api_decisions.py): every role reads, those who decide record and
    # ask for a review, analysts and admins record its outcome (never on their own decision)
    "/api/decisions": ANY_ROLE,
    "POST /api/decisions": DECIDERS,
    "/api/decisions/<decision_id>/review": DECIDERS,
    "/api/reviews/<review_id>/outcome": ANALYSTS,
    "/api/decisions/<path:_rest>": ANY_ROLE,  # JSON 404/405 for wrong paths and methods
    "/api/reviews/<path:_rest>": ANY_ROLE,
}

#: Dash page paths -> who may open them (the navigation shows only these).
PAGES: dict[str, Access] = {
    "/": ANY_ROLE,  # analysts read it; recording a decision is a callback for DECIDERS below
    "/analyst": ANALYSTS,
    "/model": ANALYSTS,
    "/admin/accounts": ADMINS,  # accounts and API keys (pages/admin)
}

#: Dash component id prefixes -> who may use the callbacks that touch them. A callback is allowed
#: when the role may use every one of its outputs and inputs (the longest prefix decides; a
#: pattern-matching id is named by its ``type``). ``BY_PAGE`` on the router: the page asked for.
CALLBACKS: dict[str, Access] = {
    "page-content": BY_PAGE,
    "url": ANY_ROLE,
    # advisor page: search, profile, score, explanation, comparisons
    "advisor-": ANY_ROLE,
    "client-": ANY_ROLE,
    "compare-": ANY_ROLE,
    "scatter-": ANY_ROLE,
    # advisor panels
    "at-whatif-": ANY_ROLE,
    "at-flip-": ANY_ROLE,
    "at-neighbours": ANY_ROLE,
    "at-decision-": ANY_ROLE,  # the history and the form's messages
    "at-decision-submit": DECIDERS,  # recording a decision
    "reasons-": ANY_ROLE,  # the reasons for a refusal, and the link to the notice
    "counterfactual-": ANY_ROLE,  # what would change a refusal (components/counterfactual)
    # the advisor page's components (pages/advisor/components/<panel>.py, ids prefixed by panel)
    "search-": ANY_ROLE,
    "profile-": ANY_ROLE,
    "score-": ANY_ROLE,
    "explanation-": ANY_ROLE,
    "similar-": ANY_ROLE,
    "credit-history-": ANY_ROLE,  # the client's credit records (pages/advisor/components)
    "whatif-": ANY_ROLE,
    "decision-": ANY_ROLE,  # the client's decision history, the form's messages
    "decision-submit": DECIDERS,  # recording a decision
    "decision-record": DECIDERS,
    "decision-review-submit": DECIDERS,  # recording the applicant's request for a review
    # the reviewers' panel on the analyst page (pages/analyst/components/reviews.py)
    "reviews-": ANALYSTS,
    # analyst and model pages
    "drift-": ANALYSTS,
    "model-": ANALYSTS,
    "model-activate-": ADMINS,  # activating a model version (pages/model/components/activation)
    "model-records-": ANALYSTS,  # credit records with / without (pages/model/components/records)
    "model-policy-": ANALYSTS,  # the feature policy and its cost (pages/model/components)
    "batch-": ANALYSTS,
    "portfolio-": ANALYSTS,
    # the accounts page (pages/admin): every change of an account or a key
    "accounts-": ADMINS,
    "apikeys-": ADMINS,
}


def allows(access: Access | None, role: str | None) -> bool:
    """Whether ``role`` (None: nobody signed in) may use something with this ``access``."""
    if access == PUBLIC:
        return True
    if role is None or access is None:
        return role == ADMIN  # not in the tables: admins only (fail closed), and logged
    if isinstance(access, str):
        raise ValueError(f"{access!r} must be resolved before checking a role")
    return role in access


def route_access(rule: str, method: str) -> Access | None:
    """The access of a Flask URL rule for ``method`` (None when the table does not name it)."""
    return ROUTES.get(f"{method.upper()} {rule}", ROUTES.get(rule))


def page_path(path: str | None) -> str:
    return (path or "/").rstrip("/") or "/"


def page_access(path: str | None) -> Access:
    """Pages not in the table get the router's 'no page here' message, which anyone may read."""
    return PAGES.get(page_path(path), ANY_ROLE)


def visible_pages(pages: Iterable[tuple[str, str]], role: str | None) -> list[tuple[str, str]]:
    """The (path, name) entries of the navigation that ``role`` may open."""
    return [(path, name) for path, name in pages if allows(PAGES.get(path), role)]


def component_name(component_id: Any) -> str:
    """A component id as the table knows it: the id itself, or a pattern-matching id's type."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        try:
            component_id = json.loads(component_id)
        except ValueError:
            return component_id
    if isinstance(component_id, Mapping):
        return str(component_id.get("type", json.dumps(component_id, sort_keys=True)))
    return str(component_id)


def id_access(component_id: Any) -> Access | None:
    name = component_name(component_id)
    best = max((p for p in CALLBACKS if name.startswith(p)), key=len, default=None)
    return None if best is None else CALLBACKS[best]


def callback_ids(output_key: str, spec: Mapping[str, Any]) -> list[str]:
    """Every component a registered callback writes or listens to (``app.callback_map`` entry)."""
    # "..a.children...b.data@<hash>.." : outputs joined by "...", "@<hash>" on allow_duplicate.
    outputs = [part.split("@")[0] for part in output_key.strip(".").split("...")]
    names = [component_name(part.rsplit(".", 1)[0]) for part in outputs if part]
    names += [component_name(item["id"]) for item in spec.get("inputs", [])]
    return names


def unknown_callback_ids(callback_map: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Component ids of registered callbacks that :data:`CALLBACKS` does not cover."""
    return sorted(
        {
            name
            for key, spec in callback_map.items()
            for name in callback_ids(key, spec)
            if id_access(name) is None
        }
    )
