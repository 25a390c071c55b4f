"""Enumerations of the courses app (the bottom of its import order)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TA = "ta", _("Teaching assistant")
    TEACHER = "teacher", _("Teacher")


STAFF_ROLES = frozenset({Role.TA, Role.TEACHER})


class ActivityKind(models.TextChoices):
    LESSON = "lesson", _("Lesson")
    PRACTICE = "practice", _("Practice")
    ASSIGNMENT = "assignment", _("Assignment")
    EXAM = "exam", _("Exam")
    COMPETITION = "competition", _("Competition")
    QUIZ = "quiz", _("Quiz")


# Kinds that open a notebook in the student's lab.
NOTEBOOK_KINDS = frozenset({ActivityKind.PRACTICE, ActivityKind.ASSIGNMENT, ActivityKind.EXAM})
# Kinds that are graded through nbgrader.
GRADED_KINDS = frozenset({ActivityKind.ASSIGNMENT, ActivityKind.EXAM, ActivityKind.QUIZ})


class FileKind(models.TextChoices):
    LESSON = "lesson", _("Lesson text")
    NOTEBOOK = "notebook", _("Student notebook")
    SOURCE = "source", _("Instructor source notebook")  # solutions and hidden tests: never served to students
    DATA = "data", _("Data file")
    ASSET = "asset", _("Figure or asset")


STUDENT_VISIBLE_FILES = frozenset({FileKind.NOTEBOOK, FileKind.DATA, FileKind.ASSET})


class Stage(models.TextChoices):
    """The six stages of the loop, each with its Chinese character."""

    TEACH = "teach", "教 Teach"
    LEARN = "learn", "学 Learn"
    PRACTICE = "practice", "练 Practice"
    TEST = "test", "测 Test"
    EVALUATE = "evaluate", "评 Evaluate"
    COMPETE = "compete", "赛 Compete"


STAGE_OF_KIND = {
    ActivityKind.LESSON: Stage.LEARN,
    ActivityKind.PRACTICE: Stage.PRACTICE,
    ActivityKind.ASSIGNMENT: Stage.TEST,
    ActivityKind.EXAM: Stage.TEST,
    ActivityKind.QUIZ: Stage.TEST,
    ActivityKind.COMPETITION: Stage.COMPETE,
}
