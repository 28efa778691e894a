"""What a file really is, judged by its bytes (never by its name or the browser's word), and
whether a file field's ``accept`` list allows it.

``accept`` entries are extensions (``.pdf``), MIME types (``application/pdf``) or wildcards
(``image/*``). Each known kind below is recognised by its magic bytes; an entry naming no known kind
(say ``.dwg``) can only be checked by name, so it admits files with that extension whose content is
none of the known binary kinds, served as ``application/octet-stream``.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

HEAD = 8192
OCTET = "application/octet-stream"
_ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class FileKind:
    """One recognisable file format."""

    name: str
    label: str
    mime: str
    extensions: tuple[str, ...]
    matches: Callable[[bytes, Path], bool]
    aliases: tuple[str, ...] = ()

    @property
    def image(self) -> bool:
        return self.mime.startswith("image/")


def _starts(*magics: bytes) -> Callable[[bytes, Path], bool]:
    return lambda head, _path: head.startswith(magics)


def _webp(head: bytes, _path: Path) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _office(member: str) -> Callable[[bytes, Path], bool]:
    def matches(head: bytes, path: Path) -> bool:
        if not head.startswith(_ZIP):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and member in names
    return matches


def _text(head: bytes, _path: Path) -> bool:
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls * 50 < len(head)


KINDS: tuple[FileKind, ...] = (
    FileKind("pdf", "PDF", "application/pdf", (".pdf",), _starts(b"%PDF-")),
    FileKind("png", "PNG", "image/png", (".png",), _starts(b"\x89PNG\r\n\x1a\n")),
    FileKind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"), _starts(b"\xff\xd8\xff"), ("image/jpg",)),
    FileKind("gif", "GIF", "image/gif", (".gif",), _starts(b"GIF87a", b"GIF89a")),
    FileKind("webp", "WebP", "image/webp", (".webp",), _webp),
    FileKind("docx", "Word (.docx)",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",),
             _office("word/document.xml")),
    FileKind("xlsx", "Excel (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (".xlsx",), _office("xl/workbook.xml")),
    FileKind("pptx", "PowerPoint (.pptx)",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",),
             _office("ppt/presentation.xml")),
    FileKind("text", "Text (.txt, .csv)", "text/plain", (".txt", ".csv"), _text, ("text/csv",)),
)


def detect(path: Path) -> FileKind | None:
    """The known kind whose signature the file at ``path`` carries, if any."""
    with path.open("rb") as fh:
        head = fh.read(HEAD)
    return next((k for k in KINDS if k.matches(head, path)), None)


@dataclass(frozen=True)
class Allowed:
    """What one ``accept`` list admits: known kinds, plus extensions only checkable by name."""

    kinds: tuple[FileKind, ...]
    by_name: tuple[str, ...]
    anything: bool = False

    @property
    def labels(self) -> list[str]:
        return [k.label for k in self.kinds] + list(self.by_name)

    def content_type(self, kind: FileKind | None, filename: str) -> str | None:
        """The content type to store and serve the file as, or None when it is refused."""
        if self.anything:
            return kind.mime if kind else OCTET
        if kind is not None and kind in self.kinds:
            return kind.mime
        if (kind is None or kind.name == "text") and extension(filename) in self.by_name:
            return OCTET
        return None


def allowed(accept: tuple[str, ...] | list[str]) -> Allowed:
    """Resolve a field's ``accept`` list (empty: any file, served by its detected type)."""
    if not accept:
        return Allowed((), (), anything=True)
    kinds: list[FileKind] = []
    by_name: list[str] = []
    for entry in (a.strip().lower() for a in accept):
        if entry.startswith("."):
            found = [k for k in KINDS if entry in k.extensions]
            if not found:
                by_name.append(entry)
        elif entry.endswith("/*"):
            found = [k for k in KINDS if k.mime.startswith(entry[:-1])]
        else:
            found = [k for k in KINDS if entry == k.mime or entry in k.aliases]
        kinds.extend(k for k in found if k not in kinds)
    return Allowed(tuple(kinds), tuple(dict.fromkeys(by_name)))


def extension(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()
