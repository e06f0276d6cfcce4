from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault import InvalidVaultName, KdfParams, VaultStore, validate_name

ALLOWED = string.ascii_letters + string.digits + " _-."


def _expected_valid(name: str) -> bool:
    return (
        1 <= len(name) <= 64
        and all(c in ALLOWED for c in name)
        and not name.startswith((".", " "))
        and not name.endswith((".", " "))
        and name.split(".")[0].strip().lower()
        not in {"con", "prn", "aux", "nul", *(f"{p}{i}" for p in ("com", "lpt") for i in range(10))}
    )


@given(st.text(max_size=80))
def test_any_text(name: str) -> None:
    if _expected_valid(name):
        assert validate_name(name) == name
    else:
        with pytest.raises(InvalidVaultName):
            validate_name(name)


@given(st.text(alphabet=ALLOWED + "/\\:é\0", min_size=0, max_size=70))
def test_near_misses(name: str) -> None:
    if _expected_valid(name):
        assert validate_name(name) == name
    else:
        with pytest.raises(InvalidVaultName):
            validate_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".hidden",
        "..",
        "a/b",
        "../up",
        "x" * 65,
        "trail.",
        "trail ",
        "CON",
        "nul.txt",
        "café",
        "tab\there",
    ],
)
def test_rejected_examples(store: VaultStore, name: str) -> None:
    with pytest.raises(InvalidVaultName):
        store.create(name, "pw", KdfParams.insecure_for_tests())
    assert not store.exists(name)


@pytest.mark.parametrize("name", ["a", "My Vault", "work-2024_v1.0", "x" * 64, "0"])
def test_accepted_examples(store: VaultStore, name: str) -> None:
    store.create(name, "pw", KdfParams.insecure_for_tests()).close()
    assert store.exists(name) and [i.name for i in store.list()] == [name]
