"""Reading structured documents (YAML standards and plans): the checks every document kind shares."""

from __future__ import annotations

import datetime

import yaml
from django.utils.translation import gettext as _

from .imports import DocumentInvalid


def _uses_aliases(raw: bytes) -> bool:
    """Whether the YAML uses anchors and aliases (& and *): documents need none, and an alias can
    make a tree refer to itself or multiply without end."""
    try:
        return any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(raw, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return False  # read_yaml reports the syntax error with its line


def read_yaml(raw: bytes):
    """The parsed document; DocumentInvalid naming the line of a syntax error, or refusing aliases."""
    if _uses_aliases(raw):
        raise DocumentInvalid([_("文件使用了 YAML 锚点或别名（& 和 *），不支持引用，请把每一项直接写出。")])
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", "") or exc
        if mark:
            message = _("文件不是有效的 YAML（第 %(line)d 行）：%(problem)s") % {"line": mark.line + 1, "problem": problem}
        else:
            message = _("文件不是有效的 YAML：%(problem)s") % {"problem": problem}
        raise DocumentInvalid([message]) from None
    except ValueError as exc:  # a date YAML recognises by its shape but cannot build (2022-13-01)
        raise DocumentInvalid([_("文件中有无效的日期：%(problem)s。请写成 2022-04-19 这样的有效日期。")
                               % {"problem": exc}]) from None


def parse_date(value) -> datetime.date | None:
    """A date written as YAML's date or as an ISO string; None for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def name_list(value) -> list[str] | None:
    """A list of non-empty names (a single name is a list of one); None when it is not one."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]
