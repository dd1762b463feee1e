from .children import (
    CHILD_MODELS,
    AssetDeclaration,
    CareerEvent,
    Commendation,
    Discipline,
    Education,
    FamilyMember,
    HealthRecord,
    Membership,
    MilitaryService,
    ProfileChild,
    QualityAssessment,
    SalaryHistory,
    Training,
    WorkHistory,
)
from .codelists import CodeItem, CodeList, CodeListRelease
from .merging import MergeCandidate, ProfileMerge
from .profile import DatePrecision, Profile, ProfileStatus
from .signature import ProfileSignature
from .workflow import Finding, ProfileVersion, VersionStatus

__all__ = [
    "CHILD_MODELS",
    "AssetDeclaration",
    "CareerEvent",
    "CodeItem",
    "CodeList",
    "CodeListRelease",
    "Commendation",
    "DatePrecision",
    "Discipline",
    "Education",
    "FamilyMember",
    "Finding",
    "HealthRecord",
    "Membership",
    "MergeCandidate",
    "MilitaryService",
    "Profile",
    "ProfileChild",
    "ProfileMerge",
    "ProfileSignature",
    "ProfileStatus",
    "ProfileVersion",
    "QualityAssessment",
    "SalaryHistory",
    "Training",
    "VersionStatus",
    "WorkHistory",
]
