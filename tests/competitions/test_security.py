"""Hidden data stays hidden: labels out of the sandbox's reach, the private board hidden until the close,
and every view checks the role on the object it serves."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from competitions.enums import SubmissionStatus
from competitions.selectors import competition_access, leaderboard, private_visible
from tests.competitions.conftest import PYMATCHING_DECODER

pytestmark = pytest.mark.django_db

# The participant's search: every file name on the visible filesystem, the contents of every small
# file outside /usr and the Python environment, and the environment variables; it looks for the
# hidden files by name, path and hash, and for the site's secrets. Found anything -> it raises, so
# the submission fails with the finding as its error; nothing -> a normal graded submission.
SEARCH = r"""
import hashlib, os, sys
import numpy as np

NEEDLES = {needles!r}
HASHES = {hashes!r}
HIDDEN = {hidden!r}
SECRETS = [s[::-1] for s in {secrets!r}]  # reversed, so this file does not contain them

def search():
    found, scanned, names = [], 0, 0
    if os.path.exists(HIDDEN):
        found.append("hidden folder exists: " + HIDDEN)
    for key, value in os.environ.items():
        if any(s in value or s in key for s in SECRETS):
            found.append("secret in environment: " + key)
    for root, dirs, files in os.walk("/", onerror=lambda e: None):
        if root.startswith(("/proc", "/sys", "/dev")):
            dirs[:] = []
            continue
        for name in files:
            names += 1
            path = os.path.join(root, name)
            if any(n in path for n in NEEDLES):
                found.append("suspicious path: " + path)
            if root.startswith(("/usr", sys.prefix)) and not name.endswith((".npz", ".npy", ".json")):
                continue
            try:
                if os.path.getsize(path) > 50_000_000:
                    continue
                data = open(path, "rb").read()
            except OSError:
                continue
            scanned += 1
            if hashlib.sha256(data).hexdigest() in HASHES:
                found.append("hidden file content at " + path)
            if any(s.encode() in data for s in SECRETS):
                found.append("secret in " + path)
    return found, scanned, names

FOUND, SCANNED, NAMES = search()
print(f"searched {{NAMES}} names, read {{SCANNED}} files, found {{len(FOUND)}}")
if FOUND:
    raise RuntimeError("LEAK: " + "; ".join(FOUND[:5]))

def decode(d):
    return np.zeros((len(d), 1), bool)
"""


def _search_code(hidden: Path, settings) -> tuple[str, set[str]]:  # type: ignore[no-untyped-def]
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in hidden.iterdir()}
    secrets = [settings.SECRET_KEY[::-1], settings.COMPETITIONS_SEED_SECRET[::-1]]
    needles = ["/hidden/", str(settings.COMPETITIONS_DATA_DIR)]
    return SEARCH.format(needles=needles, hashes=hashes, hidden=str(hidden), secrets=secrets), hashes


@pytest.mark.integration
def test_labels_are_unreachable_from_participant_code(dev, cast, evaluate, hidden_dir, settings):
    code, hashes = _search_code(hidden_dir, settings)
    assert len(hashes) == 7  # six tasks' labels + the manifest
    sub = evaluate(dev, cast.alice, code.encode())
    assert sub.status == SubmissionStatus.GRADED, sub.error
    assert "found 0" in sub.log and "LEAK" not in sub.log + sub.error
    names = int(sub.log.split("searched ")[1].split(" names")[0])
    assert names > 1000  # it really walked the visible filesystem (/usr, the Python environment)


def test_the_search_does_find_labels_where_they_are_visible(dev, hidden_dir, settings, tmp_path, monkeypatch):
    """Positive control: the same search, run outside the sandbox as root, finds the hidden data."""
    code, _ = _search_code(hidden_dir, settings)
    # Walk only the data folder here (the host filesystem is large); same matching logic.
    code = code.replace('os.walk("/"', f"os.walk({str(settings.COMPETITIONS_DATA_DIR)!r}")
    with pytest.raises(RuntimeError, match="LEAK: hidden folder exists"):
        exec(compile(code, "search", "exec"), {})  # noqa: S102 -- our own test code


def test_hidden_files_are_owner_only(hidden_dir):
    assert oct(hidden_dir.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in hidden_dir.iterdir())


@pytest.mark.integration
def test_private_ranking_hidden_until_close_for_everyone_but_the_host(dev, cast, evaluate, client):
    evaluate(dev, cast.alice, PYMATCHING_DECODER)
    url = reverse("competitions:leaderboard", args=[dev.competition.slug, dev.slug]) + "?split=private"
    roles = {
        "student": cast.alice,
        "ta": cast.ta,
        "teacher": cast.teacher,
        "admin": cast.admin,
        "other student": cast.bob,
    }
    for name, user in roles.items():
        access = competition_access(user=user, slug=dev.competition.slug)
        client.force_login(user)
        resp = client.get(url)
        if name in ("teacher", "admin"):
            assert private_visible(access=access, phase=dev), name
            assert resp.status_code == 200 and b"Private leaderboard" in resp.content, name
        else:
            assert not private_visible(access=access, phase=dev), name
            assert resp.status_code == 403, name
            # the home page does not carry private scores either
            page = client.get(reverse("competitions:phase", args=[dev.competition.slug, dev.slug]) + "?split=private")
            assert b"Private leaderboard" not in page.content and b"Public leaderboard" in page.content
    # The submission page shows the private score only to hosts before the close.
    sub = dev.submissions.filter(is_baseline=False).get()
    client.force_login(cast.alice)
    page = client.get(reverse("competitions:submission", args=[dev.competition.slug, sub.pk]))
    assert b"Private score" not in page.content and b"Public score" in page.content
    dev.ends_at = timezone.now() - timedelta(seconds=1)
    dev.save()
    resp = client.get(url)
    assert resp.status_code == 200 and b"Final ranking" in resp.content
    assert b"Alice" in resp.content
    # After the close the final (private) ranking is the default view for everyone.
    home = client.get(reverse("competitions:phase", args=[dev.competition.slug, dev.slug]))
    assert b"Final ranking" in home.content and b'hx-trigger="none"' in home.content  # no more polling
    assert leaderboard(phase=dev, split="private")


PAGES = [
    ("get", "competitions:home", lambda d, s: [d.competition.slug]),
    ("get", "competitions:phase", lambda d, s: [d.competition.slug, d.slug]),
    ("get", "competitions:leaderboard", lambda d, s: [d.competition.slug, d.slug]),
    ("get", "competitions:mine", lambda d, s: [d.competition.slug, d.slug]),
    ("post", "competitions:submit", lambda d, s: [d.competition.slug, d.slug]),
    ("post", "competitions:select", lambda d, s: [d.competition.slug, d.slug]),
    ("post", "competitions:team", lambda d, s: [d.competition.slug]),
    ("get", "competitions:export", lambda d, s: [d.competition.slug, d.slug]),
    ("get", "competitions:grades", lambda d, s: [d.competition.slug, d.slug]),
    ("get", "competitions:submission", lambda d, s: [d.competition.slug, s.pk]),
    ("post", "competitions:requeue", lambda d, s: [d.competition.slug, s.pk]),
]
# role -> view name -> expected status (302 = redirect after a handled form; 400/429 = handled refusal)
EXPECTED = {
    "anonymous": dict.fromkeys([p[1] for p in PAGES], 302),
    "outsider": dict.fromkeys([p[1] for p in PAGES], 404),
    "other_teacher": dict.fromkeys([p[1] for p in PAGES], 404),
    "owner": {
        "competitions:home": 200,
        "competitions:phase": 200,
        "competitions:leaderboard": 200,
        "competitions:mine": 200,
        "competitions:submit": 400,
        "competitions:select": 302,
        "competitions:team": 302,
        "competitions:export": 403,
        "competitions:grades": 403,
        "competitions:submission": 200,
        "competitions:requeue": 403,
    },
    "bob": {
        "competitions:home": 200,
        "competitions:phase": 200,
        "competitions:leaderboard": 200,
        "competitions:mine": 200,
        "competitions:submit": 400,
        "competitions:select": 302,
        "competitions:team": 302,
        "competitions:export": 403,
        "competitions:grades": 403,
        "competitions:submission": 404,
        "competitions:requeue": 403,
    },
    "ta": {
        "competitions:home": 200,
        "competitions:phase": 200,
        "competitions:leaderboard": 200,
        "competitions:mine": 200,
        "competitions:submit": 403,
        "competitions:select": 403,
        "competitions:team": 403,
        "competitions:export": 403,
        "competitions:grades": 403,
        "competitions:submission": 404,
        "competitions:requeue": 403,
    },
    "teacher": {
        "competitions:home": 200,
        "competitions:phase": 200,
        "competitions:leaderboard": 200,
        "competitions:mine": 200,
        "competitions:submit": 403,
        "competitions:select": 403,
        "competitions:team": 403,
        "competitions:export": 200,
        "competitions:grades": 200,
        "competitions:submission": 200,
        "competitions:requeue": 302,
    },
}


def test_permission_matrix_of_every_view(dev, cast, client):
    from competitions.services import submission_receive

    sub = submission_receive(phase=dev, user=cast.alice, data=PYMATCHING_DECODER, filename="d.py")
    users = {
        "outsider": cast.outsider,
        "other_teacher": cast.other_teacher,
        "owner": cast.alice,
        "bob": cast.bob,
        "ta": cast.ta,
        "teacher": cast.teacher,
    }
    failures = []
    for role, expected in EXPECTED.items():
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        for method, name, args in PAGES:
            resp = getattr(client, method)(reverse(name, args=args(dev, sub)))
            if resp.status_code != expected[name]:
                failures.append(f"{role} {method.upper()} {name}: {resp.status_code} != {expected[name]}")
    assert not failures, "\n".join(failures)


def test_site_wide_competition_is_open_to_every_signed_in_user(cast, client):
    from competitions.definitions_loader import DEFINITIONS, load_definition

    comp = load_definition(DEFINITIONS / "qml-challenge", scale=0.002, course_slug="no-such-course")
    assert comp.course is None
    outsider = competition_access(user=cast.outsider, slug=comp.slug)
    assert outsider.can_participate and not outsider.is_host
    admin = competition_access(user=cast.admin, slug=comp.slug)
    assert admin.is_host and not admin.can_participate
    client.force_login(cast.outsider)
    assert b"The QML Challenge" in client.get(reverse("competitions:home", args=[comp.slug])).content
    assert client.get(reverse("competitions:export", args=[comp.slug, "open"])).status_code == 403
    client.logout()
    assert client.get(reverse("competitions:home", args=[comp.slug])).status_code == 302
