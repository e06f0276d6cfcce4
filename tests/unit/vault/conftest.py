"""Shared vault fixtures: a temp home per test, one moderate-KDF vault built once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import nacl.utils
import pytest

from vault import KdfParams, Vault, VaultStore
from vault.models import Contact, Identity


@dataclass(frozen=True)
class TemplateVault:
    """Facts about the session vault, for tests to compare against."""

    name: str
    path: Path
    password: str
    data_key: bytes
    identity_name: str
    contact_names: tuple[str, ...]
    secrets: tuple[bytes, ...]  # every key stored in the vault


@pytest.fixture(scope="session")
def template_vault(tmp_path_factory: pytest.TempPathFactory) -> TemplateVault:
    root = tmp_path_factory.mktemp("template") / "vaults"
    store = VaultStore(root)
    password = "correct horse battery staple ✓"
    vault = store.create("Personal", password, KdfParams.moderate())
    secrets: list[bytes] = []
    contact_names = ("Bob Zyxwvut", "Carol Qwertyuiop")
    with vault.session() as s:
        sign_seed, box_secret = nacl.utils.random(32), nacl.utils.random(32)
        secrets += [sign_seed, box_secret]
        identity = Identity(display_name="Alice Plumtree", sign_seed=sign_seed, box_secret=box_secret)
        s.add(identity)
        s.flush()
        for name in contact_names:
            sign_public, box_public = nacl.utils.random(32), nacl.utils.random(32)
            secrets += [sign_public, box_public]
            s.add(
                Contact(
                    identity_id=identity.id,
                    display_name=name,
                    sign_public=sign_public,
                    box_public=box_public,
                )
            )
    data_key = vault._require_data_key()
    vault.close()
    return TemplateVault(
        "Personal",
        root / "Personal",
        password,
        data_key,
        "Alice Plumtree",
        contact_names,
        tuple(secrets),
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def store(home: Path) -> VaultStore:
    return VaultStore(home / "vaults")


@pytest.fixture
def fast_kdf() -> KdfParams:
    return KdfParams.insecure_for_tests()


@pytest.fixture
def existing_vault(store: VaultStore, template_vault: TemplateVault) -> Iterator[Vault]:
    """A LOCKED copy of the session vault in this test's store."""
    store.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template_vault.path, store.root / template_vault.name)
    vault = store.open(template_vault.name)
    yield vault
    vault.close()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict: lets tests exercise remember/forget for real."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def failing_keyring() -> Iterator[None]:
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)
