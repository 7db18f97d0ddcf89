"""Typed readers for environment variables.

Every deploy-specific setting goes through one of these, so a typo such as
``DEBUG=ture`` stops the process at start-up instead of silently doing the wrong thing.
An empty value counts as unset, so a copied ``.env.example`` with blanks means defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    """A string variable; ``default`` when unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off (case-insensitive)."""
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer variable, optionally bounded below."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    """A filesystem path; relative paths are taken from the current directory."""
    raw = env_str(name)
    return Path(raw).resolve() if raw else default


def database_from_url(url: str) -> dict[str, object]:
    """Django ``DATABASES`` entry from ``postgres://user:pass@host:port/name?opt=value``.

    Only PostgreSQL and SQLite are supported; anything else is a configuration error.
    """
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL must name a database: postgres://.../NAME")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parsed.scheme == "sqlite":
        # sqlite:////absolute/path.db or sqlite:///relative/path.db
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.path[1:] or ":memory:"}
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parsed.scheme!r} is not supported; use postgres:// or sqlite://"
    )


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """A string that must be one of ``choices``, compared case-insensitively."""
    value = env_str(name, default)
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")


def s3_options(
    *,
    storage_url: str,
    bucket: str,
    endpoint_url: str,
    access_key: str,
    secret_key: str,
    region: str,
    addressing_style: str,
) -> dict[str, object] | None:
    """django-storages S3 options from ``STORAGE_URL=s3://BUCKET[/PREFIX]`` or the
    ``AWS_*`` variables (an explicit bucket wins); ``None`` when neither names a bucket.

    Private by construction: no ACL (the bucket's own, private, applies), signed expiring
    URLs only, and never overwriting a stored file.
    """
    location = ""
    if storage_url:
        parsed = urlparse(storage_url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ImproperlyConfigured(
                f"STORAGE_URL must look like s3://BUCKET or s3://BUCKET/PREFIX, not {storage_url!r}"
            )
        bucket = bucket or parsed.netloc
        location = parsed.path.strip("/")
    if not bucket:
        if endpoint_url or access_key:
            raise ImproperlyConfigured(
                "AWS_S3_ENDPOINT_URL or AWS_ACCESS_KEY_ID is set but no bucket: set "
                "STORAGE_URL=s3://BUCKET or AWS_STORAGE_BUCKET_NAME"
            )
        return None
    options: dict[str, object] = {
        "bucket_name": bucket,
        "location": location,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "addressing_style": addressing_style or None,
    }
    for key, value in (
        ("endpoint_url", endpoint_url),
        ("access_key", access_key),
        ("secret_key", secret_key),
        ("region_name", region),
    ):
        if value:
            options[key] = value
    return options
