"""Admin pages for courses: what an administrator inspects or fixes by hand.

Versions and their files are the record of what students answered: read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Activity, ActivityFile, ActivityVersion, Announcement, Course, CourseImport, Enrollment, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "title_zh", "language", "join_open", "imported_at", "created_at")
    list_filter = ("join_open", "language")
    search_fields = ("slug", "title", "title_zh")
    readonly_fields = ("source_digest", "imported_at", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "course", "order", "archived")
    list_filter = ("archived", ("course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("course",)
    search_fields = ("slug", "title", "course__slug")
    raw_id_fields = ("course",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "kind", "course", "unit", "release_at", "due_at", "points", "archived")
    list_filter = ("kind", "archived", ("course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("course", "unit")
    search_fields = ("slug", "title", "title_zh", "course__slug")
    raw_id_fields = ("course", "unit", "current_version")
    date_hierarchy = "due_at"


class ActivityFileInline(admin.TabularInline):
    model = ActivityFile
    fields = ("path", "kind", "blob", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ActivityVersion)
class ActivityVersionAdmin(ReadOnlyAdmin):
    list_display = ("activity", "number", "digest", "created_at")
    list_select_related = ("activity__course",)
    search_fields = ("activity__slug", "activity__course__slug", "digest")
    list_filter = (("activity__course", admin.RelatedOnlyFieldListFilter),)
    raw_id_fields = ("activity",)
    exclude = ("body_html",)  # rendered HTML: shown on the site, not as a text box here
    inlines = (ActivityFileInline,)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "role", "created_at")
    list_filter = ("role", ("course", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "course")
    search_fields = ("user__username", "user__display_name", "user__email", "course__slug")
    raw_id_fields = ("user", "course")


@admin.register(CourseImport)
class CourseImportAdmin(ReadOnlyAdmin):
    list_display = ("pk", "filename", "teacher", "course", "status", "attempts", "received_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("teacher", "course")
    search_fields = ("filename", "teacher__username", "course__slug", "expect_slug")


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "created_by", "created_at")
    list_filter = (("course", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("course", "created_by")
    search_fields = ("title", "body", "course__slug")
    raw_id_fields = ("course", "created_by")
    exclude = ("body_html",)  # rendered from the Markdown by the site
