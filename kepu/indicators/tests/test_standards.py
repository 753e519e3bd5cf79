"""The standard file format: what loads, and the errors a bad file gets (all of them, in Chinese)."""

import pytest

from kepu.core.reference import REFERENCE_DIR
from kepu.indicators import services
from kepu.indicators.models import Indicator, Kind, Standard, Target
from kepu.indicators.reference import load_standards
from kepu.indicators.standards import StandardFileError, parse_standard

from .factories import SMALL, YONGCHUAN_CODE, make_assessment, submit_evidence


def small(**replace) -> str:
    text = SMALL.format(code="test-file", region_code="500118")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def errors_of(text) -> list[str]:
    with pytest.raises(StandardFileError) as exc:
        parse_standard(text)
    return exc.value.errors


def test_the_yongchuan_file_is_read_whole():
    spec = parse_standard((REFERENCE_DIR / "standard-yongchuan-2021-2025.yaml").read_bytes())
    assert (spec.code, spec.period_start, spec.period_end, spec.region_code) == (YONGCHUAN_CODE, 2021, 2025, "500118")
    leaves = [i for i in spec.indicators if i.kind != Kind.GROUP]
    assert len(spec.indicators) == 48 and len(leaves) == 33
    assert [p["name"] for p in spec.phases] == ["筹备动员阶段", "组织实施阶段", "迎检考核阶段", "巩固提升阶段"]
    c32 = next(i for i in spec.indicators if i.code == "C3.2")
    assert [(t.measure, t.op, str(t.value)) for t in c32.targets] == [
        ("info_officer_ratio", ">=", "0.01"), ("info_officer_active_ratio", ">=", "0.01"),
        ("info_officer_rank_percentile", "<=", "0.3")]
    assert "pseudoscience_incidents" in spec.measure_defs  # declared: entered by the units


def test_the_reference_standard_is_loaded_once(db):
    standard = Standard.objects.get(code=YONGCHUAN_CODE)
    assert standard.indicators.count() == 48
    assert standard.region.code == "500118" and standard.phases.count() == 4
    assert load_standards() == [("standard-yongchuan-2021-2025.yaml", 0, 0)]
    b14 = standard.indicators.get(code="B1.4")
    assert (b14.level, b14.parent.code, b14.parent.parent.code) == (3, "B1", "B")
    assert b14.lead_units == ["区教委"] and b14.targets.get().measure == "school_science_staff_compliance"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("measure: registered_volunteers", "measure: registered_volunteer", "未知的度量“registered_volunteer”"),
    ("{op: '>=', value: 2}", "{op: '=>', value: 2}", "比较符“=>”无效"),
    ("{op: '>=', value: 2}", "{op: '>=', value: 两人}", "目标值“两人”不是数字"),
    ("code: B1.2,", "code: A1.1,", "指标 A1.1：编号重复"),
    ("kind: evidence, recurrence: yearly", "kind: evidnce, recurrence: yearly", "类型“evidnce”无效"),
    ("recurrence: yearly}", "recurrence: monthly}", "频次“monthly”无效"),
    ("period: {start: 2023, end: 2025}", "period: {start: 2026, end: 2025}", "standard.period"),
    ("code: test-file", "code: Test File", "代码“Test File”无效"),
])
def test_a_bad_file_names_the_indicator_and_the_problem(old, new, message):
    assert old in small()
    errors = errors_of(small(**{old: new}))
    assert any(message in e for e in errors), errors


def test_every_error_is_reported_not_only_the_first():
    text = small(**{"measure: registered_volunteers": "measure: nope", "{op: '==', value: 0}": "{op: '~', value: 0}"})
    errors = errors_of(text)
    assert len(errors) == 2 and "A1.2" in errors[0] and "B1.1" in errors[1]


def test_evidence_with_targets_and_measures_without_are_refused():
    errors = errors_of(small(**{"kind: evidence, recurrence: yearly}":
                                "kind: evidence, recurrence: yearly, measure: registered_volunteers}"}))
    assert any("B1.2" in e and "不能有度量目标" in e for e in errors)
    errors = errors_of(small(**{"            measure: pseudoscience_incidents\n            target: {op: '==', value: 0}\n":
                                ""}))
    assert any("B1.1" in e and "至少需要一个度量目标" in e for e in errors)


def test_not_yaml_or_not_a_standard_gets_one_clear_error():
    assert "不是有效的 YAML" in errors_of("standard: [unclosed")[0]
    assert "standard 部分" in errors_of("- just\n- a list\n")[0]
    assert len(errors_of(b"\xff\xfe garbage")) == 1


def test_loading_again_updates_by_code_and_keeps_what_has_evidence(db):
    standard, created = services.standard_load(actor=None, spec=parse_standard(small()))
    assert created and standard.indicators.count() == 8
    changed = small(**{"{op: '>=', value: 2}": "{op: '>=', value: 5}"})
    again, created = services.standard_load(actor=None, spec=parse_standard(changed))
    assert again.pk == standard.pk and not created
    assert Target.objects.get(indicator__standard=standard, measure="registered_volunteers").value == 5
    # an indicator with evidence cannot disappear from the standard
    submit_evidence(make_assessment(standard), "B1.2")
    without = small(**{"          - {code: B1.2, text: 学校开展科普, lead_units: [区教委], kind: evidence, recurrence: yearly}\n": ""})
    with pytest.raises(StandardFileError) as exc:
        services.standard_load(actor=None, spec=parse_standard(without))
    assert "B1.2" in exc.value.errors[0]
    assert Indicator.objects.filter(standard=standard, code="B1.2").exists()


def test_an_unknown_region_is_an_error_and_writes_nothing(db):
    with pytest.raises(StandardFileError) as exc:
        services.standard_load(actor=None, spec=parse_standard(small(**{"'500118'": "'509999'"})))
    assert "509999" in exc.value.errors[0]
    assert not Standard.objects.filter(code="test-file").exists()


def test_aliases_and_numbers_the_columns_cannot_hold_are_refused():
    assert "锚点或别名" in errors_of("standard: {code: x-y}\nindicators: &x [{code: A, children: *x}]\n")[0]
    assert any("目标值“1e20”过大" in e for e in errors_of(small(**{"value: 2}": "value: 1e20}"})))
