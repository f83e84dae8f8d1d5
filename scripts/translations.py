"""Keep the French and English catalogues in step with the code (a maintainer's tool).

    .venv/bin/python scripts/translations.py extract  # code -> credit_dashboard/locale/messages.pot
    .venv/bin/python scripts/translations.py update   # .pot -> fr/en messages.po (new texts)
    .venv/bin/python scripts/translations.py compile  # .po -> .mo (what the app reads)
    .venv/bin/python scripts/translations.py all      # the three, in order

Texts are marked in the code with ``_()`` / ``ngettext`` / ``lazy_gettext`` from
``credit_dashboard.i18n``; translate the new entries of ``fr/LC_MESSAGES/messages.po`` (English
needs no entry: the code's text is English), then compile. ``tests/i18n`` fails while a marked text
has no French translation or a compiled catalogue is out of date.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "credit_dashboard" / "locale"
POT = LOCALE / "messages.pot"
KEYWORDS = ["-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "lazy_gettext", "-k", "N_"]

logger = logging.getLogger("translations")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    LOCALE.mkdir(parents=True, exist_ok=True)
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location",
             "--sort-output", "--project", "credit-dashboard", "-o", str(POT), str(ROOT))
    _add_feature_descriptions()


def _add_feature_descriptions() -> None:
    """The engineered features' descriptions are data (``model.features.ENGINEERED_FEATURES``),
    shown as labels through the catalogue: add them to the template, so a new feature's label
    cannot go untranslated (tests/i18n checks it)."""
    from credit_dashboard.model.features import ENGINEERED_FEATURES

    with POT.open("rb") as handle:
        template = read_po(handle)
    for description in ENGINEERED_FEATURES.values():
        if description not in template:
            template.add(description, auto_comments=["engineered feature (model.features)"])
    with POT.open("wb") as handle:
        write_po(handle, template, width=100, sort_output=True, omit_header=False)


def update() -> None:
    for language in ("fr", "en"):
        po = LOCALE / language / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            _pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-l", language,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-l", language)


def compile_catalogues() -> None:
    """Every ``.po`` to its ``.mo``. Written with Babel's ``write_mo`` rather than ``pybabel
    compile``: the code formats with ``str.format`` braces, never ``%``, but Babel takes any text
    with a ``%`` in it ("% of the group") for a %-format and refuses its translation."""
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        logger.info("compiled %s (%d texts)", po.relative_to(ROOT), len(catalogue))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["extract", "update", "compile", "all"])
    step = parser.parse_args(argv).step
    if step in ("extract", "all"):
        extract()
    if step in ("update", "all"):
        update()
    if step in ("compile", "all"):
        compile_catalogues()
    logger.info("catalogues in %s", LOCALE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
