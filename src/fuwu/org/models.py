"""Organisation, departments, staff, roles, absences and A/B duties (AB角工作制)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    preset = models.CharField(_("policy preset"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Confidentiality(models.IntegerChoices):
    """Confidentiality levels of records and clearance of staff (000: 秘密 / 机密 / 绝密)."""

    NONE = 0, _("Not classified")
    SECRET = 1, _("Secret (秘密)")
    CONFIDENTIAL = 2, _("Confidential (机密)")
    TOP_SECRET = 3, _("Top secret (绝密)")


class Department(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="departments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40)
    # Materialised path of ids ("/1/4/9/"), so a subtree is one indexed prefix query.
    path = models.CharField(max_length=500, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="department_code_unique_in_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    TECHNICIAN = "technician", _("Technician")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    QUALITY_INSPECTOR = "quality_inspector", _("Quality inspector")
    DIRECTOR = "director", _("Director")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Verifies and allocates complaint and service costs (003 6: 财务部负责审核费用及落实摊销部门).
    FINANCE = "finance", _("Finance")


class StaffManager(UserManager["User"]):
    pass


class User(AbstractUser):
    """A member of staff. Customers are not users; they reach us through public pages and agents."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("organisation"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Stored as a comma-wrapped list (",agent,technician,") so that "has role X" is one indexed LIKE
    # on SQLite and PostgreSQL alike; read and written through ``roles``.
    role_codes = models.CharField(_("roles"), max_length=200, default=",", db_index=True)
    clearance = models.IntegerField(
        _("confidentiality clearance"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    is_gatekeeper = models.BooleanField(
        _("gatekeeper post"),
        default=False,
        help_text=_("A gatekeeper can log a visitor but never becomes first-contact owner."),
    )

    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["department__path", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def roles(self) -> list[str]:
        return [code for code in self.role_codes.split(",") if code]

    @roles.setter
    def roles(self, codes: list[str]) -> None:
        valid = [c for c in Role.values if c in set(codes)]
        self.role_codes = "," + ",".join(valid) + ("," if valid else "")

    def has_role(self, *codes: str) -> bool:
        mine = set(self.roles)
        return any(code in mine for code in codes) or (self.is_superuser and Role.ADMINISTRATOR in codes)

    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in self.roles]

    @staticmethod
    def role_q(code: str) -> Q:
        return Q(role_codes__contains=f",{code},")


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    BUSINESS_TRIP = "business_trip", _("Business trip")
    OFF_SHIFT = "off_shift", _("Off shift")


class Absence(models.Model):
    """A period when a person is not at work; their duties go to their B (AB角)."""

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AbsenceKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # When the person's open work was handed to their B (set once, by the absence or the sweep).
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["person", "starts_at", "ends_at"], name="absence_person_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


class DutyKind(models.TextChoices):
    QUEUE = "queue", _("Department queue")
    POST = "post", _("Post")
    RESPONSIBILITY = "responsibility", _("Named responsibility")


class Duty(models.Model):
    """A duty with a primary (A) and a backup (B) person: nothing is ever left unowned."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="duties")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="duties", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DutyKind.choices, default=DutyKind.POST)
    primary = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="primary_duties", verbose_name=_("A (primary)")
    )
    backup = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="backup_duties", verbose_name=_("B (backup)")
    )
    description = models.TextField(_("description"), blank=True)
    is_intake = models.BooleanField(
        _("receives unattended requests"),
        default=False,
        help_text=_(
            "Requests from the public web form, e-mail or the API without a person land with this "
            "duty's handler, who becomes their first-contact owner."
        ),
    )

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["department__path", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(primary=models.F("backup")), name="duty_backup_differs_from_primary"
            ),
            models.UniqueConstraint(fields=["department", "name"], name="duty_name_unique_in_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="cli")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} · {self.prefix}…"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "cli") -> tuple[ApiToken, str]:
        key = "fw_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8])
        return token, key
