"""Evaluation of detection against ground truth: matching, metrics and the report."""

from vesselscope.evaluation.metrics import Evaluation
from vesselscope.evaluation.run import evaluate, report
from vesselscope.evaluation.truth import Truth

__all__ = ["Evaluation", "Truth", "evaluate", "report"]
