"""Features, candidate pipelines, cross-validation, threshold, artifact and drift report.

OpenMP (LightGBM, scikit-learn) busy-waits between parallel regions by default. On a small machine
shared with other processes (2 cores here) that spinning competes with the very threads it waits
for: a LightGBM fit measured 38 s instead of 7 s under load. ``PASSIVE`` makes idle threads sleep.
It must be set before the OpenMP runtime loads, hence here, before anything imports LightGBM; a
value already in the environment wins.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
