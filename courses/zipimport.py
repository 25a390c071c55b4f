"""Unpack an uploaded course zip safely, then hand the folder to the importer.

Zip headers are not trusted: sizes are counted while reading, so a zip bomb stops at
the limit; absolute paths, ``..``, drive letters and symbolic links are refused.
"""

from __future__ import annotations

import functools
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_noop

from .importer import MANIFEST_NAMES, CourseImportError, ImportReport, Message, Problem, import_course

CHUNK = 64 * 1024
NAME_MAX = 255  # bytes in one file name (ext4, XFS, tmpfs)
PATH_MAX = 1024  # bytes in a member's whole path inside the zip


def _safe_member_path(name: str) -> PurePosixPath | None:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    path = PurePosixPath(name)
    if any(part in ("..", "") for part in path.parts) or not path.parts:
        return None
    return path


def unpack_zip(upload: IO[bytes], dest: Path, *, size: int | None = None) -> Path:
    """Extract ``upload`` into ``dest`` within the configured limits; return the course root."""
    limit = settings.COURSE_ZIP_MAX_BYTES
    if size is not None and size > limit:
        raise CourseImportError(
            [Problem("upload", Message(gettext_noop("the zip is larger than %(mib)s MiB"), mib=limit // (1024 * 1024)))]
        )
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise CourseImportError([Problem("upload", Message(gettext_noop("not a zip file")))]) from None
    with archive:
        members = archive.infolist()
        if len(members) > settings.COURSE_ZIP_MAX_FILES:
            raise CourseImportError(
                [
                    Problem(
                        "upload",
                        Message(gettext_noop("more than %(count)s files"), count=settings.COURSE_ZIP_MAX_FILES),
                    )
                ]
            )
        budget = settings.COURSE_ZIP_MAX_UNPACKED_BYTES
        for info in members:
            rel = _safe_member_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
            if rel is None:
                raise CourseImportError(
                    [Problem(info.filename, Message(gettext_noop("unsafe path in zip (absolute or with '..')")))]
                )
            too_long = next((part for part in rel.parts if len(part.encode()) > NAME_MAX), None)
            if too_long is not None or len(info.filename.encode()) > PATH_MAX:
                raise CourseImportError(
                    [
                        Problem(
                            info.filename[:80] + "…",
                            Message(
                                gettext_noop("file name too long (at most %(name)s bytes a name, %(path)s a path)"),
                                name=NAME_MAX,
                                path=PATH_MAX,
                            ),
                        )
                    ]
                )
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise CourseImportError(
                    [Problem(info.filename, Message(gettext_noop("symbolic links are not allowed in a course zip")))]
                )
            target = dest / rel
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise CourseImportError(
                                [
                                    Problem(
                                        "upload",
                                        Message(
                                            gettext_noop("unpacks to more than %(mib)s MiB"),
                                            mib=settings.COURSE_ZIP_MAX_UNPACKED_BYTES // (1024 * 1024),
                                        ),
                                    )
                                ]
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
                raise CourseImportError(
                    [Problem(info.filename, Message(gettext_noop("cannot be unpacked: %(error)s"), error=str(exc)))]
                ) from None
            except OSError as exc:
                # A full disk or a name the file system refuses: the upload is refused, nothing is imported.
                raise CourseImportError(
                    [
                        Problem(
                            info.filename[:120],
                            Message(gettext_noop("cannot be unpacked here: %(error)s"), error=str(exc.strerror or exc)),
                        )
                    ]
                ) from None
    return find_course_root(dest)


def _alternatives(names: tuple[str, ...]) -> Message | str:
    """``a or b or c``, in the reader's language."""
    return functools.reduce(lambda a, b: Message(gettext_noop("%(a)s or %(b)s"), a=a, b=b), names)  # type: ignore[arg-type, return-value]


def find_course_root(dest: Path) -> Path:
    """The manifest may sit at the top of the zip or inside one folder (as `zip -r x.zip mycourse/` makes)."""
    if any((dest / m).is_file() for m in MANIFEST_NAMES):
        return dest
    children = [p for p in dest.iterdir() if p.name not in ("__MACOSX",) and not p.name.startswith(".")]
    if len(children) == 1 and children[0].is_dir() and any((children[0] / m).is_file() for m in MANIFEST_NAMES):
        return children[0]
    raise CourseImportError(
        [
            Problem(
                "upload",
                Message(gettext_noop("no %(names)s at the top of the zip"), names=_alternatives(MANIFEST_NAMES)),
            )
        ]
    )


def import_course_zip(
    upload: IO[bytes], *, size: int | None, teacher: Any, expect_slug: str | None = None
) -> ImportReport:
    with tempfile.TemporaryDirectory(prefix="course-upload-") as tmp:
        root = unpack_zip(upload, Path(tmp), size=size)
        return import_course(root, teacher=teacher, expect_slug=expect_slug)
