"""The benchmark: synthetic and real figures with ground truth, metrics and reports."""
