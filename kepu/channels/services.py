"""Writes to media outlets, columns and their issues, new-media accounts and 科普中国 figures."""

from __future__ import annotations

from django.db import transaction

from kepu.core.records import file_attach, file_remove, record_create, record_delete, record_update

from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    ColumnIssueFile,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
)
from .policies import (
    account_policy,
    account_year_policy,
    column_issue_file_policy,
    column_issue_policy,
    column_policy,
    info_officer_policy,
    outlet_policy,
)

OUTLET_FIELDS = ("name", "kind", "region", "unit")
COLUMN_FIELDS = ("name", "frequency", "started_on", "ended_on", "description")
ISSUE_FIELDS = ("date", "title", "url")
ACCOUNT_FIELDS = ("platform", "name", "account_id", "region", "unit")
ACCOUNT_YEAR_FIELDS = ("followers", "posts", "reads")
INFO_OFFICER_FIELDS = ("registered", "active", "shares", "source", "note")


def outlet_create(*, actor, is_demo: bool = False, **fields) -> MediaOutlet:
    return record_create(actor=actor, policy=outlet_policy, obj=MediaOutlet(is_demo=is_demo, **fields),
                         action="media_outlet", logged=("name", "kind", "region"))


def outlet_update(*, actor, outlet: MediaOutlet, unchanged_since=None, **fields) -> MediaOutlet:
    outlet = record_update(actor=actor, policy=outlet_policy, obj=outlet, fields=fields, editable=OUTLET_FIELDS,
                           action="media_outlet", unchanged_since=unchanged_since)
    # The issues carry the outlet's region path for the weekly measure.
    ColumnIssue.objects.filter(column__outlet=outlet).exclude(region_path=outlet.region_path).update(
        region_path=outlet.region_path)
    return outlet


def outlet_delete(*, actor, outlet: MediaOutlet) -> None:
    record_delete(actor=actor, policy=outlet_policy, obj=outlet, action="media_outlet")


def column_create(*, actor, outlet: MediaOutlet, **fields) -> Column:
    return record_create(actor=actor, policy=column_policy, obj=Column(outlet=outlet, **fields), action="media_column",
                         logged=("outlet", "name", "frequency"))


def column_update(*, actor, column: Column, unchanged_since=None, **fields) -> Column:
    return record_update(actor=actor, policy=column_policy, obj=column, fields=fields, editable=COLUMN_FIELDS,
                         action="media_column", unchanged_since=unchanged_since)


def column_delete(*, actor, column: Column) -> None:
    record_delete(actor=actor, policy=column_policy, obj=column, action="media_column")


def issue_create(*, actor, column: Column, **fields) -> ColumnIssue:
    return record_create(actor=actor, policy=column_issue_policy, obj=ColumnIssue(column=column, **fields),
                         action="media_issue", logged=("column", "date", "title"))


def issue_update(*, actor, issue: ColumnIssue, unchanged_since=None, **fields) -> ColumnIssue:
    return record_update(actor=actor, policy=column_issue_policy, obj=issue, fields=fields, editable=ISSUE_FIELDS,
                         action="media_issue", unchanged_since=unchanged_since)


def issue_delete(*, actor, issue: ColumnIssue) -> None:
    record_delete(actor=actor, policy=column_issue_policy, obj=issue, action="media_issue")


def issue_file_add(*, actor, issue: ColumnIssue, upload, description: str = "") -> ColumnIssueFile:
    return file_attach(actor=actor, policy=column_issue_file_policy,
                       file=ColumnIssueFile(issue=issue, description=description), upload=upload, action="media_issue")


def issue_file_remove(*, actor, file: ColumnIssueFile) -> None:
    file_remove(actor=actor, policy=column_issue_file_policy, file=file, action="media_issue")


def account_create(*, actor, is_demo: bool = False, **fields) -> NewMediaAccount:
    return record_create(actor=actor, policy=account_policy, obj=NewMediaAccount(is_demo=is_demo, **fields),
                         action="media_account", logged=("platform", "name", "region"))


def account_update(*, actor, account: NewMediaAccount, unchanged_since=None, **fields) -> NewMediaAccount:
    return record_update(actor=actor, policy=account_policy, obj=account, fields=fields, editable=ACCOUNT_FIELDS,
                         action="media_account", unchanged_since=unchanged_since)


def account_delete(*, actor, account: NewMediaAccount) -> None:
    record_delete(actor=actor, policy=account_policy, obj=account, action="media_account")


@transaction.atomic
def account_year_set(*, actor, account: NewMediaAccount, year: int, **fields) -> AccountYear:
    """Enter or correct an account's figures for a year (the account row is locked meanwhile)."""
    NewMediaAccount.objects.select_for_update(of=("self",)).filter(pk=account.pk).first()
    existing = AccountYear.objects.filter(account=account, year=year).first()
    if existing is None:
        return record_create(actor=actor, policy=account_year_policy, obj=AccountYear(account=account, year=year,
                                                                                      **fields),
                             action="media_account_year", logged=("year", *fields))
    return record_update(actor=actor, policy=account_year_policy, obj=existing, fields=fields,
                         editable=ACCOUNT_YEAR_FIELDS, action="media_account_year")


@transaction.atomic
def info_officers_set(*, actor, region, year: int, unchanged_since=None, is_demo: bool = False,
                      **fields) -> InfoOfficerFigure:
    """Enter or correct a region's 科普中国 figures for a year (one row per region and year)."""
    type(region).objects.select_for_update().filter(pk=region.pk).first()  # one writer per region at a time
    existing = InfoOfficerFigure.objects.filter(region=region, year=year).first()
    if existing is None:
        return record_create(actor=actor, policy=info_officer_policy,
                             obj=InfoOfficerFigure(region=region, year=year, is_demo=is_demo, **fields),
                             action="info_officers", logged=("region", "year", *fields))
    return record_update(actor=actor, policy=info_officer_policy, obj=existing, fields=fields,
                         editable=INFO_OFFICER_FIELDS, action="info_officers", unchanged_since=unchanged_since)


def info_officers_delete(*, actor, figure: InfoOfficerFigure) -> None:
    record_delete(actor=actor, policy=info_officer_policy, obj=figure, action="info_officers")
