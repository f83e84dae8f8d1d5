"""Features, candidate pipelines, cross-validation, threshold, artifact and drift report."""
