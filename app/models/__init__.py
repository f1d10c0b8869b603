"""The relational schema shared by all features. Import models from here."""

from app.models.advisor import AdvisorGrant
from app.models.api_token import ApiToken
from app.models.assessment import Answer, Assessment, AssessmentRevision, StashedPost, StepState
from app.models.audit import AuditEvent
from app.models.benchmark import (
    BenchmarkCell,
    BenchmarkPosition,
    BenchmarkPositionOverride,
    BenchmarkRank,
)
from app.models.comment import Comment
from app.models.company import Company, Membership
from app.models.exchange import ImportUpload
from app.models.index_version import IndexMapping, IndexVersion
from app.models.invitation import Invitation
from app.models.kpi import Indicator, IndicatorValue, TargetRevision
from app.models.password_reset import PasswordResetToken
from app.models.report_release import (
    ReleaseCell,
    ReleaseKpiMember,
    ReleaseMember,
    ReleasePanelMember,
    ReportRelease,
)
from app.models.review import ItemRating, ReviewComment
from app.models.signup import SignupRequest
from app.models.submission_sums import SubmissionPartSums
from app.models.summary import CompanySummary
from app.models.team import TeamInvitation, TeamParticipant, TeamRound, TeamView
from app.models.two_factor import RecoveryCode, TwoFactorPolicy
from app.models.user import User

__all__ = [
    "AdvisorGrant",
    "ApiToken",
    "Answer",
    "Assessment",
    "AssessmentRevision",
    "AuditEvent",
    "BenchmarkCell",
    "BenchmarkPosition",
    "BenchmarkPositionOverride",
    "BenchmarkRank",
    "Comment",
    "Company",
    "CompanySummary",
    "ImportUpload",
    "IndexMapping",
    "IndexVersion",
    "Indicator",
    "IndicatorValue",
    "Invitation",
    "ItemRating",
    "Membership",
    "PasswordResetToken",
    "RecoveryCode",
    "ReleaseCell",
    "ReleaseMember",
    "ReleaseKpiMember",
    "ReleasePanelMember",
    "ReportRelease",
    "ReviewComment",
    "SignupRequest",
    "StashedPost",
    "StepState",
    "SubmissionPartSums",
    "TargetRevision",
    "TeamInvitation",
    "TeamParticipant",
    "TeamRound",
    "TeamView",
    "TwoFactorPolicy",
    "User",
]
