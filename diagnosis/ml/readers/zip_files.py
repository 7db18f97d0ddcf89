"""A ``.zip`` holding exactly one WFDB record, opened safely (no escaping paths, no bombs)."""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import (
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    MAX_ZIP_UNCOMPRESSED_BYTES,
    ZIP_RATIO_MIN_BYTES,
)
from diagnosis.ml.readers.wfdb_files import check_signal_file_name, looks_like_wfdb_header

# --- Zip holding one WFDB record ---------------------------------------------------------------


def _zip_members(
    zf: zipfile.ZipFile, max_members: int = MAX_ZIP_MEMBERS
) -> dict[str, zipfile.ZipInfo]:
    """Check every member is safe (paths, links, encryption, size and ratio limits); return
    the regular files by their path in the archive, macOS metadata left out."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise InputError(
            f"The zip file holds {len(infos)} entries; at most {max_members} are accepted."
        )
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise InputError(f"The zip file holds an unsafe path ('{info.filename}').")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(f"The zip file holds a symbolic link ('{info.filename}').")
        if info.flag_bits & 0x1:
            raise InputError("The zip file is encrypted; upload it without a password.")
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_ZIP_UNCOMPRESSED_BYTES:
            raise InputError(
                f"The zip file unpacks to more than {MAX_ZIP_UNCOMPRESSED_BYTES / 2**20:.0f} MB."
            )
        if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            raise InputError(
                f"The zip file is compressed suspiciously well ('{info.filename}' by "
                f"{info.file_size / max(info.compress_size, 1):.0f}x); it is refused as a "
                "possible zip bomb."
            )
        base = PurePosixPath(name).name
        if parts and (parts[0] == "__MACOSX" or base.startswith("._") or base == ".DS_Store"):
            continue  # macOS metadata
        members[name] = info
    return members


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise InputError("The zip file is damaged and could not be opened.") from exc


def _zip_record(zf: zipfile.ZipFile) -> tuple[str, dict[str, zipfile.ZipInfo]]:
    """Return the .hea member of the single WFDB record in the archive, and all members."""
    members = _zip_members(zf)
    if not members:
        raise InputError("The zip file is empty.")
    headers = sorted(n for n in members if n.lower().endswith(".hea"))
    if not headers:
        raise InputError("The zip file holds no WFDB header (.hea); it must hold one WFDB record.")
    if len(headers) > 1:
        names = ", ".join(PurePosixPath(h).stem for h in headers[:5])
        raise InputError(
            f"The zip file holds {len(headers)} WFDB records ({names}); "
            "upload one record at a time."
        )
    return headers[0], members


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: list[int]) -> None:
    """Stream one member to ``dest``, counting real bytes (a member's declared size can lie)."""
    try:
        with zf.open(info) as src, dest.open("wb") as out:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise InputError(
                        "The zip file unpacks to more than "
                        f"{MAX_ZIP_UNCOMPRESSED_BYTES / 2**20:.0f} MB."
                    )
                out.write(chunk)
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError(f"The zip file is damaged ('{info.filename}' could not be read).") from exc


@contextmanager
def extracted_zip_record(path: Path, header_only: bool = False) -> Iterator[Path]:
    """Extract the zip's one WFDB record into a private temp dir; yield the .hea path there."""
    zf = _open_zip(path)
    tmp = Path(tempfile.mkdtemp(prefix="ecg-zip-"))
    try:
        with zf:
            hea_name, members = _zip_record(zf)
            folder = PurePosixPath(hea_name).parent
            budget = [MAX_ZIP_UNCOMPRESSED_BYTES]
            hea = tmp / PurePosixPath(hea_name).name
            _copy_member(zf, members[hea_name], hea, budget)
            text = hea.read_text(encoding="latin-1")
            if not looks_like_wfdb_header(text):
                raise InputError("The .hea file in the zip is not a valid WFDB header.")
            wanted = set()
            for line in [ln.strip() for ln in text.splitlines()][1:]:
                if line and not line.startswith("#"):
                    wanted.add(line.split()[0])
            for fname in wanted:
                check_signal_file_name(fname)
                member = str(folder / fname) if str(folder) != "." else fname
                info = members.get(member)
                if info is None:
                    raise InputError(
                        f"The zip file lacks the signal file '{fname}' named in its WFDB header."
                    )
                if header_only:
                    # Cheap check: a placeholder with the declared size is enough for the
                    # header's size checks, without decompressing anything.
                    with (tmp / fname).open("wb") as out:
                        out.truncate(info.file_size)
                else:
                    _copy_member(zf, info, tmp / fname, budget)
        yield hea
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
