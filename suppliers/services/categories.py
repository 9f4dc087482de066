"""Gift categories, maintained by operators: a code, the names in Chinese and English, and the product certificates
the category's gifts need (SPEC §4.1: configured per category).

A category's code is how catalog files and filters name it, so it is set once. A certificate added to a category
blocks the submissions that follow (`qualifications.submission_blockers`) and counts when a certificate expires; gifts
already listed stay listed.
"""
import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext

from core.errors import refuse
from core.roles import Role, require_role
from core.validators import length_error
from suppliers.models import Category, Qualification

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_CERTIFICATES = 10


def list_categories():
    """Every category with how many gifts it holds."""
    return Category.objects.annotate(gift_count=Count("gifts")).order_by("code")


def save_category(
    *, actor, now: datetime, name: str | None = None, name_en: str | None = None, required_certificates: Iterable[str] | None = None,
    code: str = "", category: Category | None = None,
) -> Category:
    """Add a category (`code` given) or change one (`category` given: its code stays, whatever `code` says, and a field
    not given keeps its value). All or nothing.

    :raises PermissionDenied: unless an operator :raises ValidationFailed: every bad field, named
    """
    require_role(actor, {Role.OPERATOR}, gettext("仅运营人员可以维护礼品类别"))
    errors = []
    code = (code or "").strip()
    if category is None and (problem := code_problem(code)):
        errors.append(("code", *problem))
    if category is not None:  # a change: what is not given stays
        name = category.name if name is None else name
        name_en = category.name_en if name_en is None else name_en
        required_certificates = category.required_certificates if required_certificates is None else required_certificates
    name, name_en = (name or "").strip(), (name_en or "").strip()
    for field, value in (("name", name), ("name_en", name_en)):
        if problem := name_problem(field, value):
            errors.append((field, *problem))
    certificates, message = read_certificates(required_certificates or ())
    if message:
        errors.append(("required_certificates", "invalid", message))
    refuse(errors)
    with transaction.atomic():
        if category is None:
            return Category.objects.create(code=code, name=name, name_en=name_en, required_certificates=certificates)
        category.name, category.name_en, category.required_certificates = name, name_en, certificates
        category.save(update_fields=["name", "name_en", "required_certificates"])
    return category


def code_problem(code: str) -> tuple[str, str] | None:
    """Why `code` (trimmed) cannot name a new category, as (error code, message); None when it can."""
    code = (code or "").strip()
    if not code:
        return "required", gettext("必填")
    if len(code) > 40 or not CODE.match(code):
        return "invalid", gettext("代码须为小写字母、数字和连字符（如 tea、home-appliance），至多 40 个字符")
    if Category.objects.filter(code=code).exists():
        return "unique", gettext("代码 %(code)s 已被使用") % {"code": code}
    return None


def name_problem(field: str, value: str) -> tuple[str, str] | None:
    """Why `value` (trimmed) cannot be a category's `name` (required) or `name_en`, as (error code, message); None when
    it can."""
    value = (value or "").strip()
    if field == "name" and not value:
        return "required", gettext("必填")
    if message := length_error(value, model=Category, column=field):
        return "invalid", message
    return None


def read_certificates(values: Iterable[str]) -> tuple[list[str], str]:
    """The certificate types, trimmed, each once, in the order given; or the message saying what is wrong."""
    if isinstance(values, str):
        values = [values]
    certificates = list(dict.fromkeys(str(value).strip() for value in values if str(value).strip()))
    limit = Qualification._meta.get_field("certificate_type").max_length
    if too_long := [c for c in certificates if len(c) > limit]:
        return [], gettext("证书种类“%(name)s”超过 %(limit)s 个字符") % {"name": too_long[0], "limit": limit}
    if len(certificates) > MAX_CERTIFICATES:
        return [], gettext("至多 %(count)s 种证书") % {"count": MAX_CERTIFICATES}
    return certificates, ""
