"""Backup and restore: the database and every stored file in one ``.tar.gz``.

The database goes in as Django fixtures (``dumpdata`` with natural keys), so a backup made
on PostgreSQL restores on PostgreSQL or SQLite alike, whatever ``pg_dump`` version a host
has; files are read and written through the storage API (uploads, traces, reports and retrained
model versions, which are published there; the shipped versions come with the code). A
restore goes into an empty set-up (migrated, no accounts), the drill ``make restore`` runs.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User

#: Rebuilt by ``migrate`` (content types, permissions) or not worth keeping (sessions).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]
FORMAT = 1


class RestoreRefused(Exception):
    """The archive is not a backup of this site, or the set-up is not empty."""


def _walk(storage: Storage, folder: str = "") -> list[str]:
    folders, files = storage.listdir(folder)
    names = [str(PurePosixPath(folder) / name) if folder else name for name in files]
    for sub in folders:
        names += _walk(storage, str(PurePosixPath(folder) / sub) if folder else sub)
    return names


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup_write(path: Path) -> dict[str, Any]:
    """Write a backup of the whole site to ``path``; returns its manifest."""
    data = io.StringIO()
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=EXCLUDED,
        stdout=data,
    )
    files = _walk(default_storage)
    manifest = {"format": FORMAT, "created": timezone.now().isoformat(), "files": len(files)}
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add(tar, "data.json", data.getvalue().encode())
        for name in files:
            with default_storage.open(name, "rb") as handle:
                _add(tar, f"files/{name}", handle.read())
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        parts = PurePosixPath(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise RestoreRefused(f"The archive holds an unsafe entry: {member.name!r}.")
        members.append(member)
    return members


def backup_restore(path: Path) -> dict[str, Any]:
    """Restore a backup into an empty set-up (migrated, no accounts); returns its manifest.

    Raises:
        RestoreRefused: not a backup of this site, an unsafe entry, or accounts already here.
    """
    if User.objects.exists():
        raise RestoreRefused(
            "This site already has accounts: restore into an empty set-up (a new database, "
            "migrated), so nothing here is overwritten."
        )
    work = Path(tempfile.mkdtemp(prefix="ecg-restore-"))
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = _safe_members(tar)
            tar.extractall(work, members=members, filter="data")
        manifest_path = work / "manifest.json"
        if not manifest_path.is_file() or not (work / "data.json").is_file():
            raise RestoreRefused("This is not a backup of this site (no manifest or data).")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise RestoreRefused(f"Unknown backup format {manifest.get('format')!r}.")
        with transaction.atomic():
            call_command("loaddata", str(work / "data.json"), verbosity=0)
        root = work / "files"
        for source in sorted(root.rglob("*")) if root.is_dir() else []:
            if source.is_file():
                name = source.relative_to(root).as_posix()
                if default_storage.exists(name):
                    default_storage.delete(name)
                default_storage.save(name, ContentFile(source.read_bytes()))
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
