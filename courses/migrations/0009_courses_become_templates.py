"""Upgrade to tenancy (issue #16): today's courses become templates with one offering each in a
default school, and today's course roles map onto school roles. Nothing is deleted; every row stays
reachable. Runs only when there is something to move (a new installation gets no default school)."""

from __future__ import annotations

from django.db import migrations

STAFF = {"teacher", "ta"}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Course = apps.get_model("courses", "Course")
    Enrollment = apps.get_model("courses", "Enrollment")
    Organisation = apps.get_model("orgs", "Organisation")
    Membership = apps.get_model("orgs", "Membership")
    Term = apps.get_model("orgs", "Term")
    Offering = apps.get_model("orgs", "Offering")
    User = apps.get_model("accounts", "User")
    if not Course.objects.exists() and not User.objects.filter(is_superuser=False).exists():
        return
    school, _ = Organisation.objects.get_or_create(
        slug="default-school", defaults={"name": "Default school", "name_zh": "默认学校", "kind": "school"}
    )
    first = Course.objects.order_by("created_at").values_list("created_at", flat=True).first()
    term, _ = Term.objects.get_or_create(
        org=school,
        name="Current term",
        defaults={"name_zh": "当前学期", "starts_on": first.date() if first else "2026-01-01", "ends_on": None},
    )
    for course in Course.objects.filter(owner__isnull=True):
        course.owner = school
        course.save(update_fields=["owner"])
        offering = Offering.objects.create(course=course, school=school, term=term)
        Enrollment.objects.filter(course=course, offering__isnull=True).update(offering=offering)
    # people: the strongest role a person had in any course (teacher > ta > student); course creators teach
    strength = {"student": 0, "ta": 1, "teacher": 2}
    best: dict[int, str] = {}
    for user_id, role in Enrollment.objects.values_list("user_id", "role"):
        if strength.get(role, 0) >= strength.get(best.get(user_id, "student"), 0):
            best[user_id] = role
    for user_id in User.objects.filter(can_create_courses=True).values_list("pk", flat=True):
        best[user_id] = "teacher"
    for user_id, role in best.items():
        Membership.objects.get_or_create(org=school, user_id=user_id, defaults={"role": role})


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_course_owner_enrollment_offering"),
        ("orgs", "0001_initial"),
        ("accounts", "0002_onboarding_time_zone"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
