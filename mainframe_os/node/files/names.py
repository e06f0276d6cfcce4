"""Names of files and folders in an identity's file tree: one rule, checked at every door.

Any Unicode is welcome (emoji sequences with joiners, right-to-left scripts, combining marks)
except what makes a name a path or breaks a terminal: "/" and "\\" (separators here or on
Windows), "." and "..", control characters, and lone surrogates (not encodable as UTF-8). Names
are shown through `text.safe_text`, which hides bidi overrides and invisible characters.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_BYTES = 255  # what ext4, APFS and NTFS accept, so a file can be written back out
MAX_DEPTH = 32


class BadName(ValueError):
    pass


def clean_name(name: str, what: str = "file name") -> str:
    if not isinstance(name, str) or not name:
        raise BadName(f"The {what} is empty")
    if name in (".", ".."):
        raise BadName(f"'{name}' cannot be a {what}")
    if "/" in name or "\\" in name:
        raise BadName(f"A {what} cannot contain '/' or '\\'")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise BadName(f"A {what} cannot contain control characters")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise BadName(f"The {what} is longer than {MAX_NAME_BYTES} bytes")
    return name


def clean_folder(folder: str | None) -> str:
    """A folder path as stored: "/" or "/a/b" (leading and trailing slashes optional on input)."""
    if folder is None or folder.strip("/") == "":
        return "/"
    parts = folder.strip("/").split("/")
    if len(parts) > MAX_DEPTH:
        raise BadName(f"Folders nest at most {MAX_DEPTH} deep")
    return "/" + "/".join(clean_name(p, "folder name") for p in parts)


def join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name
