"""The registry of user-data areas: each area of the data model says how to
export, erase and import one user's share of it.

Lower packages cannot import the packages above them, so account deletion
(:mod:`socialgraph.accounts.deletion`) and the data archive
(:mod:`socialgraph.portability.service`) never name the areas they walk:
every domain package calls :func:`register_area` when it is imported (the
app imports every package at start-up), and both walk :data:`AREAS` in
``order``. This is the registry half of the message-bus idea (Percival &
Gregory, *Architecture Patterns with Python*, ch. 8-9); the event half is
:mod:`socialgraph.core.events`.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from socialgraph.core.pagination import as_utc


def _json_default(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    return str(value)


@dataclass
class ExportContext:
    uid: str
    username: str
    base_url: str
    zip: zipfile.ZipFile
    files: list[str] = field(default_factory=list)

    @property
    def actor_id(self) -> str:
        return f"{self.base_url}/api/v1/users/{self.username}"

    def add_json(self, path: str, obj: Any) -> None:
        self.zip.writestr(path, json.dumps(obj, ensure_ascii=False, indent=1, default=_json_default))
        self.files.append(path)

    def add_bytes(self, path: str, data: bytes) -> None:
        self.zip.writestr(path, data)
        self.files.append(path)


@dataclass
class ImportContext:
    uid: str
    zip: zipfile.ZipFile

    def read_json(self, path: str, default: Any = None) -> Any:
        try:
            return json.loads(self.zip.read(path))
        except KeyError:
            return default


@dataclass
class Area:
    name: str
    order: int
    export: Callable[[ExportContext], None] | None = None
    erase: Callable[[str], Any] | None = None
    import_: Callable[[ImportContext], dict] | None = None


#: every registered area, sorted by ``order`` (export, import and deletion run in this order)
AREAS: list[Area] = []


def register_area(name: str, *, order: int = 50, export=None, erase=None, import_=None) -> Area:
    """Add (or replace) the area ``name``; see the module docstring."""
    area = Area(name, order, export, erase, import_)
    AREAS[:] = sorted([a for a in AREAS if a.name != name] + [area], key=lambda a: (a.order, a.name))
    return area


