"""The feature policy: which facts the model may use, read from one reviewed TOML file.

Why a file and not a switch: the lender must be able to say, for every column of the application
and every engineered feature, whether the model uses it and why (Consumer Credit Directive
(EU) 2023/2225 art. 6 and 18, Code pénal 225-1). ``feature_policy.toml`` beside this module is that
record; training enforces it (forbidden raw columns are not read, forbidden engineered features
not produced, and the fitted pipeline is checked before anything is written), and the card keeps
the file's sha256 so that every model version says which policy it followed.

Statuses: ``used``; ``justified`` (used, with a written justification); ``fairness_only`` (never a
model input, kept to test the decisions for fairness); ``excluded``. Loading checks that every raw
column (``storage.schema.TRAIN_COLUMNS`` without the id and the target), every engineered feature
(``features.ENGINEERED_FEATURES``) and every credit-record feature (``record_catalogue``) is listed
exactly once, and that no engineered feature is allowed while a column it is computed from is
forbidden, unless the feature itself is ``justified``. Every error is one line naming the feature.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from credit_dashboard.model.features import ENGINEERED_FEATURES, FEATURE_SOURCES
from credit_dashboard.model.record_catalogue import DEFINITIONS as RECORD_DEFINITIONS
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN, TRAIN_COLUMNS

USED = "used"
JUSTIFIED = "justified"
FAIRNESS_ONLY = "fairness_only"
EXCLUDED = "excluded"
STATUSES: tuple[str, ...] = (USED, JUSTIFIED, FAIRNESS_ONLY, EXCLUDED)
#: Statuses that make a feature a model input.
ALLOWED: frozenset[str] = frozenset({USED, JUSTIFIED})

#: The policy the product ships (package data).
DEFAULT_POLICY_PATH = Path(__file__).with_name("feature_policy.toml")

#: Every name the policy must list, with what it is.
RAW = "raw column"
ENGINEERED = "engineered feature"
RECORD = "credit-record feature"


def known_features() -> dict[str, str]:
    """Name -> kind of every feature the policy must cover, in a stable order."""
    names: dict[str, str] = {c: RAW for c in TRAIN_COLUMNS if c not in (ID_COLUMN, TARGET_COLUMN)}
    names.update({name: ENGINEERED for name in ENGINEERED_FEATURES})
    names.update({name: RECORD for name in RECORD_DEFINITIONS})
    return names


class FeaturePolicyError(ValueError):
    """The policy file is wrong, or a model's inputs break it; the message is one line."""


@dataclass(frozen=True)
class PolicyRule:
    """One ``[[rule]]`` of the file: features sharing one status and one justification."""

    status: str
    features: tuple[str, ...]
    why: str
    why_fr: str

    def to_dict(self) -> dict[str, object]:
        return {"status": self.status, "features": list(self.features), "why": self.why,
                "why_fr": self.why_fr}


@dataclass(frozen=True)
class FeaturePolicy:
    """A loaded, validated policy. ``rules`` in file order; ``sha256`` of the file's bytes."""

    path: Path
    sha256: str
    rules: tuple[PolicyRule, ...]
    _rule_of: dict[str, PolicyRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rule_of",
                           {name: rule for rule in self.rules for name in rule.features})

    def rule(self, name: str) -> PolicyRule:
        try:
            return self._rule_of[name]
        except KeyError:
            raise FeaturePolicyError(
                f"feature policy {self.path}: {name} is not in the policy") from None

    def status(self, name: str) -> str:
        return self.rule(name).status

    def why(self, name: str, language: str = "en") -> str:
        """The rule's justification in ``language`` ("fr" or English otherwise)."""
        rule = self.rule(name)
        return rule.why_fr if language == "fr" else rule.why

    def allows(self, name: str) -> bool:
        """Whether ``name`` may be a model input (False for a name the policy does not list)."""
        rule = self._rule_of.get(name)
        return rule is not None and rule.status in ALLOWED

    def with_status(self, status: str) -> tuple[str, ...]:
        return tuple(n for rule in self.rules if rule.status == status for n in rule.features)

    @property
    def fairness_only(self) -> tuple[str, ...]:
        return self.with_status(FAIRNESS_ONLY)

    @property
    def excluded(self) -> tuple[str, ...]:
        return self.with_status(EXCLUDED)

    @property
    def justified(self) -> tuple[str, ...]:
        return self.with_status(JUSTIFIED)

    @property
    def used(self) -> tuple[str, ...]:
        return self.with_status(USED)

    @property
    def model_inputs_forbidden(self) -> tuple[str, ...]:
        """Never a model input: the excluded and the fairness-only features."""
        return self.excluded + self.fairness_only

    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in STATUSES}

    def check_inputs(self, names: Iterable[str], where: str) -> None:
        """Raise (one line, naming the first offender) when ``names`` holds a feature the policy
        does not allow as a model input; ``where`` says whose inputs they are."""
        for name in names:
            if self.allows(name):
                continue
            rule = self._rule_of.get(name)
            what = (f"is '{rule.status}' in the feature policy {self.path}" if rule is not None
                    else f"is not in the feature policy {self.path}")
            raise FeaturePolicyError(f"{where} would use {name}, which {what}; nothing written")

    def card_section(self) -> dict[str, object]:
        """What the model card records of the policy (the cost and proxy check are added by the
        training run)."""
        return {
            "path": str(self.path),
            "packaged": self.path.resolve() == DEFAULT_POLICY_PATH.resolve(),
            "sha256": self.sha256,
            "counts": self.counts(),
            "excluded": list(self.excluded),
            "fairness_only": list(self.fairness_only),
            "justified": list(self.justified),
            "rules": [rule.to_dict() for rule in self.rules],
        }


def load_policy(path: Path | None = None) -> FeaturePolicy:
    """Read and validate a policy file (``None``: the packaged one)."""
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeaturePolicyError(f"feature policy {path} cannot be read ({exc.strerror or exc})"
                                 ) from exc
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FeaturePolicyError(f"feature policy {path} is not valid TOML ({exc})") from exc
    rules = _rules(path, parsed)
    _check_coverage(path, rules)
    policy = FeaturePolicy(path, hashlib.sha256(data).hexdigest(), tuple(rules))
    _check_derived(policy)
    return policy


def _text(path: Path, number: int, entry: dict, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FeaturePolicyError(f"feature policy {path}, rule {number}: '{key}' must be a "
                                 f"non-empty text (features {entry.get('features')})")
    return value.strip()


def _rules(path: Path, parsed: dict) -> list[PolicyRule]:
    entries = parsed.get("rule")
    unknown_keys = sorted(set(parsed) - {"rule"})
    if unknown_keys:
        raise FeaturePolicyError(f"feature policy {path}: unknown top-level key(s) "
                                 f"{', '.join(unknown_keys)} (expected [[rule]] tables)")
    if not isinstance(entries, list) or not entries:
        raise FeaturePolicyError(f"feature policy {path} has no [[rule]] tables")
    known = known_features()
    seen: dict[str, int] = {}
    rules = []
    for number, entry in enumerate(entries, start=1):
        extra = sorted(set(entry) - {"status", "features", "why", "why_fr"})
        if extra:
            raise FeaturePolicyError(f"feature policy {path}, rule {number}: unknown key(s) "
                                     f"{', '.join(extra)}")
        status = entry.get("status")
        if status not in STATUSES:
            raise FeaturePolicyError(f"feature policy {path}, rule {number}: unknown status "
                                     f"{status!r} (expected one of {', '.join(STATUSES)})")
        features = entry.get("features")
        if (not isinstance(features, list) or not features
                or not all(isinstance(f, str) for f in features)):
            raise FeaturePolicyError(f"feature policy {path}, rule {number}: 'features' must be "
                                     f"a non-empty list of names")
        for name in features:
            if name not in known:
                raise FeaturePolicyError(
                    f"feature policy {path}, rule {number}: {name} is neither a column of the "
                    f"application table nor an engineered or credit-record feature")
            if name in seen:
                raise FeaturePolicyError(f"feature policy {path}: {name} is listed twice (rules "
                                         f"{seen[name]} and {number})")
            seen[name] = number
        rules.append(PolicyRule(status, tuple(features), _text(path, number, entry, "why"),
                                _text(path, number, entry, "why_fr")))
    return rules


def _check_coverage(path: Path, rules: list[PolicyRule]) -> None:
    listed = {name for rule in rules for name in rule.features}
    missing = [name for name in known_features() if name not in listed]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise FeaturePolicyError(f"feature policy {path}: {len(missing)} feature(s) without a "
                                 f"status: {shown} (every raw column and engineered feature must "
                                 f"be listed once)")


def _check_derived(policy: FeaturePolicy) -> None:
    """An allowed engineered feature computed from a forbidden column must be ``justified``."""
    for name, sources in FEATURE_SOURCES.items():
        status = policy.status(name)
        if status != USED:
            continue
        for source in sources:
            if not policy.allows(source):
                raise FeaturePolicyError(
                    f"feature policy {policy.path}: {name} is 'used' but is computed from "
                    f"{source}, which is '{policy.status(source)}'; mark {name} 'excluded', or "
                    f"'justified' with a why")


def check_fitted_features(policy: FeaturePolicy, engineer: object,
                          where: str = "the fitted model") -> None:
    """Refuse a fitted ``FeatureEngineer`` whose features or read columns break ``policy``.

    Its features (``feature_names_out_``: exactly what the classifier sees) must all be allowed.
    The columns it reads must be allowed too, except a forbidden column read only to compute a
    *justified* engineered feature (``hidden_inputs_``): never a feature itself.
    """
    names = list(engineer.feature_names_out_)
    policy.check_inputs(names, f"{where} (its features)")
    justified_sources = {source for name in names if policy.status(name) == JUSTIFIED
                         for source in FEATURE_SOURCES.get(name, ())}
    hidden = set(getattr(engineer, "hidden_inputs_", ())) & justified_sources
    policy.check_inputs([c for c in engineer.input_columns_ if c not in hidden],
                        f"{where} (the columns it reads)")
