"""Django admin for the orgs app: a site admin's last resort (the /orgs/ pages are the daily tool)."""

from django.contrib import admin

from .models import Membership, Offering, OfferingDue, Organisation, SchoolClass, Term


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "kind", "slug", "parent", "username_prefix", "lab_concurrent_limit", "grading_jobs_per_hour")
    list_filter = ("kind", "parent")
    search_fields = ("name", "name_zh", "slug", "username_prefix")
    raw_id_fields = ("parent",)


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "school", "grade", "archived", "graduated_on")
    list_filter = ("archived", "school")
    search_fields = ("name", "name_zh", "school__name")
    raw_id_fields = ("school",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "org", "role", "student_number", "school_class", "archived")
    list_filter = ("role", "archived", "org")
    search_fields = ("user__username", "user__display_name", "student_number", "org__name")
    raw_id_fields = ("user", "org", "school_class")
    list_select_related = ("user", "org", "school_class")


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "org", "starts_on", "ends_on")
    list_filter = ("org",)
    search_fields = ("name", "name_zh")


class OfferingDueInline(admin.TabularInline):
    model = OfferingDue
    extra = 0
    raw_id_fields = ("activity",)


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("course", "school", "term", "created_at")
    list_filter = ("school", "term")
    search_fields = ("course__title", "course__slug", "school__name")
    raw_id_fields = ("course", "school", "term", "created_by")
    filter_horizontal = ("classes",)
    inlines = [OfferingDueInline]
    list_select_related = ("course", "school", "term")
