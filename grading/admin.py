"""Admin pages for grading: submissions (with a regrade action), manual grades, overrides,
extensions and score releases."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    Accommodation,
    Extension,
    GeneralComment,
    ManualGrade,
    Override,
    RubricItem,
    SavedComment,
    ScoreRelease,
    Section,
    Submission,
)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "activity", "status", "received_at", "graded_at", "auto_score", "max_score", "attempts")
    list_filter = ("status", "source", ("activity", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "activity")
    search_fields = ("=id", "user__username", "user__display_name", "activity__slug", "blob", "idempotency_key")
    raw_id_fields = ("user", "activity", "version")
    date_hierarchy = "received_at"
    readonly_fields = (
        "blob", "size", "filename", "source", "idempotency_key", "received_at", "late_seconds", "penalty",
        "attempts", "queued_at", "started_at", "graded_at", "auto_score", "max_score", "cells", "feedback_blob",
    )
    actions = ("regrade",)

    @admin.action(description=_("Grade the selected submissions again"))
    def regrade(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        from .services import submissions_regrade

        by_activity: dict[int, list[int]] = defaultdict(list)
        activities = {}
        for sub in queryset.select_related("activity"):
            by_activity[sub.activity_id].append(sub.pk)
            activities[sub.activity_id] = sub.activity
        count = sum(
            submissions_regrade(activity=activities[aid], submission_ids=ids) for aid, ids in by_activity.items()
        )
        self.message_user(
            request,
            ngettext("%(n)d submission sent back to the grading queue.", "%(n)d submissions sent back to the grading queue.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(ManualGrade)
class ManualGradeAdmin(admin.ModelAdmin):
    list_display = ("submission", "grade_id", "score", "graded_by", "created_at")
    list_select_related = ("submission__user", "submission__activity", "graded_by")
    search_fields = ("grade_id", "submission__user__username", "submission__activity__slug")
    raw_id_fields = ("submission", "graded_by")


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ("submission", "score", "reason", "created_by", "created_at")
    list_select_related = ("submission__user", "submission__activity", "created_by")
    search_fields = ("submission__user__username", "submission__activity__slug")
    raw_id_fields = ("submission", "created_by")


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ("user", "activity", "due_at", "granted_by", "created_at")
    list_select_related = ("user", "activity", "granted_by")
    search_fields = ("user__username", "activity__slug")
    list_filter = (("activity", admin.RelatedOnlyFieldListFilter),)
    raw_id_fields = ("user", "activity", "granted_by")


@admin.register(ScoreRelease)
class ScoreReleaseAdmin(admin.ModelAdmin):
    list_display = ("activity", "hidden", "released_at", "released_by")
    list_filter = ("hidden",)
    list_select_related = ("activity", "released_by")
    search_fields = ("activity__slug",)
    raw_id_fields = ("activity", "released_by")


@admin.register(GeneralComment)
class GeneralCommentAdmin(admin.ModelAdmin):
    list_display = ("submission", "created_by", "created_at")
    list_select_related = ("submission__user", "submission__activity", "created_by")
    search_fields = ("text", "submission__user__username", "submission__activity__slug")
    raw_id_fields = ("submission", "created_by")


@admin.register(Accommodation)
class AccommodationAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "extra_time_factor", "note", "granted_by", "updated_at")
    list_filter = (("course", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "course", "granted_by")
    search_fields = ("user__username", "course__slug", "note")
    raw_id_fields = ("user", "course", "granted_by")


@admin.register(RubricItem)
class RubricItemAdmin(admin.ModelAdmin):
    list_display = ("activity", "grade_id", "label", "points", "order")
    list_select_related = ("activity",)
    search_fields = ("activity__slug", "grade_id", "label")
    raw_id_fields = ("activity",)


@admin.register(SavedComment)
class SavedCommentAdmin(admin.ModelAdmin):
    list_display = ("activity", "grade_id", "created_at")
    list_select_related = ("activity",)
    search_fields = ("activity__slug", "grade_id", "text")
    raw_id_fields = ("activity",)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "course")
    list_filter = (("course", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("course",)
    search_fields = ("name", "course__slug")
    raw_id_fields = ("course", "students", "tas")
