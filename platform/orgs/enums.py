"""Enumerations of the orgs app (the bottom of its import order)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    DISTRICT = "district", _("District")
    SCHOOL = "school", _("School")


class OrgRole(models.TextChoices):
    """A person's role in an organisation. A district's admins administer every school in it."""

    ADMIN = "admin", _("Administrator")
    TEACHER = "teacher", _("Teacher")
    TA = "ta", _("Teaching assistant")
    STUDENT = "student", _("Student")


class CompetitionScope(models.TextChoices):
    SITE = "site", _("Everyone on the site")
    DISTRICT = "district", _("The district's schools")
    SCHOOL = "school", _("One school only")
