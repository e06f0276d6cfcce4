"""Plain JSON-RPC reads and the broadcast for the send path, without web3's per-method layers.

`w3.eth.get_balance` and friends validate and re-format every argument and result (checksums,
ABI-typed maps, AttributeDicts) in Python: on the embedded chain that cost more than the chain's
own work, three to four times a send. These helpers call the same JSON-RPC methods through
`w3.manager.request_blocking` (the provider and its middleware, errors raised as web3 raises
them) and read the few fields a send needs. Providers differ in what they hand back (an HTTP
node: hex strings; eth-tester: some ints already), so every value is normalised here.

On the embedded dev chain, the reads go to py-evm's state directly (DevChain.latest_state),
receipts to its tables (DevChain.receipt), and calls, estimates and the broadcast to eth-tester
without web3 around them: the same values, a fraction of the cost, and a cold `mfos swap run`
never imports web3. Where such a step fails, the JSON-RPC path runs it again (calls, estimates:
nothing changes) so the error reads as on any network.

All of them run on the chain thread (ChainService.call).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chain import Connection
    from .token_artifacts import TokenCode


def _request(c: Connection, method: str, params: list[Any]) -> Any:
    return c.w3.manager.request_blocking(method, params)  # type: ignore[arg-type]


def _canonical(address: str) -> bytes:
    """An 0x address as py-evm's 20 bytes (a malformed one raises ValueError, as web3 refuses it)."""
    raw = bytes.fromhex(address[2:] if address[:2] in ("0x", "0X") else address)
    if len(raw) != 20:
        raise ValueError(f"not an address: {address[:50]}")
    return raw


def _hash(tx_hash: str) -> bytes:
    """A 0x transaction hash as py-evm's 32 bytes (a malformed one raises ValueError)."""
    raw = bytes.fromhex(tx_hash[2:] if tx_hash[:2] in ("0x", "0X") else tx_hash)
    if len(raw) != 32:
        raise ValueError(f"not a transaction hash: {tx_hash[:70]}")
    return raw


def as_int(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a" or an int) as an int."""
    if isinstance(value, int):
        return value
    return int(str(value), 16)


def base_fee(c: Connection) -> int | None:
    """The latest block's base fee per gas; None on a chain without EIP-1559."""
    if c.devchain is not None:
        return int(c.devchain.head.base_fee_per_gas)
    block = _request(c, "eth_getBlockByNumber", ["latest", False])
    fee = block.get("baseFeePerGas") if block is not None else None
    return None if fee is None else as_int(fee)


def balance(c: Connection, address: str) -> int:
    if c.devchain is not None:
        account = c.devchain.latest_account(_canonical(address))
        return 0 if account is None else account.balance
    return as_int(_request(c, "eth_getBalance", [address, "latest"]))


def has_code(c: Connection, address: str) -> bool:
    if c.devchain is not None:
        from ..chain.state_reader import EMPTY_CODE_HASH

        account = c.devchain.latest_account(_canonical(address))
        return account is not None and account.code_hash != EMPTY_CODE_HASH
    code = _request(c, "eth_getCode", [address, "latest"])
    if isinstance(code, (bytes, bytearray)):
        return len(code) > 0
    return str(code) not in ("", "0x", "0x0")


def pending_nonce(c: Connection, address: str) -> int:
    """The next nonce of `address`, counting transactions in the node's pool."""
    if c.devchain is not None:
        return c.devchain.pending_nonce(_canonical(address))
    return as_int(_request(c, "eth_getTransactionCount", [address, "pending"]))


def send_raw(c: Connection, raw: bytes) -> None:
    if c.devchain is not None:
        c.devchain.send_raw(raw)
        return
    _request(c, "eth_sendRawTransaction", ["0x" + raw.hex()])


def estimate_gas(c: Connection, tx: dict[str, Any]) -> int:
    """eth_estimateGas of `tx` (from, to?, value?, data?). On the embedded chain straight to
    eth-tester; when that fails (a revert, no funds) the JSON-RPC call runs it again so the error
    is raised as web3 raises it on every network (ContractLogicError with the reason)."""
    if c.devchain is not None:
        try:
            return c.devchain.estimate_gas(tx)
        except Exception:  # noqa: BLE001 - see the docstring
            pass
    return int(c.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]


def receipt(c: Connection, tx_hash: str) -> dict[str, Any] | None:
    """The receipt's status, block, gasUsed and effectiveGasPrice as ints; None while not mined."""
    if c.devchain is not None:
        dev = c.devchain.receipt(_hash(tx_hash))
        if dev is None:
            return None
        return {
            "status": dev.status,
            "blockNumber": dev.block,
            "gasUsed": dev.gas_used,
            "effectiveGasPrice": dev.effective_gas_price,
        }
    from web3.exceptions import TransactionNotFound

    try:
        rcpt = _request(c, "eth_getTransactionReceipt", [tx_hash])
    except TransactionNotFound:  # what some providers raise instead of answering null
        rcpt = None
    if rcpt is None:
        return None
    return {
        "status": as_int(rcpt.get("status", 0)),
        "blockNumber": as_int(rcpt["blockNumber"]),
        "gasUsed": as_int(rcpt.get("gasUsed", 0)),
        "effectiveGasPrice": as_int(rcpt.get("effectiveGasPrice") or 0),
    }


def call(c: Connection, tx: dict[str, Any], gas: int | None = None) -> bytes:
    """eth_call of `tx` (from?, to, value?, data) at the latest block: the output bytes. A revert
    raises as web3 raises it (ContractLogicError)."""
    if c.devchain is not None:
        direct = _dev_call(c, tx, gas)
        if direct is not None:
            return direct
    params: dict[str, Any] = {"to": tx["to"], "data": tx.get("data") or "0x"}
    if tx.get("from"):  # without one, web3's eth-tester middleware lists the node's accounts to pick one
        params["from"] = tx["from"]
    if tx.get("value"):
        params["value"] = hex(int(tx["value"]))
    if gas is not None:
        params["gas"] = hex(gas)
    out = _request(c, "eth_call", [params, "latest"])
    if isinstance(out, (bytes, bytearray)):
        return bytes(out)
    return bytes.fromhex(str(out).removeprefix("0x"))


def _dev_call(c: Connection, tx: dict[str, Any], gas: int | None) -> bytes | None:
    """The embedded chain's eth_call without the JSON-RPC layers (DevChain.call); None when it
    did not answer (a revert, a malformed field): the JSON-RPC call then raises as web3 raises."""
    assert c.devchain is not None
    try:
        raw = _data_bytes(tx)
        # none: the node's first account, as web3's eth-tester layer fills it in
        sender = _canonical(tx["from"]) if tx.get("from") else c.devchain.default_sender
        return c.devchain.call(sender, _canonical(tx["to"]), raw, int(tx.get("value") or 0), gas)
    except Exception:  # noqa: BLE001 - see the docstring
        return None


def _data_bytes(tx: dict[str, Any]) -> bytes:
    """`tx`'s calldata as bytes (given as bytes or 0x-hex; none: empty)."""
    data = tx.get("data") or b""
    return data if isinstance(data, bytes) else bytes.fromhex(str(data).removeprefix("0x"))


def call_succeeds(c: Connection, tx: dict[str, Any], gas: int) -> bool:
    """Whether `tx` runs to the end with a gas limit of `gas` at the latest block (any failure
    to say so, a revert, running out of gas or a transport error, is False: callers then ask
    eth_estimateGas, which reports why)."""
    try:
        call(c, tx, gas)
    except Exception:  # noqa: BLE001 - see the docstring: the estimate explains the failure
        return False
    return True


def run_ahead(c: Connection, tx: dict[str, Any]) -> bool | None:
    """On the embedded chain, for a filled EIP-1559 transaction `tx` (from, to, value, data?,
    gas, chainId, fees): whether it succeeds as the pending block's next transaction, its run
    kept for the block (DevChain.run_ahead). Any failure to say so is False, as call_succeeds.
    None elsewhere, and for other shapes: callers then simulate with eth_call."""
    if c.devchain is None or tx.get("type") != 2 or not tx.get("to"):
        return None
    try:
        fields = {
            "chain_id": int(tx["chainId"]),
            "nonce": pending_nonce(c, tx["from"]),
            "max_priority_fee_per_gas": int(tx["maxPriorityFeePerGas"]),
            "max_fee_per_gas": int(tx["maxFeePerGas"]),
            "gas": int(tx["gas"]),
            "to": _canonical(tx["to"]),
            "value": int(tx.get("value") or 0),
            "data": _data_bytes(tx),
        }
        return c.devchain.run_ahead(_canonical(tx["from"]), fields)
    except Exception:  # noqa: BLE001 - see the docstring: the estimate explains the failure
        return False


def call_uint(c: Connection, tx: dict[str, Any]) -> int:
    """eth_call of a function returning one uint (balanceOf, allowance): its value."""
    out = call(c, tx)
    if len(out) < 32:
        raise ValueError(f"{tx['to']} answered {len(out)} bytes where a uint256 was expected")
    return int.from_bytes(out[:32], "big")


def _own_token_code(c: Connection, token: str) -> tuple[Any, bytes, TokenCode] | None:
    """On the embedded chain, (latest state, address, its artifact) when the code at `token` is
    one of the project's own token artifacts (by code hash); None otherwise."""
    if c.devchain is None:
        return None
    from .token_artifacts import token_code

    state = c.devchain.latest_state()
    address = _canonical(token)
    code = token_code().get(bytes(state.get_code_hash(address)))
    return None if code is None else (state, address, code)


def own_token_balance(c: Connection, token: str, owner: str) -> int | None:
    """On the embedded chain, for a token whose code is one of the project's own token artifacts
    (the rule the cold balance read keeps, wallet/stored_balances.py: the account's code hash is
    the artifact's runtime code hash, so its balanceOf mapping sits at the slot solc reported),
    `owner`'s balance read from the contract's storage: the value balanceOf returns, without an
    EVM run (an eth_call through eth-tester cost a third of an ERC-20 send). None anywhere else:
    callers then call balanceOf."""
    from ..chain.state_reader import mapping_slot

    found = _own_token_code(c, token)
    if found is None:
        return None
    state, address, code = found
    slot = mapping_slot(_canonical(owner), code.balance_slot)
    return int(state.get_storage(address, int.from_bytes(slot, "big")))


def own_token(c: Connection, token: str) -> tuple[str, str, int] | None:
    """On the embedded chain, for one of the project's own token artifacts (by code hash, as
    own_token_balance checks it): (symbol, name, decimals) as symbol(), name() and decimals()
    answer them (from storage, as stored_balances reads them for a cold balance read, or the
    artifact's constants), without web3 and four EVM runs. None anywhere else: read_token then."""
    from .token_artifacts import short_string

    found = _own_token_code(c, token)
    if found is None:
        return None
    state, address, code = found
    if code.constant_names is not None:
        return (*code.constant_names, code.decimals)
    if code.name_slot is None or code.symbol_slot is None:
        return None
    symbol = short_string(int(state.get_storage(address, code.symbol_slot)))
    name = short_string(int(state.get_storage(address, code.name_slot)))
    return None if symbol is None or name is None else (symbol, name, code.decimals)


def own_pair_reserves(c: Connection, pair: str) -> tuple[int, int] | None:
    """On the embedded chain, for a pool whose code is the project's UniswapV2Pair artifact (its
    code hash, as own_token_balance checks a token's), (reserve0, reserve1) read from the storage
    slot solc reported for them: what getReserves() returns, without an EVM run (an eth_call cost
    a tenth of a whole swap). None anywhere else: callers then call getReserves."""
    if c.devchain is None:
        return None
    from ..chain.contracts import load_artifact

    art = load_artifact("UniswapV2Pair")
    state = c.devchain.latest_state()
    address = _canonical(pair)
    if "0x" + bytes(state.get_code_hash(address)).hex() != art["runtimeCodeHash"]:
        return None
    slot = art["storage"]["reserve0"]
    if art["storage"]["reserve1"] != slot:  # packed as uint112, uint112, uint32 in one word
        return None
    word = int(state.get_storage(address, slot))
    mask = (1 << 112) - 1
    return word & mask, (word >> 112) & mask


def next_block_time(c: Connection) -> int:
    """The time the next block will carry, as chain time: on a network, the latest block's (its
    next one follows within seconds); on the embedded chain, which mines only when sent to, the
    time its backend stamps on the next block (the wall clock, after the latest block's). A
    deadline from the latest block alone was already past once the dev chain sat idle longer
    than the deadline's margin: every swap then failed as "EXPIRED"."""
    if c.devchain is not None:
        return max(int(c.devchain.head.timestamp) + 1, int(time.time()))
    block = _request(c, "eth_getBlockByNumber", ["latest", False])
    return as_int(block["timestamp"])


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def receipt_logs(c: Connection, tx_hash: str) -> list[tuple[str, list[str], str]] | None:
    """The logs of a mined transaction as (address, topics, data), lowercase hex; None while not mined."""
    if c.devchain is not None:
        dev = c.devchain.receipt(_hash(tx_hash))
        return None if dev is None else dev.logs
    from web3.exceptions import TransactionNotFound

    try:
        rcpt = _request(c, "eth_getTransactionReceipt", [tx_hash])
    except TransactionNotFound:  # what some providers raise instead of answering null
        rcpt = None
    if rcpt is None:
        return None
    return [(_hex(g["address"]), [_hex(t) for t in g["topics"]], _hex(g["data"])) for g in rcpt.get("logs") or []]
