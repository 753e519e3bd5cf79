"""`kepu assess REGION YEAR` and `kepu import standard FILE.yaml`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kepu.indicators import services
from kepu.indicators.models import Assessment, Standard
from kepu.indicators.standards import parse_standard
from kepu.regions.models import Region

from .factories import SMALL, YONGCHUAN_CODE, submit_evidence, yongchuan_standard

pytestmark = pytest.mark.django_db


# --- kepu assess ----------------------------------------------------------------------------------------


def test_assess_creates_then_refreshes(capsys):
    call_command("assess", "500118", "2024")
    out = capsys.readouterr().out
    assessment = Assessment.objects.get()
    assert (assessment.region.code, assessment.year, assessment.standard.code) == ("500118", 2024, YONGCHUAN_CODE)
    assert f"assessment {assessment.pk} created" in out
    assert "met 0/33 (0.0%); vetoed: no" in out
    assert "by status: 达标 0, 未达标 3, 待填报 22, 待审核 0, 无数据 8, 否决 0" in out
    lines = {line.split()[0]: line for line in out.splitlines()[5:] if line}
    assert len(lines) == 33
    assert lines["B4.1"].split()[1] == "未达标" and "registered_volunteers: 0, target ≥ 1,000" in lines["B4.1"]
    assert "info_officer_rank_percentile: — (没有该年度的“科普中国”信息员数据), target ≤ 30%" in lines["C3.2"]

    submit_evidence(assessment, "A1.1", approve=True)
    call_command("assess", "500118", "2024")
    out = capsys.readouterr().out
    assert Assessment.objects.count() == 1
    assert f"assessment {assessment.pk} refreshed" in out and "met 1/33 (3.0%)" in out
    assert "A1.1     达标  1 approved evidence" in out
    assessment.refresh_from_db()
    assert assessment.summary["met"] == 1 and assessment.computed_at is not None


def test_assess_the_whole_period(capsys):
    call_command("assess", "500118", "all")
    assert Assessment.objects.get().year is None
    assert "2021—2025" in capsys.readouterr().out
    call_command("assess", "500118", "period")
    assert Assessment.objects.count() == 1


def test_assess_takes_the_regions_own_standard(capsys, shapingba):
    copy = services.standard_copy(actor=None, standard=yongchuan_standard(), code="shapingba-2021-2025",
                                  title="沙坪坝区创建任务分解表", region=shapingba)
    call_command("assess", "500106", "2024")
    assert Assessment.objects.get().standard == copy
    call_command("assess", "500106", "2024", "--standard", YONGCHUAN_CODE)
    assert Assessment.objects.filter(region=shapingba, year=2024).count() == 2
    capsys.readouterr()


@pytest.mark.parametrize(("arguments", "message"), [
    (["999999", "2024"], "unknown region '999999'"),
    (["500118", "2030"], "2030 is outside the period 2021-2025 of standard yongchuan-2021-2025"),
    (["500118", "next"], "YEAR must be a year or 'all'"),
    (["500118", "2024", "--standard", "nope"], "unknown standard 'nope'"),
])
def test_assess_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError) as error:
        call_command("assess", *arguments)
    assert error.value.returncode == 2 and message in str(error.value)
    assert not Assessment.objects.exists()


# --- kepu import standard -------------------------------------------------------------------------------


def small(tmp_path, code="cli-standard", **replace):
    text = SMALL.format(code=code, region_code="500118")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_standard(tmp_path, capsys):
    path = small(tmp_path)
    call_command("import", "standard", str(path))
    out = capsys.readouterr().out
    assert "standard cli-standard (测试标准) created (8 indicators, 4 leaves, 1 phases)" in out
    standard = Standard.objects.get(code="cli-standard")
    assert standard.indicators.count() == 8 and standard.region == Region.objects.get(code="500118")

    call_command("import", "standard", str(path))
    assert "unchanged" in capsys.readouterr().out
    changed = small(tmp_path, 健全科普组织="健全科普组织机构")
    call_command("import", "standard", str(changed))
    assert "cli-standard (测试标准) updated" in capsys.readouterr().out
    assert standard.indicators.get(code="A1.1").text == "健全科普组织机构"


def test_import_standard_dry_run_writes_nothing(tmp_path, capsys):
    call_command("import", "standard", str(small(tmp_path)), "--dry-run")
    assert "would be created (8 indicators" in capsys.readouterr().out
    assert not Standard.objects.filter(code="cli-standard").exists()


def test_import_standard_with_errors_prints_each_and_writes_nothing(tmp_path, capsys):
    bad = small(tmp_path, **{"op: '>='": "op: '=>'", "measure: pseudoscience_incidents": "measure: ghosts"})
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "standard", str(bad))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert "cli-standard.yaml: 指标 A1.2：度量“registered_volunteers”的比较符“=>”无效，应为 >= > <= < == != 之一。" in err
    assert any(line.startswith("cli-standard.yaml: 指标 B1.1：未知的度量“ghosts”") for line in err)
    assert err[-1].startswith("2 个错误，未写入任何数据。")
    assert not Standard.objects.filter(code="cli-standard").exists()


def test_import_standard_usage_errors(tmp_path, capsys):
    with pytest.raises(CommandError) as error:
        call_command("import", "standard", str(tmp_path / "missing.yaml"))
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("import", "standard", str(small(tmp_path)), "--year", "2024")
    assert error.value.returncode == 2
    call_command("import", "standard", "--template", str(tmp_path / "example.yaml"))
    assert parse_standard((tmp_path / "example.yaml").read_bytes()).code == YONGCHUAN_CODE
    capsys.readouterr()
