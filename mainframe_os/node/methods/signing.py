"""Message and typed-data signatures (personal_sign, eth_signTypedData_v4/v3) and their recovery.

Signatures are byte for byte MetaMask's: the bytes and hashes come from wallet/personal.py and
wallet/eip712.py, which follow @metamask/eth-sig-util. The key never leaves the node, the user
sees the request first, and every malformed request answers -32602 naming the field.

Refused on purpose (answered with a clear 4200 rather than "method not found"):
- eth_sign signs a raw 32-byte hash the user cannot read (it could be a transaction); MetaMask
  disables it too. Dapps use personal_sign or eth_signTypedData_v4.
- eth_getEncryptionPublicKey / eth_decrypt: MetaMask deprecated them (the scheme is not a
  standard and leaks that the key is reused for encryption); Mainframe apps encrypt with
  window.mainframe.storage and comms instead.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps.caller import caller_details
from ..prompter import PromptRequest
from ..registry import PUBLIC, method
from .ethereum import SIGN, _own_account

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

log = logging.getLogger("mainframe_os.wallet")


def _shown_message(data: bytes) -> str:
    """The message as the user reads it: text when it is printable text, else hex."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + data.hex()
    return text if text.isprintable() or "\n" in text else "0x" + data.hex()


async def _sign_digest(node: Node, ident: str, address: str, digest_fn: Any) -> str:
    """Sign what `digest_fn(eth_account)` returns, with the account's key, on the vault thread."""
    from ..wallet import store

    def sign(s: Any) -> str:
        key = store.private_key(s, store.find_account(s, ident, address))  # derived per signature, then dropped
        return "0x" + bytes(digest_fn(key).signature).hex()

    return await node.db(sign)


async def _approve(
    node: Node, ctx: CallerContext, what: str, details: dict[str, Any], description: dict[str, Any] | None = None
) -> None:
    """Ask the user; an app's request names the app (and its developer) as every prompt does.
    `description`: the request decoded for the dialog (wallet/describe_typed.py)."""
    who = await caller_details(node, ctx)
    title = f"{who['app']} asks you to sign {what}" if who else f"Sign {what}"
    request = PromptRequest("signature", ctx, title, {**details, **who}, description=description)
    answer = await node.prompter.ask(request)
    if not answer.approved:
        raise E.UserRejected("You rejected the signature request")


@method("personal_sign", access=SIGN, raw_params=True)
async def personal_sign(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """EIP-191 signature of a message by one of the caller's accounts, after the user approves."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    from ..wallet.personal import message_and_address, personal_message_bytes

    if not isinstance(params, list):
        raise E.InvalidParams("personal_sign takes [message, address]")
    message, address = message_and_address(params)
    data = personal_message_bytes(message)
    ident, addr = await _own_account(node, ctx, address)
    await _approve(node, ctx, "a message", {"account": addr, "message": _shown_message(data)[:2000]})
    return await _sign_digest(node, ident, addr, lambda key: Account.sign_message(encode_defunct(primitive=data), key))


@method("personal_ecRecover", access=PUBLIC, raw_params=True)
async def personal_ec_recover(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """The address that made a personal_sign signature (lowercase hex, as MetaMask answers)."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    from ..wallet.personal import recover_message_bytes

    if not isinstance(params, list) or len(params) < 2 or not isinstance(params[1], str):
        raise E.InvalidParams("personal_ecRecover takes [message, signature]")
    data = recover_message_bytes(params[0])
    try:
        sig = bytes.fromhex(params[1][2:] if params[1][:2] in ("0x", "0X") else params[1])
        if len(sig) != 65:
            raise ValueError("length")
        return str(Account.recover_message(encode_defunct(primitive=data), signature=sig)).lower()
    except Exception:  # noqa: BLE001 - eth-keys raises several types for a bad signature
        raise E.InvalidParams("personal_ecRecover: 'signature' must be a 65-byte 0x-hex signature") from None


def _check_chain(domain: dict[str, Any], active: int) -> None:
    """MetaMask refuses typed data bound to another chain than the active one. A falsy chainId
    (absent, 0, "") is not checked, as there."""
    from ..wallet.eip712 import to_bigint

    chain_id = domain.get("chainId")
    if not chain_id:
        return
    wanted = to_bigint(chain_id, "domain.chainId")
    if wanted != active:
        raise E.InvalidParams(f"The typed data is for chain {wanted}, but the wallet is on chain {active}")


async def _describe_typed(node: Node, ident: str, typed: dict[str, Any]) -> dict[str, Any] | None:
    from ..wallet.describe_typed import describe_typed_data

    try:
        return await describe_typed_data(node, ident, typed)
    except Exception:  # noqa: BLE001 - a description helps the user; the raw fields are still shown
        log.exception("could not describe typed data")
        return None


async def _sign_typed(node: Node, ctx: CallerContext, params: Any, version: str) -> str:
    from eth_account import Account

    from ..wallet.eip712 import hash_typed_data, parse_typed_data

    name = f"eth_signTypedData_{version.lower()}"
    if not isinstance(params, list) or len(params) < 2:
        raise E.InvalidParams(f"{name} takes [address, typedData]")
    typed = parse_typed_data(params[1])
    digest = hash_typed_data(typed, version)  # malformed data is refused before the user is asked
    ident, addr = await _own_account(node, ctx, params[0])
    net = await node.session.chain.network()
    _check_chain(typed["domain"], net.chain_id)
    shown = {
        "account": addr,
        "domain": json.dumps(typed["domain"], sort_keys=True)[:500],
        "type": str(typed["primaryType"]),
        "message": json.dumps(typed["message"], sort_keys=True, indent=1)[:2000],
    }
    await _approve(node, ctx, "typed data", shown, await _describe_typed(node, ident, typed))
    return await _sign_digest(node, ident, addr, lambda key: Account.unsafe_sign_hash(digest, key))


@method("eth_signTypedData_v4", access=SIGN, raw_params=True)
async def eth_sign_typed_data_v4(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """EIP-712 typed-data signature (MetaMask's v4); refuses data bound to another chain."""
    return await _sign_typed(node, ctx, params, "V4")


@method("eth_signTypedData_v3", access=SIGN, raw_params=True)
async def eth_sign_typed_data_v3(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """EIP-712 typed-data signature, MetaMask's v3 (no arrays)."""
    return await _sign_typed(node, ctx, params, "V3")


@method("eth_signTypedData", access=SIGN, raw_params=True)
async def eth_sign_typed_data_v1(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """MetaMask's eth_signTypedData (v1, the early draft): [typedData list, address]."""
    from eth_account import Account

    from ..wallet.eip712 import loads_js
    from ..wallet.typed_data_v1 import hash_typed_data_v1

    if not isinstance(params, list) or len(params) < 2:
        raise E.InvalidParams("eth_signTypedData takes [typedData, address]")
    data = params[0]
    if isinstance(data, str):
        try:
            data = loads_js(data)
        except (ValueError, RecursionError):
            raise E.InvalidParams("typed data is not valid JSON") from None
    digest = hash_typed_data_v1(data)
    ident, addr = await _own_account(node, ctx, params[1])
    shown = {"account": addr, "message": json.dumps(data, indent=1)[:2000]}
    await _approve(node, ctx, "typed data", shown)
    return await _sign_digest(node, ident, addr, lambda key: Account.unsafe_sign_hash(digest, key))


@method("eth_sign", access=PUBLIC, raw_params=True)
async def eth_sign(node: Node, ctx: CallerContext, params: list[Any]) -> None:
    """Refused: eth_sign signs a raw hash the user cannot read."""
    raise E.UnsupportedMethod(
        "eth_sign is not supported: it signs a raw hash nobody can read (it could be a transaction). "
        "Use personal_sign or eth_signTypedData_v4."
    )


@method("eth_getEncryptionPublicKey", access=PUBLIC, raw_params=True)
async def eth_get_encryption_public_key(node: Node, ctx: CallerContext, params: list[Any]) -> None:
    """Refused: deprecated by MetaMask; apps encrypt with window.mainframe storage and comms."""
    raise E.UnsupportedMethod("eth_getEncryptionPublicKey is deprecated (as in MetaMask) and not supported")


@method("eth_decrypt", access=PUBLIC, raw_params=True)
async def eth_decrypt(node: Node, ctx: CallerContext, params: list[Any]) -> None:
    """Refused: deprecated by MetaMask; apps encrypt with window.mainframe storage and comms."""
    raise E.UnsupportedMethod("eth_decrypt is deprecated (as in MetaMask) and not supported")
