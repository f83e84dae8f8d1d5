"""What the analyst panels share: the hint telling how to produce a missing training output."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices


def how_to_produce(services: AppServices, what: str) -> dbc.Alert:
    settings = services.settings
    return dbc.Alert(
        [
            html.P(_("{what} is missing.").format(what=what), className="mb-1"),
            html.P(
                [
                    _("The training run writes it next to the model: "),
                    html.Code(
                        f"python scripts/train.py --train {settings.train_path} "
                        f"--applicants {settings.applicants_path} --out {settings.artifacts_dir}"
                    ),
                ],
                className="mb-0",
            ),
        ],
        color="warning",
    )

