"""Upgrading an installation to tenancy loses nothing (issue #16 item 7).

``data/release-9cb0899.sqlite3.gz`` is a database made by the last release before tenancy (commit
9cb0899): ``migrate``, ``load_demo`` and ``load_competitions`` of that release, then a few rows
through its shell — a TA enrolment, a student who is also a TA in another course (bob), a second
superuser who teaches a course (head) and a user with no enrolment (visitor). Nothing was trimmed
(285 KB gzipped, 2.9 MB as a database).

Each test copies the database, runs this code's ``migrate`` on the copy in a separate Python
process (as an operator would: ``DATABASE_URL`` pointing at it), then reads the result. The
expectations come from the copy itself, read with plain SQL before the upgrade: every row of every
table the release had is still there, every course is a template of the default school with one
offering, every enrolment points at it, every enrolled person has the school role their strongest
course role maps to, and superusers stay superusers.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASE_DB = Path(__file__).resolve().parent / "data" / "release-9cb0899.sqlite3.gz"

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Tables whose row counts the upgrade may change: Django's own bookkeeping.
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}

# Runs in the child process after ``migrate``: what the upgrade made, as JSON on the last line.
REPORT = r"""
import json
from django.db import connection
from accounts.models import User
from courses.models import Course, Enrollment
from orgs.models import Membership, Offering, Organisation, Term

default = Organisation.objects.filter(slug="default-school").first()
courses = []
for course in Course.objects.order_by("pk"):
    offerings = list(Offering.objects.filter(course=course).values("pk", "school_id", "term_id"))
    courses.append({"pk": course.pk, "owner": course.owner_id, "offerings": offerings})
enrolments = list(
    Enrollment.objects.order_by("pk").values("pk", "course_id", "user_id", "role", "offering_id",
                                              "offering__course_id", "offering__school_id")
)
memberships = list(Membership.objects.values("org_id", "user_id", "role", "archived"))
with connection.cursor() as cur:
    tables = connection.introspection.table_names(cur)
    counts = {}
    for table in tables:
        cur.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cur.fetchone()[0]
print(json.dumps({
    "default": None if default is None else {"pk": default.pk, "kind": default.kind, "parent": default.parent_id},
    "orgs": Organisation.objects.count(),
    "terms": list(Term.objects.values("pk", "org_id", "ends_on")),
    "offerings": Offering.objects.count(),
    "courses": courses,
    "enrolments": enrolments,
    "memberships": memberships,
    "superusers": sorted(User.objects.filter(is_superuser=True).values_list("username", flat=True)),
    "users": {u: [s, st, a, p] for u, s, st, a, p in
              User.objects.values_list("username", "is_superuser", "is_staff", "is_active", "password")},
    "counts": counts,
}, default=str))
"""

CHILD = r"""
import os, sys
sys.path[:0] = [os.environ["REPO"], os.path.join(os.environ["REPO"], "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
exec(os.environ["REPORT"])
"""


def _upgrade(db: Path, tmp_path: Path) -> dict[str, Any]:
    """``migrate`` the database at ``db`` with this code, in a fresh process; its report."""
    env = {
        **os.environ,
        "REPO": str(REPO),
        "REPORT": REPORT,
        "DATABASE_URL": f"sqlite:///{db}",
        "LIANGZHI_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _before(db: Path) -> dict[str, Any]:
    """What the release's database holds, read with plain SQL (no code of this version)."""
    con = sqlite3.connect(db)
    try:
        tables = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608  # table names from sqlite_master
        enrolments = con.execute("SELECT user_id, role FROM courses_enrollment").fetchall()
        creators = [r[0] for r in con.execute("SELECT id FROM accounts_user WHERE can_create_courses")]
        users = {
            r[0]: [bool(r[1]), bool(r[2]), bool(r[3]), r[4]]
            for r in con.execute("SELECT username, is_superuser, is_staff, is_active, password FROM accounts_user")
        }
        applied = {r[0] for r in con.execute("SELECT app FROM django_migrations")}
    finally:
        con.close()
    return {"counts": counts, "enrolments": enrolments, "creators": creators, "users": users, "apps": applied}


@pytest.fixture
def release_db(tmp_path: Path) -> Path:
    db = tmp_path / "release.sqlite3"
    with gzip.open(RELEASE_DB, "rb") as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return db


def test_the_release_database_is_what_the_test_says(release_db: Path) -> None:
    """The stored database really is a pre-tenancy one with the rows the upgrade test relies on."""
    before = _before(release_db)
    assert "orgs" not in before["apps"] and "orgs_organisation" not in before["counts"]
    counts = before["counts"]
    assert counts["courses_course"] >= 3 and counts["courses_enrollment"] >= 80
    assert counts["grading_submission"] >= 200 and counts["competitions_submission"] >= 1
    roles = {role for _, role in before["enrolments"]}
    assert roles == {"student", "ta", "teacher"}
    assert sum(1 for u in before["users"].values() if u[0]) == 2  # admin and head


def test_upgrading_the_last_release_keeps_every_row_reachable(release_db: Path, tmp_path: Path) -> None:
    before = _before(release_db)
    after = _upgrade(release_db, tmp_path)

    # one default school (no district), one open-ended term
    assert after["default"] is not None and after["default"]["kind"] == "school"
    assert after["default"]["parent"] is None
    school = after["default"]["pk"]
    assert after["orgs"] == 1
    assert len(after["terms"]) == 1 and after["terms"][0]["org_id"] == school and after["terms"][0]["ends_on"] is None

    # every course is a template of the default school with exactly one offering there
    assert len(after["courses"]) == before["counts"]["courses_course"]
    offering_of: dict[int, int] = {}
    for course in after["courses"]:
        assert course["owner"] == school, course
        assert len(course["offerings"]) == 1, course
        offering = course["offerings"][0]
        assert offering["school_id"] == school and offering["term_id"] == after["terms"][0]["pk"]
        offering_of[course["pk"]] = offering["pk"]
    assert after["offerings"] == len(after["courses"])

    # every enrolment points at its course's offering (and keeps its course role)
    assert len(after["enrolments"]) == before["counts"]["courses_enrollment"]
    for e in after["enrolments"]:
        assert e["offering_id"] == offering_of[e["course_id"]], e
        assert e["offering__course_id"] == e["course_id"] and e["offering__school_id"] == school
    assert sorted((e["user_id"], e["role"]) for e in after["enrolments"]) == sorted(
        tuple(x) for x in before["enrolments"]
    )

    # every enrolled person (and every course creator) is a member with the strongest role mapped
    strength = {"student": 0, "ta": 1, "teacher": 2}
    expected: dict[int, str] = {}
    for user_id, role in before["enrolments"]:
        if strength[role] >= strength[expected.get(user_id, "student")]:
            expected[user_id] = role
    for user_id in before["creators"]:
        expected[user_id] = "teacher"
    got = {m["user_id"]: m["role"] for m in after["memberships"] if m["org_id"] == school}
    assert got == expected
    assert all(not m["archived"] for m in after["memberships"])
    assert len(after["memberships"]) == len(got)  # nobody was put anywhere else
    assert set(expected.values()) == {"student", "ta", "teacher"}  # the data exercise every role

    # no row of any table the release had is lost (or duplicated)
    for table, count in before["counts"].items():
        if table in BOOKKEEPING:
            continue
        assert after["counts"].get(table) == count, (table, count, after["counts"].get(table))

    # people keep their names, powers and passwords; superusers stay superusers
    assert after["users"] == before["users"]
    assert after["superusers"] == sorted(u for u, flags in before["users"].items() if flags[0])


def test_a_new_installation_gets_no_default_school(tmp_path: Path) -> None:
    after = _upgrade(tmp_path / "fresh.sqlite3", tmp_path)
    assert after["default"] is None
    assert after["orgs"] == 0 and after["terms"] == [] and after["offerings"] == 0
    assert after["courses"] == [] and after["memberships"] == []
    assert after["counts"]["orgs_organisation"] == 0
