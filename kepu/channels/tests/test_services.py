"""Channel services: what a delete takes with it."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from kepu.channels import services
from kepu.core.models import AuditEntry

from .factories import make_column, make_issue

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_deleting_an_outlet_removes_the_files_of_its_columns_issues(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    column = make_column("500118")
    issue = make_issue(column, datetime.date(2024, 3, 1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        stored = services.issue_file_add(actor=None, issue=issue, upload=SimpleUploadedFile("a.png", PNG))
    path = stored.file.path
    assert os.path.exists(path)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.outlet_delete(actor=None, outlet=column.outlet)
    assert not os.path.exists(path)
    assert AuditEntry.objects.filter(action="media_outlet.deleted").count() == 1
