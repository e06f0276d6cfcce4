"""Standard Ethereum methods for dapps and scripts (EIP-1193 providers send these).

Reads go to the active network as they are. Sending and signing are the node's own: the key
never leaves it, the user sees the decoded request, and an app may only use its identity's
accounts. Which accounts an app may see (EIP-1102/2255) is the permission layer's decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps.caller import caller_details
from ..params import Param
from ..prompter import PromptRequest
from ..registry import PUBLIC, Access, method
from ..wallet.amounts import format_amount
from .identities import require_identity

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

SEND = Access.permission_key("BLOCKCHAIN_SEND")
SIGN = Access.permission_key("BLOCKCHAIN_SIGN")

# Read-only calls passed to the network unchanged.
PASSTHROUGH = (
    "eth_blockNumber",
    "eth_getBalance",
    "eth_call",
    "eth_estimateGas",
    "eth_gasPrice",
    "eth_getCode",
    "eth_getTransactionCount",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_feeHistory",
    "eth_maxPriorityFeePerGas",
    "eth_getStorageAt",
    "net_version",
    "web3_clientVersion",
    "eth_syncing",
)


# Reads whose first parameter is an account address. web3 reads any other string there as an
# ENS name (and crashes on e.g. "0xzz"), so it is checked here, with a message naming it.
_ADDRESS_FIRST = ("eth_getBalance", "eth_getCode", "eth_getTransactionCount", "eth_getStorageAt")
_HEX_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")


def _check_address_param(name: str, params: list[Any]) -> None:
    if name in _ADDRESS_FIRST and params and not (isinstance(params[0], str) and _HEX_ADDRESS.fullmatch(params[0])):
        raise E.InvalidParams(f"{name}: the address must be 0x followed by 40 hex digits, got {str(params[0])[:50]!r}")


def _passthrough(name: str) -> None:
    async def handler(node: Node, ctx: CallerContext, params: list[Any]) -> Any:
        _check_address_param(name, params)

        def request(c: Any) -> Any:
            if c.devchain is not None:
                return _devchain_request(c.w3, name, params)
            resp = c.w3.provider.make_request(name, params)
            if "error" in resp:
                raise _wire_error(resp["error"])
            return resp.get("result")

        return await node.session.chain.call(request)

    handler.__doc__ = f"{name}, answered by the active network."
    method(name, access=PUBLIC, raw_params=True)(handler)


def _wire_error(err: Any) -> E.RpcError:
    if not isinstance(err, dict):
        return E.RpcError(str(err)[:500])
    code, message, data = int(err.get("code", -32603)), str(err.get("message", "error")), err.get("data")
    if code == 3 and not data:  # a revert without its bytes (the dev chain): ethers needs them
        from .reverts import revert_data

        data = revert_data(message)
    return E.RpcError(message[:500], data, code=code)


def _devchain_request(w3: Any, name: str, params: list[Any]) -> Any:
    """The embedded chain speaks Python values (eth-tester): web3's own request and result
    formatters translate, and the result goes back to wire form (hex quantities, camelCase)."""
    import eth_tester.exceptions as tester_errors
    from web3.exceptions import BlockNotFound, ContractLogicError, TransactionNotFound, Web3RPCError

    try:
        result = w3.manager.request_blocking(name, params)
    except (BlockNotFound, TransactionNotFound, tester_errors.BlockNotFound, tester_errors.TransactionNotFound) as exc:
        if name.startswith(("eth_getBlockBy", "eth_getTransactionBy", "eth_getTransactionReceipt")):
            return None  # what a real node answers for an unknown block or transaction
        raise E.RpcError(str(exc)[:300], code=-32000) from None
    except (tester_errors.ValidationError, tester_errors.TransactionFailed) as exc:
        raise E.RpcError(str(exc)[:300], code=-32000) from None
    except ContractLogicError as exc:
        from .reverts import revert_data

        message = str(exc.message or "execution reverted")
        raise E.RpcError(message[:500], revert_data(message, exc.data), code=3) from None
    except Web3RPCError as exc:
        err = (exc.rpc_response or {}).get("error") if isinstance(exc.rpc_response, dict) else None
        raise _wire_error(err or {"message": str(exc)}) from None
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        # web3's request formatters meet the params first: a string where they expect an object
        # (eth_call "0xzz": AttributeError) or too few params (eth_feeHistory: IndexError) fail
        # there, a caller's mistake, not ours
        raise E.InvalidParams(str(exc)[:300]) from None
    return _creation_to_null(_jsonable(result, ints_as_hex=True))


def _creation_to_null(result: Any) -> Any:
    """eth-tester writes a contract creation's `to` as "" in receipts; the wire form is null (ethers
    v5 rejects a receipt whose `to` is "", so every dapp's deployment would look failed)."""
    if isinstance(result, dict):
        if result.get("to") in ("", "0x"):
            result["to"] = None
        for tx in result.get("transactions") or ():
            if isinstance(tx, dict) and tx.get("to") in ("", "0x"):
                tx["to"] = None
    return result


_SNAKE_KEYS = {"y_parity": "yParity"}


def _jsonable(v: Any, ints_as_hex: bool = False) -> Any:
    from hexbytes import HexBytes

    if isinstance(v, (bytes, HexBytes)):
        return "0x" + bytes(v).hex()
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and ints_as_hex:
        return hex(v)
    if isinstance(v, Mapping):  # web3's AttributeDict is a Mapping, not a dict
        return {_SNAKE_KEYS.get(k, k): _jsonable(x, ints_as_hex) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x, ints_as_hex) for x in v]
    return v


for _name in PASSTHROUGH:
    _passthrough(_name)


@method("eth_chainId", access=PUBLIC, raw_params=True)
async def eth_chain_id(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """The active network's chain id (hex)."""
    net = await node.session.chain.network()
    return hex(net.chain_id)


# -- sending -----------------------------------------------------------------------------------------

_SELECTORS = {
    "a9059cbb": "transfer(address,uint256)",
    "095ea7b3": "approve(address,uint256)",
    "23b872dd": "transferFrom(address,address,uint256)",
    "7ff36ab5": "swapExactETHForTokens(uint256,address[],address,uint256)",
    "18cbafe5": "swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
}


# What history calls a dapp's transaction, from its decoded action.
_KINDS = {"approve": "approve", "increaseAllowance": "approve", "swap": "swap", "transfer": "token"}


def describe_call(data: str | None) -> str | None:
    """A contract call's function name, when it is one we know, else its selector."""
    if not data or data in ("0x", "0x0"):
        return None
    sel = data[2:10].lower() if data.startswith("0x") else data[:8].lower()
    return _SELECTORS.get(sel, f"contract call 0x{sel} ({(len(data) - 2) // 2} bytes)")


def _int(v: Any, what: str) -> int:
    if v is None:
        return 0
    try:
        return int(v, 16) if isinstance(v, str) and v.startswith("0x") else int(v)
    except (TypeError, ValueError):
        raise E.InvalidParams(f"'{what}' must be a quantity") from None


async def _own_account(node: Node, ctx: CallerContext, address: Any) -> tuple[str, str]:
    """(identity, checksum address): the caller's identity must own `address`."""
    from ..wallet import store

    if not isinstance(address, str):
        raise E.InvalidParams("an account address is required")
    ident = await require_identity(node, ctx)
    try:
        acct = await node.db(lambda s: store.find_account(s, ident, address).address)
    except (store.UnknownAccount, store.NoWallet):
        raise E.Unauthorized("That account is not available to this caller") from None
    return ident, acct


@method("eth_sendTransaction", access=SEND, raw_params=True)
async def eth_send_transaction(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """Sign and send a transaction from one of the caller's accounts, after the user approves it."""

    if not params or not isinstance(params[0], dict):
        raise E.InvalidParams("eth_sendTransaction takes one transaction object")
    tx = params[0]
    ident, sender = await _own_account(node, ctx, tx.get("from"))
    value = _int(tx.get("value"), "value")
    data = tx.get("data") or tx.get("input")
    if data is not None and (not isinstance(data, str) or not data.startswith("0x")):
        raise E.InvalidParams("'data' must be 0x-prefixed hex")
    to = tx.get("to")
    if to is not None:
        from web3 import Web3

        if not isinstance(to, str) or not Web3.is_address(to):
            raise E.InvalidParams("'to' is not an address")
    out_tx: dict[str, Any] = {"from": sender, "to": to, "value": value, "data": data}
    for k in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "type"):
        if tx.get(k) is not None:
            out_tx[k] = _int(tx[k], k)
    who = await caller_details(node, ctx)
    description = await node.session.txs.describe(ident, out_tx) or {"action": "unknown"}
    details: dict[str, Any] = {"to": to or "(new contract)", "amount": f"{format_amount(value, 18)} ETH"}
    call = describe_call(data)
    if call:
        details["call"] = call
    if description.get("headline"):
        details["action"] = description["headline"]
    details.update(who)
    title = f"{who['app']} asks to send a transaction" if who else "Send a transaction"
    result = await node.session.txs.send(
        ctx,
        ident,
        out_tx,
        kind=_KINDS.get(description["action"], "contract" if data else "send"),
        title=title,
        details=details,
        wait=False,
        description=description if description.get("rows") else None,
        may_fail=True,  # as in MetaMask: a call that will likely fail is the user's decision, after a warning
    )
    return str(result["hash"])


# -- chains and assets (EIP-3326, EIP-3085, EIP-747) ---------------------------------------------


@method("wallet_switchEthereumChain", access=PUBLIC, raw_params=True)
async def wallet_switch_chain(node: Node, ctx: CallerContext, params: list[Any]) -> None:
    """Switch to a known network by chain id, after the user agrees; 4902 if none is known."""
    if not params or not isinstance(params[0], dict) or "chainId" not in params[0]:
        raise E.InvalidParams("wallet_switchEthereumChain takes [{chainId}]")
    wanted = _int(params[0]["chainId"], "chainId")
    chain = node.session.chain
    current = await chain.network()
    if current.chain_id == wanted:
        return None
    matches = [n for n in await chain.networks() if n.chain_id == wanted and (n.rpc_url or n.embedded)]
    if not matches:
        raise E.RpcError(f"Unrecognized chain id {hex(wanted)}: add it first", code=4902)
    answer = await node.prompter.ask(
        PromptRequest(
            "confirm",
            ctx,
            "Switch network",
            {"from": current.name, "to": matches[0].name, **await caller_details(node, ctx)},
        )
    )
    if not answer.approved:
        raise E.UserRejected("You rejected the network switch")
    from .network import network_use

    await network_use(node, ctx, matches[0].id, None)
    return None


@method("wallet_addEthereumChain", access=PUBLIC, raw_params=True)
async def wallet_add_chain(node: Node, ctx: CallerContext, params: list[Any]) -> None:
    """Add a network a dapp proposes (the user approves; its chain id is checked on connect)."""
    if not params or not isinstance(params[0], dict):
        raise E.InvalidParams("wallet_addEthereumChain takes [{chainId, chainName, rpcUrls}]")
    p = params[0]
    chain_id = _int(p.get("chainId"), "chainId")
    urls = p.get("rpcUrls") or []
    if not isinstance(urls, list) or not urls or not isinstance(urls[0], str):
        raise E.InvalidParams("rpcUrls must list at least one URL")
    name = str(p.get("chainName") or f"Chain {chain_id}")[:64]
    chain = node.session.chain
    if any(n.chain_id == chain_id for n in await chain.networks()):
        return None
    answer = await node.prompter.ask(
        PromptRequest(
            "confirm",
            ctx,
            "Add a network",
            {"name": name, "chain id": chain_id, "RPC URL": urls[0][:200], **await caller_details(node, ctx)},
        )
    )
    if not answer.approved:
        raise E.UserRejected("You rejected adding the network")
    await chain.add_network(name, urls[0], chain_id, None)
    return None


@method("wallet_watchAsset", Param("type"), Param("options", "object"), access=PUBLIC)
async def wallet_watch_asset(node: Node, ctx: CallerContext, type: str, options: dict[str, Any]) -> bool:
    """EIP-747: a dapp suggests a token; the user adds it (symbol and decimals read from the chain)."""
    from ..wallet.tokens import token_info
    from .wallet import wallet_add_token

    if type in ("ERC721", "ERC1155"):
        from .nfts import watch_nft

        return await watch_nft(node, ctx, type, options)
    if type != "ERC20":
        raise E.InvalidParams("Only ERC20, ERC721 and ERC1155 assets can be watched")
    address = options.get("address")
    if not isinstance(address, str):
        raise E.InvalidParams("options.address is required")
    info = await node.session.chain.call(lambda c: token_info(c, address))
    answer = await node.prompter.ask(
        PromptRequest(
            "confirm",
            ctx,
            "Add a token",
            {"symbol": info.symbol, "name": info.name, "address": info.address, **await caller_details(node, ctx)},
        )
    )
    if not answer.approved:
        raise E.UserRejected("You rejected adding the token")
    await wallet_add_token(node, ctx, info.address)
    return True
