"""Media, accounts and 科普中国 figures are kept by region admins and by the liaisons of the units
that run the outlet or account; staff see those of their region subtrees and units."""

from kepu.core.records import RecordPolicy

from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    ColumnIssueFile,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
)


class OutletPolicy(RecordPolicy):
    model = MediaOutlet


class ColumnPolicy(RecordPolicy):
    model = Column
    through = "outlet"


class ColumnIssuePolicy(RecordPolicy):
    model = ColumnIssue
    through = "column__outlet"


class ColumnIssueFilePolicy(RecordPolicy):
    model = ColumnIssueFile
    through = "issue__column__outlet"


class AccountPolicy(RecordPolicy):
    model = NewMediaAccount


class AccountYearPolicy(RecordPolicy):
    model = AccountYear
    through = "account"


class InfoOfficerPolicy(RecordPolicy):
    model = InfoOfficerFigure


outlet_policy = OutletPolicy()
column_policy = ColumnPolicy()
column_issue_policy = ColumnIssuePolicy()
column_issue_file_policy = ColumnIssueFilePolicy()
account_policy = AccountPolicy()
account_year_policy = AccountYearPolicy()
info_officer_policy = InfoOfficerPolicy()
