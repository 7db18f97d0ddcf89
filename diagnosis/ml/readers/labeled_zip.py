"""A ``.zip`` of labeled beats for curation, opened safely (no escaping paths, no bombs).

Two layouts:

- beat images in class-named folders, the layout the original project trained from:
  ``[any/]train/<CLASS>/*.png`` and ``[any/]test/<CLASS>/*.png`` (``test`` = held out), or
  ``<CLASS>/*.png``; class folder names are the 8 codes, any case;
- WFDB records (``.hea`` + signal files) with reference annotations (``.atr``).

Each member is checked like the one-record zip reader (unsafe paths, links, encryption, total
size, compression ratio) with a member limit fit for datasets.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from diagnosis.ml.classes import CLASSES
from diagnosis.ml.errors import InputError
from diagnosis.ml.readers.common import (
    MAX_ZIP_UNCOMPRESSED_BYTES,
)
from diagnosis.ml.readers.zip_files import _copy_member, _open_zip, _zip_members

#: Most entries in a labeled-data archive.
MAX_LABELED_MEMBERS = 20_000
#: Largest single beat image in an archive (bytes).
MAX_BEAT_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_SPLITS = {"train": False, "test": True}


@dataclass
class ImageMember:
    """A beat image in the archive: ``label`` is None when its folder is not a class."""

    name: str
    folder: str
    label: str | None
    holdout: bool
    info: zipfile.ZipInfo


def safe_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Regular files by archive path, after the one-record reader's safety checks, with the
    larger entry limit of a labeled-data archive; macOS metadata skipped.

    Raises:
        InputError: too many entries, an unsafe path or link, encryption, or a possible bomb.
    """
    return _zip_members(zf, max_members=MAX_LABELED_MEMBERS)


def open_labeled_zip(path: Path) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo], str]:
    """Open and check an archive; returns (zip file, members, kind ``images`` or ``wfdb``).
    The caller closes the zip file.

    Raises:
        InputError: damaged or unsafe archive, or neither layout.
    """
    zf = _open_zip(path)
    try:
        members = safe_members(zf)
        if not members:
            raise InputError("The zip file is empty.")
        if any(n.lower().endswith(".hea") for n in members):
            return zf, members, "wfdb"
        if any(n.lower().endswith(IMAGE_SUFFIXES) for n in members):
            return zf, members, "images"
        raise InputError(
            "The zip file holds neither beat images in class folders (train/<class>/*.png) "
            "nor WFDB records with annotations (.hea, .dat, .atr)."
        )
    except BaseException:
        zf.close()
        raise


def class_of_folder(folder: str) -> str | None:
    """The class code a folder name stands for (any case), or None."""
    code = folder.strip().upper()
    return code if code in CLASSES else None


def image_members(members: dict[str, zipfile.ZipInfo]) -> tuple[list[ImageMember], list[str]]:
    """Beat images with their class folder and split; and the names of other files."""
    images: list[ImageMember] = []
    others: list[str] = []
    for name, info in sorted(members.items()):
        p = PurePosixPath(name)
        if not name.lower().endswith(IMAGE_SUFFIXES) or len(p.parts) < 2:
            others.append(name)
            continue
        folder = p.parts[-2]
        holdout = any(_SPLITS.get(part.lower(), False) for part in p.parts[:-2])
        images.append(ImageMember(name, folder, class_of_folder(folder), holdout, info))
    return images, others


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, counting what is really decompressed (a declared size can lie).

    Raises:
        InputError: larger than ``limit`` or damaged.
    """
    if info.file_size > limit:
        raise InputError(f"'{info.filename}' is larger than {limit / 2**20:.0f} MB.")
    try:
        with zf.open(info) as src:
            data = src.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputError(f"'{info.filename}' could not be read from the zip file.") from exc
    if len(data) > limit:
        raise InputError(f"'{info.filename}' is larger than {limit / 2**20:.0f} MB.")
    return data


def extract_records(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], dest: Path
) -> tuple[list[str], list[tuple[str, str]]]:
    """Copy each WFDB record (header, its signal files, its ``.atr``) flat into ``dest``.

    Returns:
        (record names extracted, [(header name, why refused)]).
    """
    from diagnosis.ml.readers.wfdb_files import check_signal_file_name, looks_like_wfdb_header

    budget = [MAX_ZIP_UNCOMPRESSED_BYTES]
    records: list[str] = []
    refused: list[tuple[str, str]] = []
    for hea_name in sorted(n for n in members if n.lower().endswith(".hea")):
        p = PurePosixPath(hea_name)
        record = p.stem
        folder = p.parent
        try:
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", record) or record in records:
                raise InputError("the record name is not usable or appears twice")
            text = read_member(zf, members[hea_name], 1 << 20).decode("latin-1")
            if not looks_like_wfdb_header(text):
                raise InputError("not a valid WFDB header")
            atr = str(folder / f"{record}.atr") if str(folder) != "." else f"{record}.atr"
            if atr not in members:
                raise InputError("no annotation file (.atr) beside it")
            wanted = set()
            for line in [ln.strip() for ln in text.splitlines()][1:]:
                if line and not line.startswith("#"):
                    wanted.add(line.split()[0])
            for fname in wanted:
                check_signal_file_name(fname)
                member = str(folder / fname) if str(folder) != "." else fname
                if member not in members:
                    raise InputError(f"the signal file '{fname}' is missing")
            (dest / f"{record}.hea").write_text(text, encoding="latin-1")
            for fname in wanted:
                member = str(folder / fname) if str(folder) != "." else fname
                _copy_member(zf, members[member], dest / fname, budget)
            _copy_member(zf, members[atr], dest / f"{record}.atr", budget)
            records.append(record)
        except InputError as exc:
            refused.append((hea_name, str(exc)))
    return records, refused
