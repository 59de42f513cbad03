"""A small library API for scripts: read a note as vaulttool reads it.

Notes come back as ``frontmatter.Post`` objects (python-frontmatter), a shape Python users know:
``post.metadata`` and ``post.content``. Reading goes through vaulttool's own strict front matter reader
(so a horizontal rule, a BOM, aliases or duplicate keys are handled as the rest of vaulttool handles
them); writing notes back is left to vaulttool's normaliser, which keeps untouched bytes as they are.
"""

from __future__ import annotations

from pathlib import Path

import frontmatter

from vaulttool.core.frontmatter import split
from vaulttool.core.textio import decode
from vaulttool.errors import FrontMatterError

__all__ = ["read_post"]


def read_post(path: str | Path) -> frontmatter.Post:
    """The note at ``path`` as a Post: its properties and its body (exactly as in the file).
    Raises FrontMatterError when the front matter cannot be trusted, UnicodeError-like
    ``UndecodableError`` when the bytes are not text."""
    decoded = decode(Path(path).read_bytes())
    sp = split(decoded.text)
    if sp.status not in ("ok", "none"):
        raise FrontMatterError(f"{path}: {sp.error}")
    body = decoded.text[sp.body_start:] if sp.status == "ok" else decoded.text
    post = frontmatter.Post(body)
    post.metadata.update(sp.data)
    return post
