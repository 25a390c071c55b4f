"""Fixtures for the competitions tests: the shipped Decoder Cup and QML challenge at a tiny scale,
attached to the shared ``world`` course (students alice/bob/charlie, teacher, ta)."""

from __future__ import annotations

from pathlib import Path

import pytest

SCALE = 0.002  # ~3,600 development shots and ~14,600 final shots: seconds, not minutes

PYMATCHING_DECODER = b"""
import pymatching

def make_decoder(circuit):
    m = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    return lambda det: m.decode_batch(det)
"""


@pytest.fixture(scope="session")
def _competition_dirs(tmp_path_factory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("competitions")
    return base / "data", base / "jobs"


@pytest.fixture(autouse=True)
def _competition_settings(settings, _competition_dirs):  # type: ignore[no-untyped-def]
    data, jobs = _competition_dirs
    settings.COMPETITIONS_DATA_DIR = data
    settings.COMPETITIONS_JOB_DIR = jobs
    settings.COMPETITIONS_SHOTS_SCALE = SCALE
    settings.COMPETITIONS_SEED_SECRET = "test-secret-not-for-production"
    from django.core.cache import cache

    cache.clear()  # cached rankings are keyed by phase id, and ids are reused after a rollback
    from django.utils import translation

    translation.activate("en")  # a request in Chinese leaves its language active in this thread


def _load(name: str, course_slug: str):  # type: ignore[no-untyped-def]
    from competitions.definitions_loader import DEFINITIONS, load_definition

    return load_definition(DEFINITIONS / name, scale=SCALE, course_slug=course_slug)


@pytest.fixture
def cup(world):  # type: ignore[no-untyped-def]
    """The Decoder Cup in course qc101, development phase open, final phase upcoming."""
    return _load("decoder-cup", "qc101")


@pytest.fixture
def qml(world):  # type: ignore[no-untyped-def]
    return _load("qml-challenge", "qc101")


@pytest.fixture
def dev(cup):  # type: ignore[no-untyped-def]
    return cup.phases.get(slug="development")


@pytest.fixture
def hidden_dir(dev) -> Path:  # type: ignore[no-untyped-def]
    from competitions.datasets import phase_dir

    return phase_dir(dev.competition.slug, dev.dataset) / "hidden"


@pytest.fixture
def evaluate():  # type: ignore[no-untyped-def]
    """Receive and evaluate one submission synchronously (the task body, without a broker)."""
    from competitions.services import submission_evaluate, submission_receive

    def _run(phase, user, code: bytes, filename: str = "decoder.py"):  # type: ignore[no-untyped-def]
        sub = submission_receive(phase=phase, user=user, data=code, filename=filename)
        return submission_evaluate(submission_id=sub.pk)

    return _run
