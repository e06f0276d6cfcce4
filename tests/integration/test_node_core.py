"""The node's vault, identity and contact methods in-process: events, keyring, on-disk secrecy,
and no secret in any log line."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from mainframe_os.node import errors as E
from mainframe_os.node import events as ev
from mainframe_os.node.node import Node

PW = "a fine long password"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


@pytest.fixture
async def node(tmp_path: Path):
    n = Node(tmp_path / "home")
    yield n
    await n.close()


async def test_identities_contacts_and_events(node: Node) -> None:
    seen: list[ev.Event] = []
    node.events.subscribe(ev.Event, seen.append)
    await node.call("vault_create", {"name": "main", "password": PW})
    a = await node.call("identity_create", {"displayName": "  Alice   Smith ", "avatar": PNG})
    b = await node.call("identity_create", {"displayName": "Bob"})
    assert a["displayName"] == "Alice Smith" and a["active"] and a["hasAvatar"]
    assert (await node.call("identity_get", {"id": a["id"]}))["avatar"] == PNG
    with pytest.raises(E.InvalidParams, match="PNG"):
        await node.call("identity_create", {"displayName": "X", "avatar": base64.b64encode(b"<svg/>").decode()})
    with pytest.raises(E.InvalidParams, match="empty"):
        await node.call("identity_create", {"displayName": "   "})

    card_b = (await node.call("identity_getCard", {"id": b["id"]}))["card"]
    c = await node.call("contacts_add", {"card": card_b, "identityId": a["id"]})
    with pytest.raises(E.ContactExists):
        await node.call("contacts_add", {"card": card_b, "identityId": a["id"]})
    with pytest.raises(E.ContactRpcError, match="own card"):
        await node.call("contacts_add", {"card": card_b, "identityId": b["id"]})
    # contacts belong to one identity
    assert await node.call("contacts_list", {"identityId": b["id"]}) == []
    assert [x["id"] for x in await node.call("contacts_list", {"identityId": a["id"], "query": "bo"})] == [c["id"]]
    assert await node.call("contacts_list", {"identityId": a["id"], "query": "%"}) == []  # LIKE wildcards are literal

    await node.call("identity_select", {"id": b["id"]})
    assert (await node.call("node_status"))["identityId"] == b["id"]
    await node.call("identity_delete", {"id": a["id"]})  # its contacts go with it
    assert [i["id"] for i in await node.call("identity_list")] == [b["id"]]

    names = {e.name for e in seen}
    assert {"VaultsChanged", "VaultOpened", "IdentitiesChanged", "ContactsChanged", "ActiveIdentityChanged"} <= names
    await node.call("vault_lock")
    assert any(isinstance(e, ev.VaultLocked) for e in seen)
    with pytest.raises(E.NoVaultOpen):
        await node.call("identity_list")


async def test_vault_files_hold_nothing_readable(node: Node) -> None:
    await node.call("vault_create", {"name": "main", "password": PW})
    a = await node.call("identity_create", {"displayName": "Zebulon Quixote"})
    b = await node.call("identity_create", {"displayName": "Xanthippe Marlowe"})
    card = (await node.call("identity_getCard", {"id": b["id"]}))["card"]
    c = await node.call("contacts_add", {"card": card, "identityId": a["id"], "displayName": "Ophelia Brandywine"})
    await node.call("vault_lock")
    raw = b"".join(p.read_bytes() for p in (node.paths.vaults / "main").iterdir() if p.is_file())
    for needle in ("Zebulon", "Xanthippe", "Ophelia", "mfc1"):
        assert needle.encode() not in raw and needle.encode("utf-16-le") not in raw
    for key_hex in (c["signPublicKey"], c["boxPublicKey"], a["signPublicKey"]):
        assert bytes.fromhex(key_hex) not in raw
    assert not (node.paths.vaults / "main" / "vault.db").read_bytes().startswith(b"SQLite format 3")


async def test_remember_on_device(node: Node) -> None:
    await node.call("vault_create", {"name": "main", "password": PW, "remember": True})
    await node.call("vault_lock")
    r = await node.call("vault_unlockRemembered", {"name": "main"})
    assert r["unlocked"] and node.vault is not None
    await node.call("vault_setRemember", {"enabled": False})
    await node.call("vault_lock")
    assert not (await node.call("vault_unlockRemembered", {"name": "main"}))["unlocked"]


async def test_no_keyring_is_not_a_crash(node: Node) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert await node.call("vault_keyringAvailable") is False
        await node.call("vault_create", {"name": "main", "password": PW})
        with pytest.raises(E.KeyringError):
            await node.call("vault_setRemember", {"enabled": True})
        assert not (await node.call("vault_unlockRemembered", {"name": "main"}))["unlocked"]
    finally:
        keyring.set_keyring(previous)


async def test_wrong_password_and_short_password(node: Node) -> None:
    with pytest.raises(E.InvalidParams, match="at least 8"):
        await node.call("vault_create", {"name": "main", "password": "short"})
    await node.call("vault_create", {"name": "main", "password": PW})
    await node.call("identity_create", {"displayName": "Alice"})
    await node.call("vault_lock")
    with pytest.raises(E.WrongPasswordError):
        await node.call("vault_unlock", {"name": "main", "password": PW + "x"})
    assert node.vault is None
    await node.call("vault_unlock", {"name": "main", "password": PW})
    assert len(await node.call("identity_list")) == 1
    with pytest.raises(E.ConfirmationRequired):
        await node.call("vault_delete", {"name": "main", "password": PW})
    with pytest.raises(E.ConfirmationRequired):
        await node.call("vault_delete", {"name": "main", "password": PW, "confirm": "Main"})
    with pytest.raises(E.WrongPasswordError):  # deleting is `secret`: the vault password again
        await node.call("vault_delete", {"name": "main", "password": PW + "x", "confirm": "main"})
    assert await node.call("vault_delete", {"name": "main", "password": PW, "confirm": "main"})
    assert node.vault is None and await node.call("vault_list") == []


async def test_no_secret_in_logs(node: Node, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    phrase_holder: list[str] = []
    await node.call("vault_create", {"name": "main", "password": PW})
    await node.call("identity_create", {"displayName": "Alice"})
    backup = tmp_path / "b.bak"
    await node.call("vault_backup", {"path": str(backup), "password": "backup secret pw", "vaultPassword": PW})
    for bad in ("wrong pw 1", "backup secret pX"):
        with pytest.raises(E.RpcError) as exc:
            await node.call("vault_restore", {"path": str(backup), "password": bad, "as": "copy"})
        assert bad not in exc.value.message
    with pytest.raises(E.RpcError) as exc:
        await node.call("vault_changePassword", {"oldPassword": "not it at all", "newPassword": "new secret pw"})
    assert "not it at all" not in exc.value.message
    phrase = (await node.call("wallet_generatePhrase"))["phrase"]
    phrase_holder.append(phrase)
    # another last word whose checksum fails (any one word passes it one time in 16)
    from eth_account.hdaccount.mnemonic import Language, Mnemonic

    head = phrase.split()[:-1]
    candidates = (" ".join([*head, w]) for w in ("zoo", "abandon", "zone", "zero", "youth", "wrist", "acid"))
    bad_phrase = next(p for p in candidates if p != phrase and not Mnemonic(Language.ENGLISH).is_mnemonic_valid(p))
    with pytest.raises(E.InvalidParams) as exc:
        await node.call("wallet_create", {"phrase": bad_phrase})
    assert not any(w in exc.value.message.split() for w in phrase.split()[:11] if len(w) > 3)
    text = caplog.text
    for secret in (PW, "backup secret pw", "wrong pw 1", "not it at all", "new secret pw", phrase):
        assert secret not in text
