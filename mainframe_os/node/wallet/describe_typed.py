"""What an EIP-712 signature request (eth_signTypedData_v4) lets someone do, in words.

    desc = await describe_typed_data(node, ident, typed)
    desc["domain"]      # {"name": "MFT", "chainId": 61453, "verifyingContract": {party}}
    desc["headline"]    # "Permit 0xAbC… to spend all your MFT"

An EIP-2612 `Permit` and Uniswap's Permit2 (`PermitSingle`, `PermitTransferFrom`) are spelled
out (spender, amount with the token's symbol and decimals, deadline as a date); any other type
shows its fields, flattened, with addresses identified. Same JSON shape as `describe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .describe import _Desc, _who
from .parties import Party, identify
from .tokens import TokenInfo

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["describe_typed_data"]

MAX_FIELDS = 40  # a flattened message with more rows is cut (the raw JSON is still shown)


async def describe_typed_data(node: Node, ident: str | None, typed: dict[str, Any]) -> dict[str, Any]:
    from .tokens import maybe_token

    domain = typed.get("domain") or {}
    message = typed.get("message") or {}
    rows = _flatten(typed.get("types") or {}, str(typed.get("primaryType")), message)
    addresses = [v for _, t, v in rows if t == "address" and isinstance(v, str)]
    vc = domain.get("verifyingContract")
    if isinstance(vc, str):
        addresses.append(vc)
    parties = await identify(node, ident, addresses)
    token_addrs = [a for a in (_permit_token(typed), vc) if isinstance(a, str)]

    def read(c: Any) -> dict[str, TokenInfo | None]:
        return {a.lower(): maybe_token(c, a) for a in token_addrs}

    tokens = await node.session.chain.call(read) if token_addrs else {}
    return build_typed(typed, rows, parties, tokens)


def _permit_token(typed: dict[str, Any]) -> str | None:
    m = typed.get("message") or {}
    if typed.get("primaryType") == "PermitSingle":
        return (m.get("details") or {}).get("token")
    if typed.get("primaryType") in ("PermitTransferFrom", "PermitWitnessTransferFrom"):
        return (m.get("permitted") or {}).get("token")
    return None


def _flatten(types: dict[str, Any], type_name: str, value: Any, prefix: str = "") -> list[tuple[str, str, Any]]:
    """(label path, type, value) for every leaf field, in the type's declared order."""
    out: list[tuple[str, str, Any]] = []
    for field in types.get(type_name, []) if isinstance(types.get(type_name), list) else []:
        name, ftype = str(field.get("name")), str(field.get("type"))
        v = value.get(name) if isinstance(value, dict) else None
        label = f"{prefix}{name}"
        base = ftype[: ftype.index("[")] if "[" in ftype else ftype
        if base in types and isinstance(v, dict):
            out += _flatten(types, base, v, label + ".")
        elif base in types and isinstance(v, list):
            for i, item in enumerate(v[:10]):
                out += _flatten(types, base, item, f"{label}[{i}].")
        else:
            out.append((label, ftype, v))
        if len(out) >= MAX_FIELDS:
            break
    return out[:MAX_FIELDS]


def _int(v: Any) -> int:
    try:
        return int(v, 16) if isinstance(v, str) and v.startswith("0x") else int(v)
    except (TypeError, ValueError):
        return 0


def _addr(parties: dict[str, Party], v: Any) -> str:
    return next((a for a in parties if isinstance(v, str) and a.lower() == v.lower()), str(v))


def build_typed(
    typed: dict[str, Any],
    rows: list[tuple[str, str, Any]],
    parties: dict[str, Party],
    tokens: dict[str, TokenInfo | None],
) -> dict[str, Any]:
    domain = typed.get("domain") or {}
    primary = str(typed.get("primaryType"))
    m = typed.get("message") or {}
    vc = domain.get("verifyingContract")
    vc_party = parties.get(_addr(parties, vc)) if isinstance(vc, str) else None
    shown_domain = {
        "name": domain.get("name"),
        "version": domain.get("version"),
        "chainId": _int(domain["chainId"]) if domain.get("chainId") is not None else None,
        "verifyingContract": vc_party.to_json() if vc_party else None,
    }
    extra = {"primaryType": primary, "domain": shown_domain, "kind": "typed-data"}
    d = _Desc("sign-typed", parties)
    if primary == "Permit" and {"spender", "value"} <= set(m):
        token = tokens.get(str(vc).lower()) if vc else None
        _permit(d, _addr(parties, m["spender"]), _int(m["value"]), token, _int(m.get("deadline")), "Deadline")
        d.party("Owner", _addr(parties, m.get("owner")))
        d.text("Nonce", str(m.get("nonce")))
        return d.to_json(extra)
    if primary == "PermitSingle" and isinstance(m.get("details"), dict):
        det = m["details"]
        token = tokens.get(str(det.get("token")).lower())
        _permit(
            d, _addr(parties, m.get("spender")), _int(det.get("amount")), token, _int(det.get("expiration")), "Expires"
        )
        d.date("Signature valid until", _int(m.get("sigDeadline")))
        d.party("Token", _addr(parties, det.get("token")))
        d.text("Via", "Uniswap Permit2")
        return d.to_json(extra)
    if primary in ("PermitTransferFrom", "PermitWitnessTransferFrom") and isinstance(m.get("permitted"), dict):
        p = m["permitted"]
        token = tokens.get(str(p.get("token")).lower())
        spender = _addr(parties, m.get("spender"))
        d.action = "permit-transfer"
        d.party("Spender", spender)
        amt = d.amount("Amount", _int(p.get("amount")), token)
        d.date("Deadline", _int(m.get("deadline")))
        d.text("Via", "Uniswap Permit2 (one transfer)")
        d.headline = f"Let {_who(d, spender)} take {amt['text']} from you once"
        return d.to_json(extra)
    d.headline = f"Sign a {primary[:60]} message" + (f" for {domain['name']}" if domain.get("name") else "")
    for label, ftype, v in rows:
        if ftype == "address" and isinstance(v, str):
            d.party(label, _addr(parties, v))
        else:
            d.text(label, _text(v))
    d.warn("A signature can be as binding as a transaction: sign only messages from apps you trust.", "warning")
    return d.to_json(extra)


def _permit(d: _Desc, spender: str, raw: int, token: TokenInfo | None, deadline: int, when: str) -> None:
    d.action = "permit"
    who = d.party("Spender", spender)
    amt = d.amount("Allowance", raw, token)
    d.date(when, deadline)
    sym = token.symbol if token else "tokens"
    if amt["unlimited"]:
        d.headline = f"Permit {_who(d, spender)} to spend all your {sym}"
        d.warn(
            f"Unlimited allowance: this signature lets {who.phrase} take all your {sym}, without another prompt. "
            "Reject it unless you trust the app fully.",
            "danger",
        )
    else:
        d.headline = f"Permit {_who(d, spender)} to spend {amt['text']}"
    if not who.trusted and not amt["unlimited"]:
        d.warn(f"The spender is {who.phrase}: not one of your contacts or a contract the wallet knows.", "danger")


def _text(v: Any) -> str:
    if isinstance(v, (dict, list)):
        import json

        return json.dumps(v, ensure_ascii=False)[:300]
    return str(v)[:300]
