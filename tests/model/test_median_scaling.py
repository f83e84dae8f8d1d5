"""One median filling + standardising for SMOTE's input and the similar-clients space."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from credit_dashboard.model.median_scaling import MedianScaling
from credit_dashboard.model.resampling import SmoteInput


def _table(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(10, 1, size=(500, 6))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 4] = 3.0  # constant: scale 1, not a division by zero
    values[:, 5] = np.nan  # nobody has it: median 0
    return values


def test_it_computes_what_simple_imputer_and_standard_scaler_compute() -> None:
    train, other = _table(0), _table(1)
    reference = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                              StandardScaler()).fit(train)
    ours = MedianScaling.fit(train)
    np.testing.assert_allclose(ours.transform(other), reference.transform(other), atol=1e-12)
    np.testing.assert_allclose(ours.medians, reference[0].statistics_)
    assert ours.scales[4] == 1.0 and ours.medians[5] == 0.0
    with pytest.raises(ValueError, match="2-D"):
        MedianScaling.fit(np.zeros(3))


def test_smote_input_scales_numbers_with_it_and_keeps_categories() -> None:
    values = _table(2)
    frame = pd.DataFrame(values[:, :4], columns=list("abcd"))
    frame["level"] = pd.Categorical(np.where(np.arange(500) % 3 == 0, None, "x"))
    fitted = SmoteInput().fit(frame)
    out = fitted.transform(frame)
    np.testing.assert_allclose(out[list("abcd")].to_numpy(),
                               MedianScaling.fit(values[:, :4]).transform(values[:, :4]))
    assert out["level"].isna().sum() == 0 and "MISSING" in out["level"].cat.categories


def test_a_smote_input_pickled_before_the_shared_scaling_still_transforms() -> None:
    # Models stored earlier carry only medians_, means_ and scales_ on their SmoteInput.
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [2.0, 4.0, np.nan]})
    old = SmoteInput()
    old.medians_, old.means_, old.scales_ = {"a": 2.0, "b": 3.0}, np.array([2.0, 3.0]), \
        np.array([1.0, 2.0])
    old.numeric_columns_, old.categorical_columns_ = ["a", "b"], []
    np.testing.assert_allclose(old.transform(frame).to_numpy(),
                               [[-1.0, -0.5], [0.0, 0.5], [1.0, 0.0]])
