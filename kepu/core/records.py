"""Base data a region keeps (venues, school profiles, funding, media columns ...): one pattern.

Each such record belongs to a region (and often a unit), carries the region's path so that
"this region and everything below" is one prefix filter, and is written through three audited
services that check the record's policy. The apps declare their models on `RegionRecord` (or
hang child rows under one) and their attachments on `StoredFile`; the rules live here once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .audit import apply_changes, check_unchanged, log_action
from .errors import Conflict
from .policies import Policy
from .uploads import check_upload

# Photos and documents attached to base data: what the evidence of activities allows.
ATTACHMENT_TYPES = {"png", "jpg", "webp", "pdf", "docx", "xlsx", "pptx"}
PHOTO_TYPES = {"png", "jpg", "webp"}


class RegionRecord(models.Model):
    """A record kept by a region: `region_path` is copied from the region on every save."""

    region = models.ForeignKey("regions.Region", verbose_name=_lazy("所属区划"), on_delete=models.PROTECT,
                               related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    is_demo = models.BooleanField(_lazy("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sync_region_path()
        super().save(*args, **kwargs)

    def sync_region_path(self) -> None:
        if self.region_id:
            self.region_path = self.region.path

    @property
    def audit_scope_path(self) -> str:
        return self.region_path


class StoredFile(models.Model):
    """A photo or document whose type was read from its content; the name is sanitized."""

    stored_name = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(_lazy("文件名"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField(_lazy("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


def stored_file_path(instance, filename: str) -> str:
    """`<app>/<model>/<parent id>/<random name>`; the display name never reaches the disk."""
    meta = instance._meta
    return f"{meta.app_label}/{meta.model_name}/{instance.parent_id_for_path}/{instance.stored_name}"


class RecordPolicy(Policy):
    """Staff see the records in their region subtrees and those of their own units; region admins
    (and `extra_write_roles` over the record's region, and liaisons of its unit when the record has
    one) add, change and delete them. A policy for child rows (a venue's certifications) names the
    way to the record that rules them in `through` ("venue", "column__outlet")."""

    extra_write_roles: frozenset = frozenset()
    liaison_writes = True
    through = ""

    def record_of(self, obj):
        for step in filter(None, self.through.split("__")):
            obj = getattr(obj, step)
        return obj

    def _record_model(self):
        model = self.model
        for step in filter(None, self.through.split("__")):
            model = model._meta.get_field(step).related_model
        return model

    def _has_unit(self) -> bool:
        return any(f.name == "unit" for f in self._record_model()._meta.get_fields())

    def visible_q(self, user) -> Q:
        from kepu.accounts.scope import STAFF_ROLES, scope_of

        scope = scope_of(user)
        prefix = f"{self.through}__" if self.through else ""
        q = scope.region_q(f"{prefix}region_path")
        if q is None:
            return Q()
        units = scope.unit_ids(STAFF_ROLES)
        if units and self._has_unit():
            q |= Q(**{f"{prefix}unit_id__in": units})
        return q

    def visible_to(self, user):
        return self.model.objects.filter(self.visible_q(user))

    def can(self, user, action, obj=None):
        if action == "view" and obj is not None and user is not None:
            return self.visible_to(user).filter(pk=obj.pk).exists()
        return super().can(user, action, obj)

    def allows(self, scope, action, obj):
        from kepu.accounts.models import Role
        from kepu.accounts.scope import REGION_WRITE_ROLES

        if obj is None:  # "may this user add such records anywhere?" (menus, import pages)
            return bool(scope.region_paths(REGION_WRITE_ROLES | self.extra_write_roles)) or (
                self.liaison_writes and self._has_unit() and bool(scope.unit_ids({Role.UNIT_LIAISON})))
        record = self.record_of(obj)
        path = record.region.path if record.region_id else ""
        if path and scope.covers_path(path, REGION_WRITE_ROLES | self.extra_write_roles):
            return True
        unit_id = getattr(record, "unit_id", None)
        return bool(self.liaison_writes and unit_id and unit_id in scope.unit_ids({Role.UNIT_LIAISON}))


def _unique_conflict(obj) -> Conflict:
    return Conflict(_("已有相同的%(what)s，请刷新后修改已有记录。") % {"what": obj._meta.verbose_name},
                    code="duplicate")


def _save(obj) -> None:
    if hasattr(obj, "sync_region_path"):
        obj.sync_region_path()
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # a concurrent writer won the unique constraint after full_clean
        raise _unique_conflict(obj) from None


def _logged(obj, fields) -> dict:
    out = {}
    for name in fields:
        value = getattr(obj, name, None)
        out[name] = value.pk if isinstance(value, models.Model) else (
            str(value) if value is not None and not isinstance(value, bool | int | str) else value)
    return out


@transaction.atomic
def record_create(*, actor, policy: RecordPolicy, obj, action: str, logged: tuple[str, ...] = ()):
    """Check, validate, save and audit a new record (`action` is the audit prefix, e.g. "venue")."""
    if hasattr(obj, "sync_region_path"):
        obj.sync_region_path()
    try:
        record = policy.record_of(obj)
    except models.ObjectDoesNotExist:
        record = None
    if record is None or not record.region_id:
        obj.full_clean()  # names the missing field instead of answering "not allowed"
    policy.check(actor, "add", obj)
    _save(obj)
    log_action(actor=actor, action=f"{action}.created", obj=obj, changes=_logged(obj, logged))
    return obj


@transaction.atomic
def record_update(*, actor, policy: RecordPolicy, obj, fields: dict, editable: tuple[str, ...], action: str,
                  unchanged_since=None):
    """Change the given fields of a record (locked, stale-checked, re-validated, audited).

    A change of region or unit is checked against the policy both before and after, so nobody moves
    a record into or out of a region they do not administer."""
    unknown = set(fields) - set(editable)
    if unknown:
        raise TypeError(f"{type(obj).__name__} update does not take {sorted(unknown)}")
    policy.check(actor, "change", obj)
    obj = type(obj).objects.select_for_update(of=("self",)).get(pk=obj.pk)
    check_unchanged(obj, unchanged_since)
    changes = apply_changes(obj, fields)
    if not changes:
        return obj
    if {"region", "unit"} & set(changes):
        policy.check(actor, "change", obj)
    _save(obj)
    log_action(actor=actor, action=f"{action}.updated", obj=obj, changes=changes)
    return obj


def _files_deleted_with(obj) -> list[StoredFile]:
    """Every attachment the cascade of deleting `obj` removes (an outlet → its columns' issues' files)."""
    from django.db.models.deletion import Collector

    collector = Collector(using=obj._state.db or "default")
    collector.collect([obj])
    files = [f for model, rows in collector.data.items() if issubclass(model, StoredFile) for f in rows]
    for qs in collector.fast_deletes:
        if issubclass(qs.model, StoredFile):
            files.extend(qs)
    return files


@transaction.atomic
def record_delete(*, actor, policy: RecordPolicy, obj, action: str) -> None:
    """Delete a record (and its attachments' files); refused while other records depend on it."""
    policy.check(actor, "delete", obj)
    log_action(actor=actor, action=f"{action}.deleted", obj=obj, changes={"repr": str(obj)[:200]})
    try:
        files = _files_deleted_with(obj)
        with transaction.atomic():
            obj.delete()
    except (models.ProtectedError, models.RestrictedError):
        raise Conflict(_("还有其他记录引用该%(what)s，不能删除。") % {"what": obj._meta.verbose_name},
                       code="protected") from None
    for f in files:
        transaction.on_commit(lambda f=f: f.file.delete(save=False))


# Files a browser may show in the page (sandboxed) rather than download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})


def private_response(response):
    """Mark a response carrying a stored file as private, sandboxed and not to be sniffed."""
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def serve_stored_file(item: StoredFile, *, inline_types=INLINE_TYPES):
    """A stored file for a user the caller has checked (files are never served from a public URL);
    404 when the file is missing from the storage."""
    from django.http import FileResponse, Http404

    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return private_response(FileResponse(handle, content_type=item.content_type, filename=item.original_name,
                                         as_attachment=item.content_type not in inline_types))


@transaction.atomic
def file_attach(*, actor, policy: RecordPolicy, file: StoredFile, upload, action: str,
                allowed: set[str] = ATTACHMENT_TYPES) -> StoredFile:
    """Store an upload on a new attachment row (`file` has its parent set); type read from content."""
    policy.check(actor, "change", file)
    data, kind, name = check_upload(upload, allowed=allowed)
    from django.core.files.base import ContentFile

    file.stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    file.original_name = name
    file.content_type = kind.content_type
    file.size = len(data)
    file.description = (file.description or "").strip()[:200]
    file.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
    file.file.save(file.stored_name, ContentFile(data), save=False)
    try:
        file.full_clean(exclude=["file"])
    except ValidationError:
        file.file.delete(save=False)
        raise
    file.save()
    log_action(actor=actor, action=f"{action}.file_added", obj=policy.record_of(file), changes={"file": name})
    return file


@transaction.atomic
def file_remove(*, actor, policy: RecordPolicy, file: StoredFile, action: str) -> None:
    policy.check(actor, "change", file)
    log_action(actor=actor, action=f"{action}.file_removed", obj=policy.record_of(file),
               changes={"file": file.original_name})
    file.delete()
    transaction.on_commit(lambda: file.file.delete(save=False))
