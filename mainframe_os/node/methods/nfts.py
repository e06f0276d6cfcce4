"""NFTs a dapp suggests with wallet_watchAsset (EIP-747 for ERC-721 and ERC-1155, as MetaMask
takes them): the node checks on chain that one of the identity's accounts owns the token, asks
the user, and keeps the token in the vault's list of NFTs (wallet_listNfts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps.caller import caller_details
from ..prompter import PromptRequest
from ..registry import method
from .identities import require_identity

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

NFTS_KEY = "wallet.nfts"  # [{identity, chainId, standard, address, tokenId, name, symbol}]

_ABI: list[dict[str, Any]] = [
    {"name": "ownerOf", "type": "function", "stateMutability": "view",
     "inputs": [{"name": "id", "type": "uint256"}], "outputs": [{"type": "address"}]},
    {"name": "balanceOf", "type": "function", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}, {"name": "id", "type": "uint256"}],
     "outputs": [{"type": "uint256"}]},
    {"name": "name", "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": "string"}]},
    {"name": "symbol", "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": "string"}]},
]  # fmt: skip


def _token_id(options: dict[str, Any]) -> int:
    raw = options.get("tokenId")
    try:
        value = int(raw, 16) if isinstance(raw, str) and raw[:2] in ("0x", "0X") else int(str(raw), 10)
    except (TypeError, ValueError):
        raise E.InvalidParams("options.tokenId must be a token id (decimal or 0x-hex)") from None
    if not 0 <= value < 2**256:
        raise E.InvalidParams("options.tokenId is out of range")
    return value


def _read_owned(w3: Any, standard: str, address: str, token_id: int, accounts: list[str]) -> dict[str, str]:
    """Name and symbol of an NFT that one of `accounts` owns; refuses one they do not."""
    contract = w3.eth.contract(address=address, abi=_ABI)
    if not w3.eth.get_code(address):
        raise E.InvalidParams("There is no contract at that address on this network")
    try:
        if standard == "ERC721":
            owned = contract.functions.ownerOf(token_id).call().lower() in accounts
        else:
            owned = any(contract.functions.balanceOf(w3.to_checksum_address(a), token_id).call() > 0 for a in accounts)
    except Exception:  # noqa: BLE001 - any revert or bad answer: ownership cannot be shown
        owned = False
    if not owned:
        raise E.InvalidParams(f"None of your accounts owns {standard} token {token_id} of that contract")
    info = {}
    for key in ("name", "symbol"):
        try:
            info[key] = str(getattr(contract.functions, key)().call())[:64]
        except Exception:  # noqa: BLE001 - optional metadata (ERC-1155 has neither)
            info[key] = ""
    return info


async def watch_nft(node: Node, ctx: CallerContext, standard: str, options: dict[str, Any]) -> bool:
    """wallet_watchAsset for ERC721 / ERC1155: {address, tokenId}."""
    from web3 import Web3

    from ..wallet.store import identity_addresses

    address = options.get("address")
    if not isinstance(address, str) or not Web3.is_address(address):
        raise E.InvalidParams("options.address must be a contract address")
    address = Web3.to_checksum_address(address)
    token_id = _token_id(options)
    ident = await require_identity(node, ctx)
    accounts = [a.lower() for a in await identity_addresses(node, ident)]
    chain = node.session.chain
    info = await chain.call(lambda c: _read_owned(c.w3, standard, address, token_id, accounts))
    chain_id = (await chain.network()).chain_id
    details = {"standard": standard, "contract": address, "token id": str(token_id), **info}
    details.update(await caller_details(node, ctx))
    answer = await node.prompter.ask(PromptRequest("confirm", ctx, "Add an NFT", details))
    if not answer.approved:
        raise E.UserRejected("You rejected adding the NFT")
    v = node.require_vault()
    nfts = list(await node.on_vault_thread(v.get_setting, NFTS_KEY, []) or [])
    entry = {"identity": ident, "chainId": chain_id, "standard": standard, "address": address,
             "tokenId": str(token_id), **info}  # fmt: skip
    if not any(all(n.get(k) == entry[k] for k in ("identity", "chainId", "address", "tokenId")) for n in nfts):
        nfts.append(entry)
        await node.on_vault_thread(v.set_setting, NFTS_KEY, nfts)
    return True


@method("wallet_listNfts")
async def wallet_list_nfts(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The NFTs the active identity added (through wallet_watchAsset), on every network."""
    ident = await require_identity(node, ctx)
    v = node.require_vault()
    nfts = await node.on_vault_thread(v.get_setting, NFTS_KEY, []) or []
    return [{k: n[k] for k in n if k != "identity"} for n in nfts if n.get("identity") == ident]
