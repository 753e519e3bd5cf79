from .views import assessments, compare, evidence, reports, standards

app_name = "indicators"

# URL names (fixed; templates, tests and other apps use them):
#   standards.py   standard_list, standard_detail, standard_import, standard_copy, indicator_edit, indicator_delete
#   assessments.py assessment_list, assessment_create, assessment_detail, assessment_refresh, assessment_submit,
#                  assessment_reopen, assessment_changes, assessment_narratives
#   evidence.py    indicator_detail, submission_edit, submission_review, submission_unlock, submission_withdraw,
#                  evidence_file, evidence_file_remove, my_indicators
#   compare.py     compare
#   reports.py     report_jobs, report_job, report_download
urlpatterns = [
    *assessments.urlpatterns,
    *standards.urlpatterns,
    *evidence.urlpatterns,
    *compare.urlpatterns,
    *reports.urlpatterns,
]
