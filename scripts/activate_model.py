"""Activate (or roll back to) a stored model version, after checking it; or list the versions.

    python scripts/activate_model.py --list
    python scripts/activate_model.py 20261201T214500Z-3fa9c2d1e0ab

The version is checked BEFORE the pointer moves: its files are present, the model matches the
sha256 in its card and loads, its tables match their sha256, and the client tables in
CREDIT_DATA_DIR carry every column the model was trained on (``model.artifact.validate_version``,
the checks every running worker repeats before it switches). A broken version is refused with one
line on stderr and exit code 1; the active version stays as it was. Rolling back is the same
command with the earlier version. Running workers notice the new pointer within about a second
(``CREDIT_MODEL_POLL_SECONDS``) and switch without a restart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from credit_dashboard.config import get_settings
from credit_dashboard.model.artifact import ArtifactError
from credit_dashboard.model.versions import VersionError, list_versions
from credit_dashboard.services.activation import activate


def _print_list(artifacts_dir: Path) -> None:
    stored = list_versions(artifacts_dir)
    if not stored:
        print(f"no model version in {artifacts_dir}")
    for info in stored:
        auc = "-" if info.roc_auc is None else f"{info.roc_auc:.4f}"
        cost = "-" if info.normalised_cost is None else f"{info.normalised_cost:.4f}"
        print(f"{'*' if info.active else ' '} {info.version}  AUC {auc}  cost {cost}  "
              f"tables: {', '.join(info.tables) or 'none'}"
              + (f"  ({info.problem})" if info.problem else ""))


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", nargs="?", help="the version id to activate")
    parser.add_argument("--list", action="store_true", help="list the stored versions (* active)")
    parser.add_argument("--artifacts", type=Path, default=settings.artifacts_dir)
    args = parser.parse_args(argv)
    if args.list or not args.version:
        _print_list(args.artifacts)
        return 0
    try:
        activate(args.artifacts, [settings.applicants_path, settings.train_path], args.version,
                 actor="activate_model.py")
    except (ArtifactError, VersionError) as exc:
        print(f"error: {exc}; the active version is unchanged", file=sys.stderr)
        return 1
    print(f"active model version: {args.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
