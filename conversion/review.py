"""The review queue of a campaign: the place texts waiting for a person, filtered by field and
unit, grouped so that identical cases are decided once.

Two texts are *identical cases* when the resolver found the same candidate communes for both
(e.g. "Xã Vầy Nưa, Huyện Đà Bắc, Tỉnh Hòa Bình" and "xa Vay Nua, Da Bac, Hoa Binh"): the
queue shows them as one group, and one click on a candidate decides every text of the group
(:func:`decide_group`), each through :func:`conversion.services.decide_text`, so each text
keeps its own :class:`~conversion.models.TextDecision` and every profile carrying it follows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from orgtree.models import Unit

from . import services
from .codes import LISTS
from .models import Campaign, ChangeRow, FieldName, Outcome

CHILD_LABELS = 20
PLACE_FIELD_CHOICES = [(f.value, f.label) for f in FieldName if f.value in services.TEXT_FIELDS]


def candidate_key(candidate: dict[str, Any]) -> str:
    """``province code/commune code`` of a place candidate (commune empty for a province)."""
    commune = candidate.get("commune") or {}
    return f"{candidate['province']['code']}/{commune.get('code', '')}"


def candidate_label(candidate: dict[str, Any]) -> str:
    commune = candidate.get("commune") or {}
    parts = [commune.get("name", ""), candidate["province"]["name"]]
    label = ", ".join(p for p in parts if p)
    district = commune.get("district") or {}
    if district.get("name"):
        label += f" (trước đây thuộc {district['name']})"
    return label


@dataclass
class ReviewGroup:
    """Texts with the same candidates; ``count`` values in all (``per_text``: per text)."""

    candidates: list[dict[str, Any]]
    texts: list[str] = field(default_factory=list)
    per_text: dict[str, int] = field(default_factory=dict)
    fields: dict[str, int] = field(default_factory=dict)
    count: int = 0
    #: the family and work-history rows waiting, named ("Trần Văn Bình — Quan hệ gia đình: Mẹ
    #: – Nguyễn Thị A, nơi ở"), at most :data:`CHILD_LABELS` of them
    rows: list[str] = field(default_factory=list)

    @property
    def choices(self) -> list[dict[str, str]]:
        return [{"key": candidate_key(c), "label": candidate_label(c)} for c in self.candidates]


def review_rows(
    campaign: Campaign, field_name: str = "", unit: Unit | None = None
) -> QuerySet[ChangeRow]:
    """The place rows of ``campaign`` waiting for a person, of one field and/or of the
    profiles of one unit's subtree."""
    from orgtree.tree import subtree_q

    rows = ChangeRow.objects.filter(
        campaign=campaign, outcome=Outcome.REVIEW, field__in=services.TEXT_FIELDS
    )
    if field_name:
        rows = rows.filter(field=field_name)
    if unit is not None:
        rows = rows.filter(subtree_q(unit, "profile__unit"))
    return rows


def review_groups(
    campaign: Campaign, field_name: str = "", unit: Unit | None = None
) -> list[ReviewGroup]:
    """The waiting texts grouped by their candidates, the largest group first."""
    rows = review_rows(campaign, field_name, unit)
    counts = rows.order_by().values_list("old_text", "field").annotate(n=Count("id")).order_by()
    per_text: dict[str, dict[str, int]] = defaultdict(dict)
    for text, fname, n in counts:
        per_text[text][fname] = n
    candidates_of: dict[str, list[dict[str, Any]]] = {}
    for text, candidates in (
        ChangeRow.objects.filter(
            campaign=campaign, outcome=Outcome.REVIEW, old_text__in=list(per_text)
        )
        .order_by("old_text", "id")
        .values_list("old_text", "candidates")
    ):
        candidates_of.setdefault(text, candidates)
    groups: dict[tuple[str, ...], ReviewGroup] = {}
    for text in sorted(per_text):
        candidates = candidates_of.get(text, [])
        key = tuple(sorted(candidate_key(c) for c in candidates)) or (f"text:{text}",)
        group = groups.setdefault(key, ReviewGroup(candidates=candidates))
        group.texts.append(text)
        group.per_text[text] = sum(per_text[text].values())
        for fname, n in per_text[text].items():
            group.fields[fname] = group.fields.get(fname, 0) + n
        group.count += group.per_text[text]
    named = (
        rows.exclude(child_label="")
        .order_by("old_text", "profile_id", "id")
        .values_list("old_text", "profile__full_name", "child_label")
    )
    by_text: dict[str, list[str]] = defaultdict(list)
    for text, person, label in named.iterator():
        if len(by_text[text]) < CHILD_LABELS:
            by_text[text].append(f"{person} — {label}")
    for group in groups.values():
        for text in group.texts:
            group.rows.extend(by_text.get(text, [])[: CHILD_LABELS - len(group.rows)])
    return sorted(groups.values(), key=lambda g: (-g.count, g.texts[0]))


def review_units(campaign: Campaign) -> QuerySet[Unit]:
    """The units whose profiles have places, positions or titles waiting (the unit filter's
    choices)."""
    ids = (
        ChangeRow.objects.filter(
            campaign=campaign,
            outcome=Outcome.REVIEW,
            field__in=[*services.TEXT_FIELDS, *LISTS],
        )
        .order_by()
        .values("profile__unit_id")
        .distinct()
    )
    return Unit.objects.filter(pk__in=ids).order_by("code")


@transaction.atomic
def decide_group(campaign: Campaign, texts: list[str], key: str, user: Any) -> int:
    """Choose the candidate ``key`` (:func:`candidate_key`) for every text of ``texts``: each
    text is decided once for every profile carrying it. Returns the values changed."""
    changed = 0
    for text in texts:
        sample = (
            ChangeRow.objects.filter(
                campaign=campaign,
                old_text=text,
                outcome=Outcome.REVIEW,
                field__in=services.TEXT_FIELDS,
            )
            .order_by("id")
            .first()
        )
        if sample is None:
            raise services.ConversionError(
                _("Không có giá trị nào chờ chọn với văn bản “%(text)s”.") % {"text": text}
            )
        keys = [candidate_key(c) for c in sample.candidates]
        if key not in keys:
            raise services.ConversionError(
                _("Phương án %(key)s không có trong danh sách của “%(text)s”.")
                % {"key": key, "text": text}
            )
        changed += services.decide_text(campaign, text, keys.index(key), user)
    return changed


# -- positions and titles that disappeared (district posts): a person chooses ------------------
CODE_FIELD_CHOICES = [(f.value, f.label) for f in FieldName if f.value in LISTS]


@dataclass
class CodeGroup:
    """Every value of one old position or title code waiting for a person."""

    field: str
    old_code: str
    old_text: str
    reason: str
    candidates: list[dict[str, Any]]
    count: int


def code_groups(
    campaign: Campaign, field_name: str = "", unit: Unit | None = None
) -> list[CodeGroup]:
    from orgtree.tree import subtree_q

    rows = ChangeRow.objects.filter(
        campaign=campaign, outcome=Outcome.REVIEW, field__in=list(LISTS)
    )
    if field_name:
        rows = rows.filter(field=field_name)
    if unit is not None:
        rows = rows.filter(subtree_q(unit, "profile__unit"))
    counts = rows.order_by().values_list("field", "old_code").annotate(n=Count("id"))
    out = []
    for fname, old_code, n in counts:
        sample = (
            ChangeRow.objects.filter(
                campaign=campaign, outcome=Outcome.REVIEW, field=fname, old_code=old_code
            )
            .order_by("id")
            .first()
        )
        if sample is not None:
            out.append(
                CodeGroup(fname, old_code, sample.old_text, sample.reason, sample.candidates, n)
            )
    return sorted(out, key=lambda g: (-g.count, g.field, g.old_code))


@transaction.atomic
def decide_code(
    campaign: Campaign, field_name: str, old_code: str, new_code: str, user: Any
) -> int:
    """Choose ``new_code`` (one of the candidates) for every value of ``old_code`` in
    ``field_name`` waiting in the campaign; the commit then writes it to the profile and its
    current work row. Returns the values changed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    services.check_scope(user, campaign.scope_unit)
    if campaign.status != Campaign.Status.PREVIEWED:
        raise services.ConversionError(_("Chỉ chọn được khi đợt chuyển đổi chưa ghi vào hồ sơ."))
    if field_name not in LISTS:
        raise services.ConversionError(
            _("Trường “%(field)s” không phải chức vụ, chức danh.") % {"field": field_name}
        )
    rows = ChangeRow.objects.filter(
        campaign=campaign, field=field_name, old_code=old_code, outcome=Outcome.REVIEW
    )
    sample = rows.order_by("id").first()
    if sample is None:
        raise services.ConversionError(
            _("Không có giá trị nào chờ chọn với mã “%(code)s”.") % {"code": old_code}
        )
    chosen = next((c for c in sample.candidates if c.get("code") == new_code), None)
    if chosen is None:
        raise services.ConversionError(
            _("Mã %(code)s không có trong danh sách gợi ý.") % {"code": new_code}
        )
    who = getattr(user, "username", "") or "?"
    changed = rows.update(
        outcome=Outcome.CONVERTED,
        rule="decision",
        reason=f"Người dùng {who} chọn cho mọi hồ sơ có mã {old_code}"[:300],
        confidence=1.0,
        new_code=new_code,
        new_text=f"{chosen['name']} [{new_code}]"[:255],
    )
    campaign.counts = {**campaign.counts, **services.summarise(campaign)}
    campaign.save(update_fields=["counts"])
    return changed
