"""Cutting a shared app's package into parts: the limit is a clear error with both sizes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from mainframe_os.node.apps import sharing


def test_parts_put_back_together_give_the_package() -> None:
    data = bytes(range(256)) * 300  # 76,800 bytes
    package, parts = sharing.split(data)
    assert package["parts"] == len(parts) == 4 and package["size"] == len(data)
    assert package["sha256"] == hashlib.sha256(data).hexdigest()
    assert b"".join(base64.b64decode(p["data"]) for p in parts) == data
    assert {p["share"] for p in parts} == {package["share"]} and [p["i"] for p in parts] == [0, 1, 2, 3]


def test_a_package_over_the_limit_is_refused_with_its_size() -> None:
    with pytest.raises(sharing.ShareError, match=r"1024 KiB: sharing through messages takes at most 1024 KiB"):
        sharing.split(b"x" * (sharing.MAX_SHARE_BYTES + 1))
