"""Course zips from the site: size-limited, zip-bomb and path-traversal safe."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from courses.importer import CourseImportError
from courses.models import Course
from courses.zipimport import import_course_zip, unpack_zip

DEMO = Path(__file__).resolve().parents[2] / "content" / "demo"


def _zip_of_demo(prefix: str = "demo/") -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(DEMO.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(DEMO).as_posix())
    buf.seek(0)
    return buf


def _zip(entries: dict[str, bytes], *, symlink: str | None = None) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    buf.seek(0)
    return buf


@pytest.mark.django_db
def test_zip_with_a_top_folder_imports(cast) -> None:  # type: ignore[no-untyped-def]
    data = _zip_of_demo()
    report = import_course_zip(data, size=len(data.getvalue()), teacher=cast.teacher)
    assert report.created
    assert Course.objects.get(slug="quantum-first-steps").enrollments.get().user == cast.teacher


@pytest.mark.django_db
def test_zip_with_manifest_at_top_imports(cast) -> None:  # type: ignore[no-untyped-def]
    data = _zip_of_demo(prefix="")
    assert import_course_zip(data, size=None, teacher=cast.teacher).course.slug == "quantum-first-steps"


@pytest.mark.parametrize("name", ["../evil.md", "/etc/cron.d/evil", "a/../../evil", "C:/evil", "a\\..\\evil"])
def test_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(CourseImportError, match="unsafe path"):
        unpack_zip(_zip({name: b"x"}), tmp_path)
    assert not (tmp_path.parent / "evil.md").exists()


def test_symlink_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CourseImportError, match="symbolic links"):
        unpack_zip(_zip({"course.yaml": b"slug: x"}, symlink="lessons/passwd"), tmp_path)


def test_zip_bomb_stops_at_the_unpacked_limit(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.COURSE_ZIP_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = _zip({"course.yaml": b"slug: x\n", "data/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb.getvalue()) < 100 * 1024  # compresses to almost nothing
    with pytest.raises(CourseImportError, match="unpacks to more than 1 MiB"):
        unpack_zip(bomb, tmp_path)
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert written <= 1024 * 1024


def test_oversized_upload_and_too_many_files_are_refused(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.COURSE_ZIP_MAX_BYTES = 10
    with pytest.raises(CourseImportError, match="larger than"):
        unpack_zip(_zip({"a": b"b"}), tmp_path, size=11)
    settings.COURSE_ZIP_MAX_BYTES = 10**9
    settings.COURSE_ZIP_MAX_FILES = 3
    with pytest.raises(CourseImportError, match="more than 3 files"):
        unpack_zip(_zip({f"f{i}": b"" for i in range(4)}), tmp_path)


def test_not_a_zip_and_no_manifest(tmp_path: Path) -> None:
    with pytest.raises(CourseImportError, match="not a zip file"):
        unpack_zip(io.BytesIO(b"PK nonsense"), tmp_path / "a")
    with pytest.raises(CourseImportError, match=r"no course\.yaml"):
        unpack_zip(_zip({"readme.txt": b"hi"}), tmp_path / "b")


@pytest.mark.parametrize(
    "name",
    ["course/" + "a" * 300 + ".md", "course/" + "长" * 90 + ".md", "course/" + "/".join(["d" * 200] * 6) + "/x.md"],
)
def test_too_long_file_names_are_refused_with_a_reason(tmp_path: Path, name: str) -> None:
    # 300 ASCII bytes, 270 UTF-8 bytes of Chinese (90 characters), and a 1.2 kB path of short-enough parts:
    # each would be ENAMETOOLONG (a 500) when written; each is a line in the report and nothing is written.
    with pytest.raises(CourseImportError, match="file name too long") as caught:
        unpack_zip(_zip({"course/course.yaml": b"slug: x\n", name: b"hi"}), tmp_path / "out")
    assert len(caught.value.problems[0].file) < 100
    assert not any(p.suffix == ".md" for p in (tmp_path / "out").rglob("*"))


def test_a_file_system_error_while_unpacking_is_a_clear_refusal(tmp_path: Path) -> None:
    # A file where the zip needs a folder: the OS refuses (ENOTDIR); the upload is refused, not a 500.
    out = tmp_path / "out"
    out.mkdir()
    (out / "course").write_text("a file, not a folder")
    with pytest.raises(CourseImportError, match="cannot be unpacked here"):
        unpack_zip(_zip({"course/course.yaml": b"slug: x\n"}), out)
