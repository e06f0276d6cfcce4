"""What a transaction does, in words, before the user approves it.

    desc = await describe_transaction(node, ident, {"to": ..., "value": 0, "data": "0x095ea7b3..."})
    desc["headline"]    # "Allow 0xAbC… to spend all your MFT"
    desc["rows"]        # [{"label": "Spender", "party": {...}}, {"label": "Amount", "amount": {...}}, ...]
    desc["warnings"]    # [{"level": "danger", "text": "Unlimited allowance: ..."}]
    desc["edit"]        # how the user may lower an allowance; `apply_edit` re-encodes the call

A description is plain JSON: it travels in `PromptRequest.description` to the GUI dialog, the
terminal and tests. Rows are one of: party (an address and who it is), amount (raw, formatted,
token, unlimited), date (unix seconds), text.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..prompter import CONTEXT_DETAILS, description_lines
from .amounts import format_amount, parse_amount
from .calldata import DecodedCall, decode_call, encode_call, known_signature, selector
from .parties import Known, Party, parties_from, wanted_addresses, with_vault_facts
from .tokens import TokenInfo

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["CONTEXT_DETAILS", "UNLIMITED_FROM", "addresses_of", "apply_edit", "describe_transaction", "lines"]

log = logging.getLogger("mainframe_os.wallet")

# An allowance this large is "unlimited": no real token has 2^128 base units in circulation,
# and dapps ask for 2^256-1, 2^255 or 2^160-1 (Permit2) when they mean "all of it, forever".
UNLIMITED_FROM = 2**128

_ALLOWANCE_CALLS = {"approve": "approve(address,uint256)", "increaseAllowance": "increaseAllowance(address,uint256)"}


def amount_json(raw: int, token: TokenInfo | None) -> dict[str, Any]:
    unlimited = raw >= UNLIMITED_FROM
    if token is None:
        return {"raw": str(raw), "text": f"{raw} (base units of an unknown token)", "unlimited": unlimited}
    formatted = "Unlimited" if unlimited else format_amount(raw, token.decimals)
    return {
        "raw": str(raw),
        "formatted": formatted,
        "symbol": token.symbol,
        "decimals": token.decimals,
        "token": token.address,
        "unlimited": unlimited,
        "text": f"{formatted} {token.symbol}",
    }


def date_json(ts: int) -> dict[str, Any]:
    if ts >= 2**40:
        return {"raw": str(ts), "text": "never"}
    return {"raw": str(ts), "text": datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")}


class _Desc:
    """Builds one description: rows in order, warnings, the headline."""

    def __init__(self, action: str, parties: dict[str, Party]) -> None:
        self.action, self.parties = action, parties
        self.headline = ""
        self.rows: list[dict[str, Any]] = []
        self.warnings: list[dict[str, str]] = []
        self.edit: dict[str, Any] | None = None

    def party(self, label: str, address: str) -> Party:
        p = self.parties.get(address) or Party(address, "account")
        self.rows.append({"label": label, "party": p.to_json()})
        return p

    def amount(self, label: str, raw: int, token: TokenInfo | None) -> dict[str, Any]:
        a = amount_json(raw, token)
        self.rows.append({"label": label, "amount": a})
        return a

    def text(self, label: str, text: str) -> None:
        self.rows.append({"label": label, "text": text})

    def date(self, label: str, ts: int) -> None:
        self.rows.append({"label": label, "date": date_json(ts)})

    def warn(self, text: str, level: str = "warning") -> None:
        self.warnings.append({"level": level, "text": text})

    def to_json(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "action": self.action,
            "headline": self.headline,
            "rows": self.rows,
            "warnings": self.warnings,
            "edit": self.edit,
            **extra,
        }


async def describe_transaction(node: Node, ident: str | None, tx: dict[str, Any]) -> dict[str, Any]:
    """The description of `tx` (to, value, data), with every address identified."""
    wanted = wanted_addresses(addresses_of(tx))
    return await with_vault_facts(node, ident, wanted, lambda c, known: describe_read(c, tx, known))


def describe_or_none(c: Any, tx: dict[str, Any], known: dict[str, Known]) -> dict[str, Any] | None:
    """describe_read, or None when the description cannot be built: it is help for the user,
    never a reason to lose a send. A network that is down still stops the send."""
    from .chain import NetworkDown, _translated

    try:
        return _translated(lambda c: describe_read(c, tx, known), c)
    except NetworkDown:
        raise
    except Exception:
        log.exception("could not describe a transaction")
        return None


def addresses_of(tx: dict[str, Any]) -> list[str]:
    """The addresses a description names: the recipient and those among the decoded arguments."""
    to, data = tx.get("to"), tx.get("data") or tx.get("input")
    call = decode_call(data) if to else None
    return [a for a in [to] + (_addresses(call.args) if call else []) if a]


def describe_read(c: Any, tx: dict[str, Any], known: dict[str, Known]) -> dict[str, Any]:
    """The description of `tx`, given what the vault knows of its addresses (parties.vault_facts
    of wanted_addresses(addresses_of(tx))): chain reads and the build, on the chain thread."""
    from .tokens import maybe_token

    to, value, data = tx.get("to"), int(tx.get("value") or 0), tx.get("data") or tx.get("input")
    call = decode_call(data) if to else None
    parties = parties_from(c, wanted_addresses(addresses_of(tx)), known)
    to = next((p.address for p in parties.values() if to and p.address.lower() == to.lower()), to)
    tokens: dict[str, TokenInfo | None] = {}
    if call is not None:
        tokens = {a: maybe_token(c, a) for a in _token_addresses(call, to)}
        weth = c.network.contracts.weth
        if weth and weth in tokens and call.name in _ROUTER_CALLS:
            tokens[weth] = TokenInfo("ETH", "Ether (wrapped)", 18, weth)  # routes through WETH read as ETH
    return build(to, value, data, call, parties, tokens)


def _addresses(args: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for v in args.values():
        if isinstance(v, str) and v.startswith("0x") and len(v) == 42:
            out.append(v)
        elif isinstance(v, list):
            out += [x for x in v if isinstance(x, str) and x.startswith("0x") and len(x) == 42]
    return out


def _token_addresses(call: DecodedCall, to: str | None) -> list[str]:
    if call.name in ("deposit", "withdraw") or call.name not in _ROUTER_CALLS:
        return [to] if to else []
    out = list(call.args.get("path") or [])
    out += [call.args[k] for k in ("token", "tokenA", "tokenB") if k in call.args]
    return out


def build(
    to: str | None,
    value: int,
    data: Any,
    call: DecodedCall | None,
    parties: dict[str, Party],
    tokens: dict[str, TokenInfo | None],
) -> dict[str, Any]:
    """The description from decoded facts (no I/O: the unit tests call this directly)."""
    from .tokens import ETH

    sel = selector(data) if to else None
    extra: dict[str, Any] = {
        "to": to,
        "value": amount_json(value, ETH),
        "selector": sel,
        "signature": call.signature if call else (known_signature(sel) if sel else None),
        "decoded": call is not None,
        "args": {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in call.args.items()}
        if call
        else None,
    }
    if to is None:
        d = _Desc("deploy", parties)
        d.headline = "Deploy a new contract"
        d.warn("This creates a contract from code the app provides: approve only if you wrote or trust it.")
        return d.to_json(extra)
    if sel is None:
        d = _Desc("send", parties)
        who = d.party("Recipient", to)
        d.amount("Amount", value, ETH)
        d.headline = f"Send {format_amount(value, 18)} ETH to {who.name or _short(to)}"
        if who.kind == "contract":
            d.warn("The recipient is a contract: ETH sent to a contract that does not expect it may be lost.")
        return d.to_json(extra)
    if call is None:
        return _unknown(to, value, sel, extra, parties)
    fn = _CALLS.get(call.name) or _ROUTER_CALLS.get(call.name)
    if fn is None:
        return _unknown(to, value, sel, extra, parties)
    d = _Desc(call.name, parties)
    fn(d, to, value, call.args, tokens.get(to), tokens)
    if value and call.name not in _PAYABLE:
        d.amount("Also sends", value, ETH)
        d.warn("This call also sends ETH to the contract.")
    return d.to_json(extra)


def _unknown(to: str, value: int, sel: str, extra: dict[str, Any], parties: dict[str, Party]) -> dict[str, Any]:
    from .tokens import ETH

    d = _Desc("unknown", parties)
    d.headline = "Unknown contract call"
    d.party("Contract", to)
    d.text("Function", f"{sel} — {extra['signature']}" if extra["signature"] else f"{sel} (unknown function)")
    if value:
        d.amount("Sends", value, ETH)
    d.warn(
        "Mainframe OS cannot decode this call, so it cannot tell you what it does. "
        "Approve it only if you trust the app and this contract.",
    )
    return d.to_json(extra)


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def _who(d: _Desc, address: str) -> str:
    p = d.parties.get(address)
    return p.name if p is not None and p.name and p.kind != "contract" else _short(address)


# -- token calls -------------------------------------------------------------------------------------


def _token_or_nft(d: _Desc, to: str, token: TokenInfo | None) -> None:
    d.party("Token", to)
    if token is None:
        d.warn("This contract is not an ERC-20 token: the amount below is a raw number or an item id.")


def _transfer(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    d.amount("Amount", a["amount"], token)
    who = d.party("Recipient", a["to"])
    _token_or_nft(d, to, token)
    sym = token.symbol if token else "tokens"
    amount = format_amount(a["amount"], token.decimals) if token else str(a["amount"])
    d.headline = f"Send {amount} {sym} to {_who(d, a['to'])}"
    if who.kind == "contract":
        d.warn("The recipient is a contract: tokens sent to a contract that does not expect them may be lost.")


def _allowance(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    spender = a["spender"]
    raw = int(a.get("amount", a.get("addedValue", 0)))
    if token is None and d.action == "approve":  # ERC-721 approve(to, tokenId)
        d.action = "approve-item"
        d.party("Spender", spender)
        d.text("Item", f"#{raw}")
        d.party("Collection", to)
        d.headline = f"Allow {_who(d, spender)} to take item #{raw}"
        return
    who = d.party("Spender", spender)
    amount = d.amount("Allowance" if d.action == "approve" else "Extra allowance", raw, token)
    _token_or_nft(d, to, token)
    sym = token.symbol if token else "tokens"
    more = "more " if d.action == "increaseAllowance" else ""
    if amount["unlimited"]:
        d.headline = f"Allow {_who(d, spender)} to spend all your {sym}"
        d.warn(
            f"Unlimited allowance: {who.phrase} may take all your {sym}, now and later, without asking again. "
            "Lower it to what you mean to spend.",
            "danger",
        )
    else:
        d.headline = f"Allow {_who(d, spender)} to spend {more}{amount.get('formatted', raw)} {sym}"
    if not who.trusted and not amount["unlimited"]:  # the unlimited warning names the spender already
        d.warn(f"The spender is {who.phrase}: not one of your contacts or a contract the wallet knows.", "danger")
    if token is not None and raw:
        d.edit = {
            "kind": "allowance",
            "signature": _ALLOWANCE_CALLS[d.action],
            "spender": spender,
            "raw": str(raw),
            "shown": amount["text"],
            "symbol": token.symbol,
            "decimals": token.decimals,
            "token": token.address,
        }


def _decrease(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    d.party("Spender", a["spender"])
    amt = d.amount("Less allowance", int(a["subtractedValue"]), token)
    _token_or_nft(d, to, token)
    d.headline = f"Lower {_who(d, a['spender'])}'s allowance by {amt['text']}"


def _transfer_from(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    if token is None:
        d.action = "transfer-item"
        d.text("Item", f"#{a['amount']}")
    else:
        d.amount("Amount", int(a["amount"]), token)
    d.party("From", a["from"])
    d.party("Recipient", a["to"])
    _token_or_nft(d, to, token)
    what = (
        f"item #{a['amount']}" if token is None else f"{format_amount(int(a['amount']), token.decimals)} {token.symbol}"
    )
    d.headline = f"Move {what} from {_who(d, a['from'])} to {_who(d, a['to'])}"


def _approval_for_all(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    who = d.party("Operator", a["operator"])
    d.party("Collection", to)
    if a["approved"]:
        d.headline = f"Allow {_who(d, a['operator'])} to take ALL your items in this collection"
        d.text("Access", "Every item, now and later")
        d.warn(
            f"This lets {who.phrase} transfer every item you own in this collection, without asking again. "
            "Approve only a marketplace you trust; reject, and approve single items, to be safe.",
            "danger",
        )
    else:
        d.headline = f"Remove {_who(d, a['operator'])}'s access to your items in this collection"
        d.text("Access", "Revoked")


def _safe_transfer(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    item = a.get("tokenId", a.get("id"))
    d.text("Item", f"#{item}" + (f" × {a['amount']}" if "amount" in a else ""))
    d.party("From", a["from"])
    d.party("Recipient", a["to"])
    d.party("Collection", to)
    d.headline = f"Send item #{item} to {_who(d, a['to'])}"


def _batch(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    items = ", ".join(f"#{i} × {n}" for i, n in zip(a["ids"], a["amounts"], strict=False))
    d.text("Items", items[:300])
    d.party("From", a["from"])
    d.party("Recipient", a["to"])
    d.party("Collection", to)
    d.headline = f"Send {len(a['ids'])} kinds of items to {_who(d, a['to'])}"


def _deposit(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    from .tokens import ETH

    d.amount("Amount", value, ETH)
    d.party("Contract", to)
    d.headline = f"Wrap {format_amount(value, 18)} ETH into WETH"


def _withdraw(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, _t: Any) -> None:
    d.amount("Amount", int(a["wad"]), token)
    d.party("Contract", to)
    d.headline = f"Unwrap {format_amount(int(a['wad']), 18)} WETH into ETH"


_CALLS = {
    "transfer": _transfer,
    "approve": _allowance,
    "increaseAllowance": _allowance,
    "decreaseAllowance": _decrease,
    "transferFrom": _transfer_from,
    "setApprovalForAll": _approval_for_all,
    "safeTransferFrom": _safe_transfer,
    "safeBatchTransferFrom": _batch,
    "deposit": _deposit,
    "withdraw": _withdraw,
}

# -- the Uniswap V2 router -----------------------------------------------------------------------------


def _swap(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, toks: dict[str, Any]) -> None:
    from .tokens import ETH

    path = a["path"]
    t_in, t_out = toks.get(path[0]), toks.get(path[-1])
    name = d.action
    pay_raw = value if "ETHFor" in name and "amountIn" not in a else int(a.get("amountIn", a.get("amountInMax", 0)))
    if "ETHFor" in name:
        t_in = ETH
    exact_in = name.startswith("swapExact")
    get_raw = int(a.get("amountOutMin", a.get("amountOut", 0)))
    pay = d.amount("You pay" if exact_in else "You pay at most", pay_raw, t_in)
    get = d.amount("You receive at least" if exact_in else "You receive", get_raw, t_out)
    d.text("Route", " → ".join(t.symbol if (t := toks.get(p)) else _short(p) for p in path) + " (Uniswap V2)")
    who = d.party("Recipient", a["to"])
    d.party("Router", to)
    d.date("Deadline", int(a["deadline"]))
    d.action = "swap"
    d.headline = f"Swap {pay['text']} for {get.get('symbol', 'tokens')}"
    if who.kind != "own":
        d.warn(f"The swapped tokens go to {who.phrase}, not to your account.", "danger")
    if get_raw == 0:
        d.warn("No minimum amount out: the swap accepts any price, however bad (no slippage protection).", "danger")


def _liquidity(d: _Desc, to: str, value: int, a: dict[str, Any], token: TokenInfo | None, toks: dict[str, Any]) -> None:
    from .tokens import ETH

    adding = d.action.startswith("add")
    if "token" in a:  # the ETH variants
        t = toks.get(a["token"])
        if adding:
            d.amount("Token", int(a["amountTokenDesired"]), t)
            d.amount("ETH", value, ETH)
        else:
            d.amount("Pool shares", int(a["liquidity"]), None)
            d.amount("At least", int(a["amountTokenMin"]), t)
            d.amount("And at least", int(a["amountETHMin"]), ETH)
        pair = f"{t.symbol if t else _short(a['token'])}/ETH"
    else:
        ta, tb = toks.get(a["tokenA"]), toks.get(a["tokenB"])
        if adding:
            d.amount("Token A", int(a["amountADesired"]), ta)
            d.amount("Token B", int(a["amountBDesired"]), tb)
        else:
            d.amount("Pool shares", int(a["liquidity"]), None)
            d.amount("At least", int(a["amountAMin"]), ta)
            d.amount("And at least", int(a["amountBMin"]), tb)
        pair = "/".join(t.symbol if t else "?" for t in (ta, tb))
    who = d.party("Recipient", a["to"])
    d.party("Router", to)
    d.date("Deadline", int(a["deadline"]))
    d.headline = f"{'Add liquidity to' if adding else 'Remove liquidity from'} the {pair} pool"
    if who.kind != "own":
        d.warn(f"The {'pool shares' if adding else 'tokens'} go to {who.phrase}, not to your account.", "danger")


_ROUTER_CALLS = {
    n: _swap
    for n in (
        "swapExactETHForTokens",
        "swapETHForExactTokens",
        "swapExactTokensForETH",
        "swapTokensForExactETH",
        "swapExactTokensForTokens",
        "swapTokensForExactTokens",
    )
} | {n: _liquidity for n in ("addLiquidity", "addLiquidityETH", "removeLiquidity", "removeLiquidityETH")}

_PAYABLE = {"deposit", "swapExactETHForTokens", "swapETHForExactTokens", "addLiquidityETH"}


# -- editing an allowance ----------------------------------------------------------------------------


def apply_edit(description: dict[str, Any] | None, data: str, answer: Any) -> tuple[str, str] | None:
    """The user lowered (or changed) an allowance in the dialog: (new calldata, new amount text).

    `answer` is the prompt's `data`: {"allowance": "25.5"} in the token's units. The amount goes
    through the node's one money parser; anything else in `answer` is ignored.
    """
    edit = (description or {}).get("edit")
    if not edit or not isinstance(answer, dict) or answer.get("allowance") in (None, ""):
        return None
    raw = parse_amount(str(answer["allowance"]), int(edit["decimals"]), "allowance")
    if raw == int(edit["raw"]):
        return None
    if not data.lower().startswith(_selector_of(edit["signature"])):
        raise E.InvalidParams("The allowance can only be changed on the call it was shown for")
    new = encode_call(edit["signature"], [edit["spender"], raw])
    shown = "Unlimited" if raw >= UNLIMITED_FROM else format_amount(raw, int(edit["decimals"]))
    return new, f"{shown} {edit['symbol']}"


def _selector_of(signature: str) -> str:
    from .calldata import selector_of

    return selector_of(signature)


lines = description_lines  # the description as text: it lives with the prompt (node/prompter.py)
