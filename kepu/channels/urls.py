from django.urls import path

from . import import_pages
from .views import accounts, issues, officers, outlets

app_name = "channels"

urlpatterns = [
    path("", outlets.outlet_list, name="outlets"),
    path("outlets/new/", outlets.outlet_create, name="outlet_create"),
    path("outlets/<int:pk>/edit/", outlets.outlet_edit, name="outlet_edit"),
    path("outlets/<int:pk>/delete/", outlets.outlet_delete, name="outlet_delete"),
    path("outlets/<int:pk>/columns/new/", outlets.column_create, name="column_create"),
    path("columns/<int:pk>/edit/", outlets.column_edit, name="column_edit"),
    path("columns/<int:pk>/delete/", outlets.column_delete, name="column_delete"),
    path("issues/", issues.issue_list, name="issues"),
    path("issues/export.xlsx", issues.issue_export, name="issues_export"),
    path("issues/new/", issues.issue_create, name="issue_create"),
    path("issues/<int:pk>/edit/", issues.issue_edit, name="issue_edit"),
    path("issues/<int:pk>/delete/", issues.issue_delete, name="issue_delete"),
    path("issues/<int:pk>/files/", issues.issue_file_add, name="issue_file_add"),
    path("issues/<int:pk>/files/<int:file_pk>/", issues.issue_file, name="issue_file"),
    path("issues/<int:pk>/files/<int:file_pk>/delete/", issues.issue_file_delete, name="issue_file_delete"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", accounts.account_delete, name="account_delete"),
    path("accounts/<int:pk>/years/", accounts.account_year, name="account_year"),
    path("info-officers/", officers.info_officer_list, name="info_officers"),
    path("info-officers/export.xlsx", officers.info_officer_export, name="info_officers_export"),
    path("info-officers/entry/", officers.info_officer_entry, name="info_officer_entry"),
    path("info-officers/entry/delete/", officers.info_officer_delete, name="info_officer_delete"),
    *import_pages.urlpatterns,
]
