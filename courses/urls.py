from django.urls import path

from . import announcement_views, offering_views, views

app_name = "courses"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("new/", views.course_create, name="create"),
    path("import/", views.course_import_new, name="import_new"),
    path("imports/<int:job_id>/", views.course_import_status, name="import_status"),
    path("<slug:slug>/", views.course_home, name="home"),
    path("<slug:slug>/manage/", views.course_manage, name="manage"),
    path("<slug:slug>/manage/import/", views.course_import_update, name="import_update"),
    path("<slug:slug>/manage/join-code/", views.course_rotate_code, name="rotate_code"),
    path("<slug:slug>/manage/roster/add/", views.roster_add, name="roster_add"),
    path("<slug:slug>/manage/roster/csv/", views.roster_csv, name="roster_csv"),
    path("<slug:slug>/manage/roster/onboard/", views.roster_onboard, name="roster_onboard"),
    path("<slug:slug>/manage/roster/<int:enrollment_id>/", views.roster_change, name="roster_change"),
    path("<slug:slug>/manage/offerings/", offering_views.offering_list, name="offerings"),
    path(
        "<slug:slug>/manage/offerings/<int:offering_id>/classes/",
        offering_views.offering_add_class,
        name="offering_add_class",
    ),
    path("<slug:slug>/manage/offerings/<int:offering_id>/dues/", offering_views.offering_dues, name="offering_dues"),
    path("<slug:slug>/announcements/", announcement_views.announcement_list, name="announcements"),
    path(
        "<slug:slug>/announcements/<int:pk>/delete/",
        announcement_views.announcement_delete,
        name="announcement_delete",
    ),
    path("<slug:slug>/a/<slug:activity>/", views.activity_detail, name="activity"),
    path("<slug:slug>/a/<slug:activity>/files/<path:path>", views.activity_file, name="activity_file"),
]
