"""The self-assessment report (Word), the scorecard workbook, the evidence archive and the jobs page."""

import io
import zipfile

import docx
import openpyxl
import pytest
from django.urls import reverse

from kepu.indicators import reports, services
from kepu.indicators.models import JobStatus, ReportJob
from kepu.indicators.reports import archive, wording

from .factories import make_assessment, pdf, png, submit_evidence, yongchuan_standard

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tasks_now(monkeypatch, settings):
    """Run on-commit callbacks (the queued task) when registered, as outside a test transaction, with the
    immediate backend (the embedded default; PostgreSQL's default queues to the database): the job is
    done when the request returns."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def assessment():
    """Yongchuan 2024: A1.1 approved, A1.2 carried over from 2023, B1.2 returned, B1.3 waiting for review,
    C1.1 approved with two photos of the same name."""
    standard = yongchuan_standard()
    earlier = make_assessment(standard, year=2023)
    submit_evidence(earlier, "A1.2", approve=True, uploads=[pdf("2023年工作机制.pdf")])
    a = make_assessment(standard, year=2024)
    submit_evidence(a, "A1.1", approve=True, uploads=[pdf("纲要实施方案.pdf")])
    submit_evidence(a, "B1.2", approve=False, uploads=[pdf("退回的材料.pdf")])
    submit_evidence(a, "B1.3", uploads=[pdf("待审核材料.pdf")])
    submit_evidence(a, "C1.1", approve=True, uploads=[png("活动照片.png"), png("活动照片.png")])
    return a


def _text(document) -> str:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _rows(document) -> dict[str, list[str]]:
    """Leaf code → its row in the section tables."""
    out = {}
    for table in document.tables[1:]:
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            out[cells[0]] = cells
    return out


# --- Word -------------------------------------------------------------------------------------------


def test_the_word_report_has_the_title_one_section_per_level_one_indicator_and_the_tables(assessment):
    name, data = reports.build_report(assessment, "docx")
    assert name == "永川区2024年度创建全国科普示范区自评报告.docx"
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "永川区创建全国科普示范区自评报告（2024年度）"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、重视全民科学素质建设", "三、加强基层科普服务能力建设",
                        "四、着力提升科普工作成效", "五、存在问题", "六、下一步工作"]
    # The summary table, then one table per level-1 indicator with its leaves.
    assert len(document.tables) == 4
    assert [c.text for c in document.tables[1].rows[0].cells] == ["编号", "指标内容", "数值", "目标", "状态", "佐证材料"]
    rows = _rows(document)
    assert len(rows) == 33 and {"A1.1", "B3.5", "C3.2"} <= set(rows)
    assert rows["A1.1"][4] == "达标" and rows["A1.1"][5] == "纲要实施方案.pdf"
    assert rows["A1.2"][4] == "达标" and rows["A1.2"][5] == "2023年工作机制.pdf（沿用 2023 年）"
    assert rows["B1.2"][4] == "待填报" and rows["B1.2"][5] == "—"
    assert rows["B1.3"][4] == "待审核"
    assert rows["B4.1"][4] == "未达标" and rows["B4.1"][3] == "≥ 1,000"
    assert rows["C3.2"][3].count("\n") == 2  # three targets, one line each
    text = _text(document)
    assert "退回的材料.pdf" not in text and "待审核材料.pdf" not in text
    # Generated text where the report text is empty: counts, problems with their reasons, the signatory.
    assert "对照 33 项指标" in text and "已达标 3 项" in text
    assert "B4.1 " in text and "注册科技志愿者人数为 0，目标 ≥ 1,000" in text
    assert "B1.2 " in text and "已被退回" in text
    assert document.paragraphs[-2].text == "永川区科协"
    assert document.paragraphs[-1].text.endswith("日")


def test_the_word_report_is_an_a4_office_document_with_east_asian_fonts(assessment):
    _, data = reports.build_report(assessment, "docx")
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="黑体"' in styles and 'w:eastAsia="方正小标宋简体"' in styles


def test_the_word_report_uses_the_report_text_and_states_the_snapshot(assessment):
    services.narratives_update(actor=None, assessment=assessment, narratives={
        "basic": "我区高度重视创建工作。\n成立了创建工作领导小组。", "B": "基层科普能力明显增强。",
        "problems": "个别镇街材料报送滞后。", "next_steps": "持续巩固提升。"})
    services.assessment_submit(actor=None, assessment=assessment)
    assessment.refresh_from_db()
    text = _text(docx.Document(io.BytesIO(reports.build_report(assessment, "docx")[1])))
    for paragraph in ("我区高度重视创建工作。", "成立了创建工作领导小组。", "基层科普能力明显增强。", "个别镇街材料报送滞后。",
                      "持续巩固提升。"):
        assert paragraph in text
    assert "对照 33 项指标" not in text and "注册科技志愿者人数为 0" not in text
    assert "提交并形成数据快照" in text  # stated whoever wrote the basic situation


def test_the_generated_basic_situation_states_the_snapshot_time(assessment):
    snapshot = services.assessment_submit(actor=None, assessment=assessment)
    assessment.refresh_from_db()
    text = _text(docx.Document(io.BytesIO(reports.build_report(assessment, "docx")[1])))
    assert f"本自评已于{wording.when_text(snapshot.taken_at)}提交并形成数据快照。" in text
    assert "提交后共有" not in text
    submit_evidence(assessment, "A3.1", approve=True)  # a status and an evidence change since the snapshot
    text = _text(docx.Document(io.BytesIO(reports.build_report(assessment, "docx")[1])))
    assert "提交后共有 2 处变化" in text


def test_section_numbers_and_shortened_texts():
    assert [wording.chinese_number(n) for n in (1, 9, 10, 11, 20, 35)] == ["一", "九", "十", "十一", "二十", "三十五"]
    assert wording.shorten("甲" * 40 + "，" + "乙" * 50, 60) == "甲" * 40 + "……"  # after the clause
    assert wording.shorten("甲" * 10 + "，" + "乙" * 60, 60) == "甲" * 10 + "，" + "乙" * 49 + "……"  # too early
    assert wording.shorten("短句。", 60) == "短句。"


# --- Excel ------------------------------------------------------------------------------------------


def test_the_scorecard_workbook_has_one_row_per_leaf_and_a_summary(assessment):
    name, data = reports.build_report(assessment, "xlsx")
    assert name == "永川区2024年度指标得分表.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["指标得分", "度量明细", "汇总"]
    sheet = book["指标得分"]
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["编号", "一级指标", "指标内容", "类型", "状态", "度量", "度量说明", "数值"]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet.max_row == 34 and len(rows) == 33
    assert rows["A1.1"]["状态"] == "达标" and rows["A1.1"]["一级指标"] == "重视全民科学素质建设"
    assert rows["A1.1"]["佐证材料（份）"] == 1 and rows["C1.1"]["附件（个）"] == 2
    assert rows["B4.1"]["数值"] == 0 and rows["B4.1"]["目标值"] == 1000 and rows["B4.1"]["比较"] == "≥"
    assert rows["B4.1"]["牵头单位"] == "区科协"
    # Ratios show as percentages; three targets of C3.2 sit on 度量明细.
    b14 = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "B1.4")
    assert b14[header.index("目标值")].number_format == "0.0%" and b14[header.index("目标值")].value == 1
    details = [r for r in book["度量明细"].iter_rows(min_row=2, values_only=True) if r[0] == "C3.2"]
    assert [r[1] for r in details] == ["info_officer_ratio", "info_officer_active_ratio", "info_officer_rank_percentile"]
    summary = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[:4] for r in summary] == [("A", "重视全民科学素质建设", 2, 6), ("B", "加强基层科普服务能力建设", 0, 14),
                                        ("C", "着力提升科普工作成效", 1, 13), (None, "合计", 3, 33)]


# --- ZIP --------------------------------------------------------------------------------------------


def test_the_evidence_archive_holds_the_approved_files_by_code_with_an_index(assessment):
    steps = []
    name, data = reports.build_report(assessment, "zip", progress=lambda p, m="": steps.append(p))
    assert name == "永川区2024年度佐证材料.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert names == {"A1.1/纲要实施方案.pdf", "A1.2/2023年工作机制.pdf", "C1.1/活动照片.png", "C1.1/活动照片_2.png",
                     "索引.xlsx"}
    assert archive.read("A1.1/纲要实施方案.pdf").startswith(b"%PDF-")
    assert archive.getinfo("C1.1/活动照片.png").compress_type == zipfile.ZIP_STORED
    assert steps == sorted(steps) and steps[-1] == 99
    index = openpyxl.load_workbook(io.BytesIO(archive.read("索引.xlsx")))
    header = [c.value for c in index["索引"][1]]
    rows = [dict(zip(header, r, strict=True)) for r in index["索引"].iter_rows(min_row=2, values_only=True)]
    by_path = {r["归档路径"]: r for r in rows if r["归档路径"]}
    assert set(by_path) == names - {"索引.xlsx"}
    assert by_path["A1.2/2023年工作机制.pdf"]["备注"] == "沿用 2023 年"
    assert by_path["A1.1/纲要实施方案.pdf"]["材料说明"] == "会议纪要" and by_path["A1.1/纲要实施方案.pdf"]["审核时间"]
    # Every leaf is listed; those without approved evidence say so.
    assert len({r["编号"] for r in rows}) == 33
    assert next(r for r in rows if r["编号"] == "B1.2")["材料说明"] == "无已通过审核的佐证材料"
    assert "待审核和已退回的材料不收录" in index["说明"]["A2"].value


def test_archive_names_are_safe_and_unique():
    taken: set[str] = set()
    assert [archive.archive_name(n, taken) for n in ("a.pdf", "A.pdf", "x/../b?.pdf", "..", "无扩展名", "无扩展名")] == \
        ["a.pdf", "A_2.pdf", "x_.._b_.pdf", "file", "无扩展名", "无扩展名_2"]
    assert archive.archive_folder("B1.4") == "B1.4" and archive.archive_folder("../x y") == "_x_y"


# --- the jobs page ----------------------------------------------------------------------------------


def _request(client, assessment, kind):
    return client.post(reverse("indicators:report_jobs", args=[assessment.pk]), {"kind": kind})


def test_asking_for_a_report_runs_the_job_and_offers_the_download(assessment, client_for,
                                                                   tasks_now):
    client = client_for("yc_admin")
    page_url = reverse("indicators:report_jobs", args=[assessment.pk])
    response = _request(client, assessment, "docx")
    assert response.status_code == 302 and response.url == page_url
    job = ReportJob.objects.get(assessment=assessment)
    assert (job.kind, job.status, job.progress) == ("docx", JobStatus.DONE, 100)
    page = client.get(page_url).content.decode()
    download_url = reverse("indicators:report_download", args=[job.pk])
    assert "已生成“自评报告（Word）”" in page and download_url in page
    assert 'hx-trigger="every 1s"' not in page  # a finished job is not polled
    download = client.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == DOCX
    assert "filename*=utf-8''" in download["Content-Disposition"].lower()
    assert "%E8%87%AA%E8%AF%84%E6%8A%A5%E5%91%8A.docx" in download["Content-Disposition"]  # 自评报告.docx
    document = docx.Document(io.BytesIO(b"".join(download.streaming_content)))
    assert document.paragraphs[0].text == "永川区创建全国科普示范区自评报告（2024年度）"

    for kind, content_type in (("xlsx", "spreadsheetml"), ("zip", "application/zip")):
        _request(client, assessment, kind)
        job = ReportJob.objects.filter(assessment=assessment, kind=kind).get()
        response = client.get(reverse("indicators:report_download", args=[job.pk]))
        assert response.status_code == 200 and content_type in response["Content-Type"]


def test_a_running_job_is_polled_until_it_finishes(assessment, client_for):
    client = client_for("yc_admin")
    job = ReportJob.objects.create(assessment=assessment, kind="zip", status=JobStatus.RUNNING, progress=40,
                                   message="已归档 2 / 5 个文件")
    page = client.get(reverse("indicators:report_jobs", args=[assessment.pk])).content.decode()
    job_url = reverse("indicators:report_job", args=[job.pk])
    assert f'hx-get="{job_url}" hx-trigger="every 1s"' in page and "已归档 2 / 5 个文件" in page
    assert reverse("indicators:report_download", args=[job.pk]) not in page
    assert client.get(reverse("indicators:report_download", args=[job.pk])).status_code == 404
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message="磁盘空间不足")
    row = client.get(job_url, HTTP_HX_REQUEST="true").content.decode()
    assert row.startswith("<tr") and "every 1s" not in row and "生成失败：磁盘空间不足" in row
    assert client.get(job_url).status_code == 302  # without htmx: the page


def test_a_failing_build_marks_the_job_failed_with_its_message(assessment, client_for, monkeypatch,
                                                              tasks_now):
    def broken(*args, **kwargs):
        raise RuntimeError("模板损坏")

    monkeypatch.setattr(reports, "build_report", broken)
    client = client_for("yc_admin")
    response = _request(client, assessment, "docx")
    job = ReportJob.objects.get(assessment=assessment)
    assert (job.status, job.message) == (JobStatus.FAILED, "模板损坏") and job.finished_at is not None
    page = client.get(response.url).content.decode()
    assert "“自评报告（Word）”生成失败" in page and "生成失败：模板损坏" in page
    assert client.get(reverse("indicators:report_download", args=[job.pk])).status_code == 404


def test_an_unknown_kind_is_refused_with_a_message(assessment, client_for, tasks_now):
    client = client_for("yc_admin")
    response = _request(client, assessment, "pdf")
    assert not ReportJob.objects.exists()
    assert "未知的报告类型“pdf”" in client.get(response.url).content.decode()


def test_it_checks_the_assessment_scope(assessment, client_for, tasks_now):
    _request(client_for("yc_admin"), assessment, "xlsx")
    job = ReportJob.objects.get()
    other = client_for("spb_admin")
    for url in (reverse("indicators:report_jobs", args=[assessment.pk]),
                reverse("indicators:report_job", args=[job.pk]),
                reverse("indicators:report_download", args=[job.pk])):
        assert other.get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert _request(other, assessment, "docx").status_code == 404
    assert ReportJob.objects.count() == 1
    assert client_for("citizen").get(reverse("indicators:report_jobs", args=[assessment.pk])).status_code == 403
    assert client_for("city_admin").get(reverse("indicators:report_download", args=[job.pk])).status_code == 200
