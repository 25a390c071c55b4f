"""The grading fixtures (the demo Bell-states assignment as qc101/bell) for the notification tests."""

from tests.grading.conftest import bell, bell_assignment  # noqa: F401 (fixtures)
