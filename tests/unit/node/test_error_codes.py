"""One table of error codes: each code means one thing, is documented, and docs/errors.md is it."""

from __future__ import annotations

import re
from pathlib import Path

from mainframe_os.node import error_table

ROOT = Path(__file__).resolve().parents[3]
# `code, default_message = 5010, "..."`, `code = 2004`, `RpcError(..., code=-32000)`
DECLARED = re.compile(r"\bcode(?:, default_message)?\s*=\s*(-?\d+)\b")


def test_codes_are_unique_and_each_has_a_meaning() -> None:
    entries = error_table.table()
    assert error_table.problems(entries) == []
    assert [e for e in entries if not e.meaning.strip()] == []
    # the fix this table was made for: the vault's wrong password is the wire's
    import vault
    from mainframe_os.node import errors as E

    assert vault.WrongPassword.code == E.WrongPasswordError.code == 2004


def test_every_code_declared_in_the_source_is_in_the_table() -> None:
    known = {e.code for e in error_table.table()}
    missing = []
    for folder in ("mainframe_os", "vault"):
        for file in sorted((ROOT / folder).rglob("*.py")):
            for m in DECLARED.finditer(file.read_text(encoding="utf-8")):
                if int(m.group(1)) not in known:
                    missing.append(f"{file.relative_to(ROOT)}: code {m.group(1)}")
    assert missing == [], "add these to mainframe_os/node/error_table.py:\n" + "\n".join(missing)


def test_the_doc_is_the_table() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert doc == error_table.markdown(error_table.table()), (
        "docs/errors.md is stale: python -m mainframe_os.node.error_table > docs/errors.md"
    )


def test_a_duplicate_code_is_caught() -> None:
    entries = error_table.table()
    twin = error_table.Entry(2004, "SomeOtherError", "node", "something else")
    assert any("2004" in p for p in error_table.problems([*entries, twin]))
