"""The scorecard as Excel."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from kepu.core.exports import Sheet, workbook

from ..models import Kind, Op, Status
from ..values import RATIO_UNITS
from .wording import top_of

NUMBER_FORMATS = {"yuan_per_person": "0.00"}


def scorecard_workbook(card) -> bytes:
    """The scorecard as a workbook: 指标得分 (one row per leaf), 度量明细 (one per target), 汇总."""
    import openpyxl

    top = top_of(card)
    source_label = {"computed": _("平台计算"), "manual": _("单位填报"), "": ""}
    rows, ratio_rows, target_rows, ratio_target_rows = [], {}, [], {}
    for r in card.leaves:
        ts = r.targets
        single = ts[0] if len(ts) == 1 else None
        files = sum(len(s.files.all()) for s in r.evidence)
        if single is not None:
            figures = [single.measure, single.label, single.value, single.target, Op(single.op).label,
                       single.numerator, single.denominator, single.last_value,
                       source_label[single.source], single.reason_text]
            ratio_rows[len(rows)] = single.unit
        else:  # several targets: their texts here, the numbers on 度量明细
            figures = ["；".join(t.measure for t in ts), "；".join(t.label for t in ts),
                       "；".join(t.value_text for t in ts), "；".join(t.target_text for t in ts),
                       "；".join(Op(t.op).label for t in ts), None, None, "；".join(t.last_text for t in ts),
                       "；".join(dict.fromkeys(source_label[t.source] for t in ts if t.source)),
                       "；".join(t.reason_text for t in ts if t.reason_text)]
        rows.append([r.code, top[r.code].title, r.indicator.title, Kind(r.indicator.kind).label,
                     Status(r.status).label, *figures, "、".join(r.indicator.lead_units),
                     "、".join(r.indicator.responsible_units), len(r.evidence), files])
        for t in ts:
            ratio_target_rows[len(target_rows)] = t.unit
            target_rows.append([r.code, t.measure, t.label, Status(t.status).label, t.value, t.target,
                                Op(t.op).label, t.numerator, t.denominator, t.last_value,
                                source_label[t.source], t.reason_text])
    counts = list(Status.values)
    summary = [[g.indicator.code, g.indicator.title, g.met, g.total, g.readiness,
                *(g.by_status.get(s, 0) for s in counts)] for g in card.groups]
    summary.append(["", _("合计"), card.met, card.total, card.readiness, *(card.by_status[s] for s in counts)])
    data = workbook([
        Sheet(_("指标得分"), [_("编号"), _("一级指标"), _("指标内容"), _("类型"), _("状态"), _("度量"), _("度量说明"),
                            _("数值"), _("目标值"), _("比较"), _("分子"), _("分母"), _("上年数值"), _("来源"),
                            _("无数据原因"), _("牵头单位"), _("责任单位"), _("佐证材料（份）"), _("附件（个）")], rows),
        Sheet(_("度量明细"), [_("编号"), _("度量"), _("度量说明"), _("状态"), _("数值"), _("目标值"), _("比较"), _("分子"),
                            _("分母"), _("上年数值"), _("来源"), _("无数据原因")], target_rows),
        Sheet(_("汇总"), [_("编号"), _("一级指标"), _("已达标"), _("指标数"), _("达标率"),
                        *(str(Status(s).label) for s in counts)], summary, formats={4: "0.0%"}),
    ])
    # Ratios show as percentages, row by row (a column mixes ratios, counts and yuan).
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, units, columns in ((book.worksheets[0], ratio_rows, (8, 9, 13)),
                                  (book.worksheets[1], ratio_target_rows, (5, 6, 10))):
        for index, unit in units.items():
            fmt = "0.0%" if unit in RATIO_UNITS else NUMBER_FORMATS.get(unit)
            if fmt is None:
                continue
            for column in columns:
                sheet.cell(row=index + 2, column=column).number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

