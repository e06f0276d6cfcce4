from __future__ import annotations

import ast
from pathlib import Path

import vault

ALLOWED_TOP_LEVEL = {
    "__future__",
    "base64",
    "collections",
    "contextlib",
    "dataclasses",
    "enum",
    "fcntl",
    "hashlib",
    "hmac",
    "json",
    "logging",
    "os",
    "re",
    "secrets",
    "shutil",
    "stat",
    "struct",
    "threading",
    "time",
    "typing",
    "unicodedata",
    "uuid",
    "sqlalchemy",
    "sqlcipher3",
    "nacl",
    "keyring",
    "pathlib",
}


def test_all_is_sorted_and_complete() -> None:
    assert vault.__all__ == sorted(vault.__all__)
    for name in vault.__all__:
        assert hasattr(vault, name)


def test_vault_imports_only_stdlib_and_its_libraries() -> None:
    root = Path(vault.__file__).parent
    for file in root.rglob("*.py"):
        tree = ast.parse(file.read_text(), str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED_TOP_LEVEL, f"{file.name} imports {name}"


def test_errors_carry_distinct_codes() -> None:
    classes = [getattr(vault, n) for n in vault.__all__]
    errors = [c for c in classes if isinstance(c, type) and issubclass(c, vault.VaultError)]
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes))
