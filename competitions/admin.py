"""Admin pages for competitions: competitions, phases, teams, memberships, submissions (with a
requeue action) and the course points mapped from rankings."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Competition, CompetitionGrade, Phase, Registration, Submission, Team, TeamMembership


class PhaseInline(admin.TabularInline):
    model = Phase
    fields = ("slug", "title", "order", "starts_at", "ends_at", "daily_limit", "max_running", "dataset")
    extra = 0
    show_change_link = True


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "task", "course", "scope", "org", "school_ranking", "synchronised", "created_at")
    list_filter = ("task", "scope", "synchronised")
    list_select_related = ("course", "org")
    search_fields = ("slug", "title", "title_zh", "course__slug", "org__slug")
    raw_id_fields = ("course", "hosts", "org")
    filter_horizontal = ("eligible_schools",)
    inlines = (PhaseInline,)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "competition", "school", "grade", "registered_at")
    list_filter = (("competition", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "competition", "school")
    search_fields = ("user__username", "competition__slug", "school__slug")
    raw_id_fields = ("competition", "user", "school")


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("competition", "slug", "title", "starts_at", "ends_at", "daily_limit", "max_running")
    list_filter = (("competition", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("competition",)
    search_fields = ("slug", "title", "competition__slug")
    raw_id_fields = ("competition",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "competition", "school", "created_by", "created_at")
    list_filter = (("competition", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("competition", "created_by", "school")
    search_fields = ("name", "invite_code", "competition__slug", "created_by__username")
    raw_id_fields = ("competition", "created_by", "school")


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "competition", "joined_at")
    list_filter = (("competition", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "team", "competition")
    search_fields = ("user__username", "team__name", "competition__slug")
    raw_id_fields = ("competition", "team", "user")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("pk", "participant", "user", "phase", "status", "public_score", "private_score", "received_at", "attempts")
    list_filter = ("status", "kind", "is_baseline", ("phase", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "phase__competition", "team")
    search_fields = ("=id", "participant", "user__username", "team__name", "label", "blob")
    raw_id_fields = ("phase", "user", "team")
    date_hierarchy = "received_at"
    readonly_fields = (
        "participant", "received_at", "blob", "filename", "size", "kind", "public_score", "public_tiebreak",
        "private_score", "private_tiebreak", "public_detail", "private_detail", "started_at", "finished_at", "attempts",
    )
    actions = ("requeue",)

    @admin.action(description=_("Evaluate the selected submissions again"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        from .services import SubmissionRefused, submission_requeue

        sent = refused = 0
        for sub in queryset:
            try:
                submission_requeue(submission=sub)
                sent += 1
            except SubmissionRefused:
                refused += 1  # scored ones and baselines stay as they are
        self.message_user(
            request,
            ngettext("%(n)d submission sent back to the queue.", "%(n)d submissions sent back to the queue.", sent)
            % {"n": sent},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)d was left alone: scored submissions and baselines are not evaluated again.",
                    "%(n)d were left alone: scored submissions and baselines are not evaluated again.",
                    refused,
                )
                % {"n": refused},
                messages.WARNING,
            )


@admin.register(CompetitionGrade)
class CompetitionGradeAdmin(admin.ModelAdmin):
    list_display = ("user", "activity", "points", "rank", "rule", "computed_at")
    list_filter = (("activity", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("user", "activity", "applied_by")
    search_fields = ("user__username", "activity__slug")
    raw_id_fields = ("activity", "user", "applied_by")
