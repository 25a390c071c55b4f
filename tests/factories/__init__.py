"""factory_boy factories for the platform's models."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from core.blobs import blob_put
from courses.enums import ActivityKind, FileKind, Role
from courses.models import Activity, ActivityFile, ActivityVersion, Course, Enrollment, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.edu")
    password = factory.django.Password("pw-for-tests")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"unit-{n}")
    title = factory.Sequence(lambda n: f"Unit {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    unit = factory.SubFactory(UnitFactory)
    course = factory.SelfAttribute("unit.course")
    slug = factory.Sequence(lambda n: f"activity-{n}")
    title = factory.Sequence(lambda n: f"Activity {n}")
    kind = ActivityKind.LESSON


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STUDENT


def add_version(activity: Activity, *, body_html: str = "", files: dict[str, tuple[str, bytes]] | None = None) -> ActivityVersion:
    """Give an activity a new content version with the given files: {path: (FileKind, bytes)}."""
    number = (activity.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ActivityVersion.objects.create(activity=activity, number=number, digest=f"{number:064d}", body_html=body_html)
    for path, (kind, data) in (files or {}).items():
        ActivityFile.objects.create(version=version, path=path, kind=kind, blob=blob_put(data), size=len(data))
    activity.current_version = version
    activity.save(update_fields=["current_version"])
    return version


def future(days: float = 7) -> object:
    return timezone.now() + timedelta(days=days)


def past(days: float = 7) -> object:
    return timezone.now() - timedelta(days=days)


__all__ = [
    "ActivityFactory", "CourseFactory", "EnrollmentFactory", "FileKind", "UnitFactory", "UserFactory",
    "add_version", "future", "past",
]
