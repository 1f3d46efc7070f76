"""The reference evaluator and the report it produces."""

from lawcode.engine.report import Evidence, NotInForce, Report, Subject, Undetermined, Violation
from lawcode.engine.run import evaluate
from lawcode.engine.snapshot import Snapshot

__all__ = ["Evidence", "NotInForce", "Report", "Snapshot", "Subject", "Undetermined", "Violation", "evaluate"]
