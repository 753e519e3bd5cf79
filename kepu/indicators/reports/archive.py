"""The evidence archive: a ZIP laid out by indicator code, with an index workbook."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.exports import Sheet, workbook

from ..models import Status
from .wording import Progress, local_time, no_progress, period_text, when_text

# Already compressed: deflating them again costs time and saves nothing.
STORED_TYPES = ("image/", "application/pdf", "application/vnd.openxmlformats", "application/zip")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]+")


def archive_folder(code: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]", "_", code).strip(".") or "_"


def archive_name(name: str, taken: set[str]) -> str:
    """The file's display name made safe for a path inside the archive and unique in its folder."""
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}_{n}.{ext}" if ext else f"{stem}_{n}"
    taken.add(candidate.lower())
    return candidate


def evidence_zip(assessment, card, progress: Progress = no_progress) -> bytes:
    """The approved evidence (including evidence carried over from earlier years) laid out by
    indicator code, with 索引.xlsx listing every file; pending and returned submissions are left out."""
    from kepu.accounts.models import User

    items = [(r, s, f) for r in card.leaves for s in r.evidence for f in s.files.all()]
    reviewers = User.objects.in_bulk({s.reviewed_by_id for r in card.leaves for s in r.evidence
                                      if s.reviewed_by_id})
    out = io.BytesIO()
    index, taken = [], {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i, (r, s, f) in enumerate(items, 1):
            folder = archive_folder(r.code)
            path = f"{folder}/{archive_name(f.original_name, taken.setdefault(folder, set()))}"
            try:
                _copy_into(archive, path, f)
            except (FileNotFoundError, ValueError):
                path = _("（文件缺失）")
            reviewer = reviewers.get(s.reviewed_by_id)
            carried = s in r.carried
            index.append([r.code, r.indicator.title, Status(r.status).label, s.description,
                          s.unit.name if s.unit_id else "", _period(s),
                          f.original_name, path, str(reviewer) if reviewer else "",
                          s.reviewed_at, _("沿用 %(year)s 年") % {"year": s.assessment.year} if carried else ""])
            progress(40 + int(55 * i / max(1, len(items))),
                     _("已归档 %(i)d / %(n)d 个文件") % {"i": i, "n": len(items)})
        listed = {row[0] for row in index}
        for r in card.leaves:
            if r.code not in listed:
                index.append([r.code, r.indicator.title, Status(r.status).label, _("无已通过审核的佐证材料"),
                              "", "", "", "", "", None, ""])
        order = {r.code: i for i, r in enumerate(card.leaves)}
        index.sort(key=lambda row: order[row[0]])
        note = [[_("本归档仅收录已通过审核的佐证材料（含沿用往年已通过的材料），待审核和已退回的材料不收录。")],
                [_("%(region)s %(period)s，生成时间 %(when)s。") % {
                    "region": assessment.region.name, "period": period_text(assessment), "when": when_text(timezone.now())}]]
        archive.writestr(_("索引.xlsx"), workbook([
            Sheet(_("索引"), [_("编号"), _("指标内容"), _("状态"), _("材料说明"), _("报送单位"), _("材料时段"),
                            _("文件名"), _("归档路径"), _("审核人"), _("审核时间"), _("备注")], index),
            Sheet(_("说明"), [_("说明")], note),
        ]))
    return out.getvalue()


def _period(submission) -> str:
    start, end = submission.period_start, submission.period_end
    if start and end:
        return f"{start:%Y-%m-%d} — {end:%Y-%m-%d}"
    return f"{(start or end):%Y-%m-%d}" if (start or end) else ""


def _copy_into(archive: zipfile.ZipFile, path: str, stored) -> None:
    """Stream one stored file into the archive (never the whole file in memory)."""
    info = zipfile.ZipInfo(path, date_time=local_time(stored.uploaded_at).timetuple()[:6])
    info.compress_type = (zipfile.ZIP_STORED if stored.content_type.startswith(STORED_TYPES)
                          else zipfile.ZIP_DEFLATED)
    info.external_attr = 0o644 << 16
    with stored.file.open("rb") as source, archive.open(info, "w", force_zip64=stored.size > 2**31) as target:
        shutil.copyfileobj(source, target, 1024 * 1024)

