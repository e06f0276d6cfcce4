"""identity_* methods: the people a vault holds, each with its own keys and later data."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..cards import card_for
from ..events import ActiveIdentityChanged, IdentitiesChanged
from ..params import Param
from ..refs import match_ref
from ..registry import PUBLIC, method
from ..text import safe_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vault.models import Identity

    from ..context import CallerContext
    from ..node import Node

ACTIVE_KEY = "active_identity"
MAX_AVATAR_BYTES = 512 * 1024
MAX_NAME = 64
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def clean_name(name: str, what: str = "name") -> str:
    name = safe_text(name)  # no escapes, bidi overrides or invisible characters
    if not name:
        raise E.InvalidParams(f"The {what} cannot be empty")
    if len(name) > MAX_NAME:
        raise E.InvalidParams(f"The {what} is too long (at most {MAX_NAME} characters)")
    return name


def _decode_avatar(data: str | None) -> tuple[bytes | None, str | None]:
    if not data:
        return None, None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("The avatar must be base64-encoded image data") from None
    if len(raw) > MAX_AVATAR_BYTES:
        raise E.InvalidParams("The avatar image is too large (at most 512 KiB)")
    for magic, mime in _IMAGE_MAGIC.items():
        if raw.startswith(magic):
            return raw, mime
    raise E.InvalidParams("The avatar must be a PNG, JPEG or GIF image")


def identity_row(s: Session, identity_id: str) -> Identity:
    """The identity's row in the open vault (IdentityNotFound once it was deleted)."""
    from vault.models import Identity

    row = s.get(Identity, identity_id)
    if row is None:
        raise E.IdentityNotFound()
    return row


def identity_json(i: Any, active_id: str | None = None) -> dict[str, Any]:
    from nacl.signing import SigningKey

    return {
        "id": i.id,
        "displayName": safe_text(i.display_name),
        "signPublicKey": SigningKey(i.sign_seed).verify_key.encode().hex(),
        "developer": bool(i.developer),
        "hasAvatar": i.avatar is not None,
        "createdAt": i.created_at,
        "active": i.id == active_id,
    }


async def active_identity_id(node: Node) -> str | None:
    """The active identity, falling back to the first one when the setting points nowhere."""
    # Every call acting for the active identity asks this (each send, each balance): remembered
    # for the open vault, and forgotten on the events every identity write emits (vault_session.py).
    session = node.session
    if session.active_identity is None:
        generation = session.identity_generation
        found = await node.db(_active_identity_in)
        if generation == session.identity_generation and session is node.session:
            session.active_identity = found  # not when an identity changed while it was read
        return found
    return session.active_identity


def _active_identity_in(s: Any) -> str | None:
    from sqlalchemy import select

    from vault.models import Identity, Setting

    setting = s.get(Setting, ACTIVE_KEY)
    if setting is not None and setting.value and s.get(Identity, setting.value) is not None:
        return str(setting.value)
    first = s.scalars(select(Identity.id).order_by(Identity.position, Identity.created_at)).first()
    return first


async def require_identity(node: Node, ctx: CallerContext, identity_id: str | None = None) -> str:
    """The identity a call acts for: an app's own, an explicit one (trusted callers), or the active one."""
    from vault.models import Identity

    if ctx.identity_id is not None:
        return str(ctx.identity_id)  # apps act as the identity they were opened for, nothing else
    if identity_id is None:
        identity_id = await active_identity_id(node)
        if identity_id is None:
            raise E.NoIdentity()
        return identity_id
    found = await node.db(lambda s: s.get(Identity, identity_id) is not None)
    if not found:
        raise E.IdentityNotFound()
    return identity_id


@method(
    "identity_create",
    Param("displayName", max_length=256),
    Param("avatar", required=False, description="base64 PNG/JPEG/GIF"),
    Param("developer", "boolean", required=False, default=False),
)
async def identity_create(
    node: Node, ctx: CallerContext, displayName: str, avatar: str | None, developer: bool
) -> dict[str, Any]:
    """Create an identity with fresh Ed25519 (signing) and X25519 (encryption) keys."""
    from nacl.public import PrivateKey
    from nacl.signing import SigningKey
    from sqlalchemy import func, select

    from vault.models import Identity, Setting

    name = clean_name(displayName, "display name")
    avatar_bytes, mime = _decode_avatar(avatar)

    def create(s: Any) -> dict[str, Any]:
        position = (s.scalar(select(func.max(Identity.position))) or 0) + 1
        ident = Identity(
            id=uuid.uuid4().hex,
            display_name=name,
            avatar=avatar_bytes,
            avatar_mime=mime,
            sign_seed=SigningKey.generate().encode(),
            box_secret=bytes(PrivateKey.generate()),
            developer=developer,
            created_at=time.time(),
            position=position,
        )
        s.add(ident)
        active = s.get(Setting, ACTIVE_KEY)
        if active is None or not active.value or s.get(Identity, active.value) is None:
            s.merge(Setting(key=ACTIVE_KEY, value=ident.id))
        s.flush()
        return identity_json(ident)

    out = await node.db(create)
    node.events.emit(IdentitiesChanged())
    out["active"] = out["id"] == await active_identity_id(node)
    return out


@method("identity_list")
async def identity_list(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The identities in the open vault, in the order they were created."""
    return await node.db(list_identities)


def list_identities(s: Any) -> list[dict[str, Any]]:
    """identity_list's reads, in one trip to the vault's thread: the launcher's first question
    after an unlock (vault_unlock has SQLAlchemy compile them ahead: `warm_first_reads`)."""
    from sqlalchemy import select

    from vault.models import Identity

    active = _active_identity_in(s)
    return [identity_json(i, active) for i in s.scalars(select(Identity).order_by(Identity.position))]


def warm_first_reads(s: Any) -> None:
    """Run `list_identities` on a blank database, and the active identity's look-up it skips there."""
    from vault.models import Identity

    s.get(Identity, "")
    list_identities(s)


async def _resolve(node: Node, ref: str | None) -> str:
    """An identity by id, id prefix or exact display name; the active one when `ref` is None."""
    from sqlalchemy import select

    from vault.models import Identity

    if ref is None:
        active = await active_identity_id(node)
        if active is None:
            raise E.NoIdentity()
        return active

    def find(s: Any) -> list[str]:
        rows = s.execute(select(Identity.id, Identity.display_name)).all()
        return [r.id for r in match_ref(rows, ref, lambda r: r.id, lambda r: r.display_name)]

    ids = await node.db(find)
    if not ids:
        raise E.IdentityNotFound(f"No identity matches '{ref[:64]}'")
    if len(ids) > 1:
        raise E.IdentityRpcError(f"'{ref[:64]}' matches several identities: use its id")
    return ids[0]


@method("identity_get", Param("id", required=False))
async def identity_get(node: Node, ctx: CallerContext, id: str | None) -> dict[str, Any]:
    """One identity, with its avatar as base64."""
    from vault.models import Identity

    ident_id = await _resolve(node, id)
    active = await active_identity_id(node)

    def get(s: Any) -> dict[str, Any]:
        i = s.get(Identity, ident_id)
        out = identity_json(i, active)
        out["avatar"] = base64.b64encode(i.avatar).decode() if i.avatar else None
        out["avatarMime"] = i.avatar_mime
        return out

    return await node.db(get)


@method("identity_rename", Param("id"), Param("displayName", max_length=256))
async def identity_rename(node: Node, ctx: CallerContext, id: str, displayName: str) -> dict[str, Any]:
    """Change an identity's display name (cards exported later carry the new name)."""
    from vault.models import Identity

    ident_id = await _resolve(node, id)
    name = clean_name(displayName, "display name")

    def rename(s: Any) -> dict[str, Any]:
        i = s.get(Identity, ident_id)
        i.display_name = name
        return identity_json(i)

    out = await node.db(rename)
    node.events.emit(IdentitiesChanged())
    return out


@method("identity_setAvatar", Param("id"), Param("avatar", required=False))
async def identity_set_avatar(node: Node, ctx: CallerContext, id: str, avatar: str | None) -> bool:
    """Set (or clear, with no avatar) an identity's picture."""
    from vault.models import Identity

    ident_id = await _resolve(node, id)
    data, mime = _decode_avatar(avatar)

    def store(s: Any) -> None:
        i = s.get(Identity, ident_id)
        i.avatar, i.avatar_mime = data, mime

    await node.db(store)
    node.events.emit(IdentitiesChanged())
    return True


@method("identity_delete", Param("id"))
async def identity_delete(node: Node, ctx: CallerContext, id: str) -> bool:
    """Delete an identity with its keys, contacts and data. There is no undo but a backup."""
    from vault.models import Identity, Setting

    ident_id = await _resolve(node, id)

    def delete(s: Any) -> None:
        s.delete(s.get(Identity, ident_id))
        active = s.get(Setting, ACTIVE_KEY)
        if active is not None and active.value == ident_id:
            s.delete(active)

    await node.db(delete)
    node.events.emit(IdentitiesChanged())
    node.events.emit(ActiveIdentityChanged(await active_identity_id(node)))
    return True


@method("identity_select", Param("id"))
async def identity_select(node: Node, ctx: CallerContext, id: str) -> dict[str, Any]:
    """Make an identity the active one: wallets, contacts and apps follow it."""
    from vault.models import Setting

    ident_id = await _resolve(node, id)
    await node.db(lambda s: s.merge(Setting(key=ACTIVE_KEY, value=ident_id)))
    node.events.emit(ActiveIdentityChanged(ident_id))
    return {"id": ident_id}


@method("identity_getCard", Param("id", required=False))
async def identity_get_card(node: Node, ctx: CallerContext, id: str | None) -> dict[str, Any]:
    """The identity's contact card: a text to paste in a chat, with a checksum against typos."""
    from vault.models import Identity

    ident_id = await _resolve(node, id)
    comms = node.session.comms
    if comms is not None and comms.online:  # online: the card also says how to message this identity
        return {"id": ident_id, "card": await comms.card(ident_id)}
    return await node.db(lambda s: {"id": ident_id, "card": card_for(s.get(Identity, ident_id), s).encode()})


@method("identity_current", access=PUBLIC)
async def identity_current(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """The display name of the identity the caller acts as (an app's own; else the active one)."""
    ident_id = await require_identity(node, ctx)
    return await node.db(lambda s: {"displayName": identity_row(s, ident_id).display_name})
