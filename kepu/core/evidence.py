"""The evidence registry: files kept by one app, offered as evidence for an indicator of an assessment.

An app that keeps files which may count as evidence (the progress reports of a work plan's tasks)
registers a source; the indicator page asks every source what it offers to the user for that
indicator, and a chosen file is read through `open()` and sent in as a new submission through the
same checks as an upload. The apps never import each other: the indicators app knows only this.

A source is `fn(*, assessment, indicator, user) -> list[OfferedFile]`; it offers only what `user`
may see (`user=None`: the system, everything).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OfferedFile", "evidence_offers", "offered_file", "register_evidence_source"]


@dataclass(frozen=True)
class OfferedFile:
    """A file a source offers; `key` ("<app>.<kind>:<id>") is stable and names it in a form."""

    key: str
    name: str  # the file name as shown and as stored again
    description: str
    content_type: str
    size: int
    source: str  # where it comes from, in words ("工作任务 3")
    open: Callable[[], bytes]  # the file's bytes (raises FileNotFoundError when the storage lost it)
    source_url: str = ""  # a page about the source, when there is one


EvidenceSource = Callable[..., list[OfferedFile]]

_sources: list[EvidenceSource] = []


def register_evidence_source(fn: EvidenceSource) -> EvidenceSource:
    """Register a source (usable as a decorator); registering the same function twice is harmless."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def evidence_offers(*, assessment, indicator, user) -> list[OfferedFile]:
    """Every file the registered sources offer `user` for the indicator of the assessment."""
    offers: list[OfferedFile] = []
    for source in _sources:
        offers.extend(source(assessment=assessment, indicator=indicator, user=user))
    return offers


def offered_file(key: str, *, assessment, indicator, user) -> OfferedFile | None:
    """The offer with this key if `user` is offered it for the indicator (else None)."""
    return next((o for o in evidence_offers(assessment=assessment, indicator=indicator, user=user)
                 if o.key == key), None)
