"""The relational schema shared by all features. Import models from here."""

from app.models.assessment import Answer, Assessment, AssessmentRevision, StashedPost, StepState
from app.models.audit import AuditEvent
from app.models.company import Company, Membership
from app.models.user import User

__all__ = [
    "Answer",
    "Assessment",
    "AssessmentRevision",
    "AuditEvent",
    "Company",
    "Membership",
    "StashedPost",
    "StepState",
    "User",
]
