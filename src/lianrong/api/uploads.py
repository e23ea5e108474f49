"""Uploaded files as the API reads them: bounded bytes and a printable name."""

from __future__ import annotations

from fastapi import UploadFile

from lianrong.api.deps import Ctx
from lianrong.kernel import errors


def read_upload(ctx: Ctx, file: UploadFile) -> bytes:
    """The uploaded bytes, refused with 413 past ``max_upload_bytes``."""
    limit = int(getattr(ctx.settings, "max_upload_bytes", 20 * 1024 * 1024))
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise errors.PayloadTooLarge(limit=limit)
    return content


def upload_name(file: UploadFile) -> str:
    """The file's name as sent, without control characters (PostgreSQL refuses NUL in text)."""
    name = "".join(c for c in (file.filename or "") if c.isprintable()).strip()
    return name[:255] or "upload"
