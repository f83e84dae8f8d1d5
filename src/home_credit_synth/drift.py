"""How production applicants drift away from the history, month after month.

A batch of new applicants is drawn like the applicant table (the real applicants' shares, medians
and missing fractions) with a drift of some ``intensity`` (0 = the applicant table, 1 = the last
month of the schedule). The shifts are the ones real consumer-credit portfolios show over a year:

- **external scores** fall: applicants of weaker standing come in (a marketing push). Part of the
  fall is real (the clients' risk traits fall, so their true default probability rises), the rest
  is the score provider's scale moving (same clients, lower scores), so a model trained on the
  history over-predicts a little;
- **incomes and credit amounts** inflate (nominal growth: amounts rise, risk does not);
- **contract mix**: revolving loans (cards), almost absent from the applicants, come back;
- **credit-bureau enquiries** rise (clients shop around for credit): a real, small risk.

Intensity 0 changes nothing, bit for bit: the applicant table is drawn with ``Drift()``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: External scores' fall at full intensity, in standard deviations of the latent score.
EXT_SCORE_FALL = 0.55
#: Share of that fall that is real (the clients' risk traits fall too).
EXT_SCORE_REAL_SHARE = 0.6
#: Nominal growth of incomes and of credit amounts (annuities and goods prices follow the credit).
INCOME_GROWTH = 0.07
CREDIT_GROWTH = 0.12
#: Share of revolving loans at full intensity (the applicant table has 0.9 %, the history 9.6 %).
REVOLVING_SHARE_AT_FULL = 0.07
#: Credit-bureau enquiries: share of clients with at least one grows by this factor at full
#: intensity (capped below 1), and so does the mean number of further enquiries among them.
BUREAU_GROWTH = 0.3

_EXT_COLUMNS = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
_EXT_TRAITS = ("ext1", "ext2", "ext3")


@dataclass(frozen=True)
class Drift:
    """The drift of one batch; ``Drift()`` is none at all."""

    intensity: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.intensity <= 1.5:
            raise ValueError(f"drift intensity must be within [0, 1.5], got {self.intensity}")

    def rank_shift(self, column: str) -> float:
        """Shift of the column's ranks, in standard-normal units (negative = lower values)."""
        return -EXT_SCORE_FALL * self.intensity if column in _EXT_COLUMNS else 0.0

    def trait_shift(self, trait: str) -> float:
        """Shift of a latent risk trait (what moves the true default probability)."""
        if trait in _EXT_TRAITS:
            return -EXT_SCORE_FALL * EXT_SCORE_REAL_SHARE * self.intensity
        return 0.0

    def value_scale(self, column: str) -> float:
        """Factor applied to the column's amounts before they are rounded."""
        growth = {
            "AMT_INCOME_TOTAL": INCOME_GROWTH,
            "AMT_CREDIT": CREDIT_GROWTH,
            "AMT_ANNUITY": CREDIT_GROWTH,
        }.get(column, 0.0)
        return 1.0 + growth * self.intensity

    def revolving_share(self, base: float) -> float:
        """Share of revolving loans among the batch's contracts."""
        if self.intensity == 0.0:
            return base
        return base + (REVOLVING_SHARE_AT_FULL - base) * min(self.intensity, 1.0)

    def bureau_windows(
        self, windows: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        """Enquiry windows -> (share with at least one, mean further enquiries), drifted."""
        if self.intensity == 0.0:
            return windows
        factor = 1.0 + BUREAU_GROWTH * self.intensity
        return {
            window: (min(any_share * factor, 0.97), further * factor)
            for window, (any_share, further) in windows.items()
        }


def schedule(n_batches: int) -> list[float]:
    """Drift intensity of each monthly batch, oldest first: growing, slowly then faster (a
    portfolio drifts a little at first, then the changes compound), the last one at 1."""
    return [((month + 1) / n_batches) ** 1.3 for month in range(n_batches)]
