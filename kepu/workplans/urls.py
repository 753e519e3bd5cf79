from .views import editing, links, meetings, plans, reports, tasks

app_name = "workplans"

# URL names (fixed; templates, tests and other apps use them):
#   plans.py      plan_list, plan_import, plan_detail, plan_timeline, plan_stats, plan_members, plan_map_unit
#   editing.py    plan_create, plan_edit, section_create, phase_create, milestone_create, task_create, task_edit, task_delete, deliverable_create
#   tasks.py      my_tasks, task_detail, report_create, report_edit, report_withdraw, report_review, report_file, report_file_remove, plan_reviews, deliverable_complete, deliverable_reopen, deliverable_file
#   reports.py    plan_report_docx, plan_tracking_xlsx, bulletin, bulletin_docx, bulletin_xlsx
#   meetings.py   meeting_list, meeting_create, meeting_detail, meeting_edit, decision_create, decision_to_task
#   links.py      task_links, task_link_remove
urlpatterns = [
    *plans.urlpatterns,
    *editing.urlpatterns,
    *tasks.urlpatterns,
    *reports.urlpatterns,
    *meetings.urlpatterns,
    *links.urlpatterns,
]
