"""What the generated commands print, and the names and flags commands had before the registry
made them (kept so that nothing a user types stops working).

A new method needs nothing here: it gets `mfos <ns> <method>` with the readable default output.
Add a formatter when its result deserves better, a `shape` only to keep a historical name.
"""

from __future__ import annotations

from typing import Any

from .formats import formats, pretty_json, table
from .from_registry import Prompt, shape

# -- vault -----------------------------------------------------------------------------------------

shape(
    "vault_create",
    prompts={"password": Prompt("New password for vault '{name}'", confirm=True)},
    help="create a vault protected by a new password",
)
shape("vault_unlock", prompts={"password": Prompt("Password for vault '{name}'")})
shape("vault_list", help="list the vaults on this machine")


@formats("vault_create")
def _vault_created(r: dict[str, Any]) -> str:
    return f"Created vault '{r['name']}'."


@formats("vault_changePassword")
def _password_changed(r: bool) -> str:
    return "Password changed."


@formats("vault_list")
def _vaults(r: list[dict[str, Any]]) -> str:
    return table(r, [("name", "NAME"), ("open", "OPEN")], "No vaults yet: mfos vault create NAME")


# -- identity --------------------------------------------------------------------------------------

shape("identity_list", help="list the identities of a vault")
shape("identity_getCard", "identity card", positional=("id",), help="print an identity's contact card")
shape("identity_rename", help="rename an identity")
shape("identity_select", "identity use", help="make an identity the active one")


@formats("identity_list")
def _identities(r: list[dict[str, Any]]) -> str:
    rows = [dict(x, mark="*" if x["active"] else "", short=x["id"][:8]) for x in r]
    return table(rows, [("mark", " "), ("short", "ID"), ("displayName", "NAME")], "No identities yet.")


@formats("identity_create")
def _identity_created(r: dict[str, Any]) -> str:
    return f"Created identity '{r['displayName']}' ({r['id']})."


@formats("identity_getCard")
def _card(r: dict[str, Any]) -> str:
    return str(r["card"])


@formats("identity_rename", "contacts_rename")
def _renamed(r: dict[str, Any]) -> str:
    return f"Renamed to '{r['displayName']}'."


@formats("identity_select")
def _selected(r: dict[str, Any]) -> str:
    return f"Active identity: {r['id']}."


# -- contacts --------------------------------------------------------------------------------------

shape(
    "contacts_add",
    "contact add",
    flags={"displayName": "--name"},
    help="add a contact from their contact card",
)
shape("contacts_list", "contact list", flags={"query": "--search"}, help="list an identity's contacts")


@formats("contacts_add")
def _contact_added(r: dict[str, Any]) -> str:
    return f"Added contact '{r['displayName']}' ({r['id'][:8]})."


@formats("contacts_list")
def _contacts(r: list[dict[str, Any]]) -> str:
    rows = [
        dict(
            x,
            short=x["id"][:8],
            key=x["signPublicKey"][:16] + "…",
            # two names that look alike: the key tells them apart, so point at it
            note="looks like another contact: check the key" if x.get("lookalike") else "",
        )
        for x in r
    ]
    cols = [("short", "ID"), ("displayName", "NAME"), ("key", "KEY"), ("note", "")]
    return table(rows, cols, "No contacts yet.")


# -- network ---------------------------------------------------------------------------------------

shape("network_list", help="list the networks the wallet can use")
shape("network_use", flags={"rpcUrl": "--rpc"}, help="switch network (mainnet/sepolia need --rpc once)")
shape("network_add", positional=("name", "rpcUrl"), help="add a custom JSON-RPC network (its chain id is checked)")
shape("network_status", help="is the active network reachable?")


@formats("network_list")
def _networks(rows: list[dict[str, Any]]) -> str:
    shown = [
        dict(
            r,
            mark="*" if r.get("active") else "",
            rpc=r.get("rpcUrl") or ("embedded" if r["embedded"] else "(no RPC URL)"),
        )
        for r in rows
    ]
    cols = [("mark", " "), ("id", "ID"), ("name", "NAME"), ("chainId", "CHAIN"), ("rpc", "RPC")]
    return table(shown, cols, "No networks.")


@formats("network_use")
def _network_used(r: dict[str, Any]) -> str:
    return f"Now on {r['name']} (chain {r['chainId']})."


@formats("network_add")
def _network_added(r: dict[str, Any]) -> str:
    return f"Added network '{r['name']}' as {r['id']}."


@formats("network_status")
def _network_status(r: dict[str, Any]) -> str:
    return f"{r['name']}: " + (f"connected, block {r['blockNumber']}" if r["connected"] else r["error"])


# -- wallet ----------------------------------------------------------------------------------------

shape("wallet_list", help="list the identity's wallets")
shape("wallet_accounts", help="list the identity's accounts (* = default)")
shape("wallet_addAccount", help="derive the next account of an HD wallet")
shape("wallet_renameAccount", help="give an account a name")
shape(
    "wallet_setDefaultAccount",
    "wallet default",
    help="make an account the default (sends and dapps use it unless told otherwise)",
)
shape("wallet_getBalances", "wallet balances", help="ETH and token balances of an account")
shape("wallet_history", defaults={"limit": 50}, help="the transactions this identity sent on the active network")
shape("wallet_recheck", help="re-check pending transactions (after a restart or an outage)")
shape("wallet_addToken", "token add", help="add an ERC-20 by its address (symbol and decimals read from the chain)")
shape("wallet_listTokens", "token list", help="the tokens shown on the active network")


def wallet_text(r: dict[str, Any]) -> str:
    accts = "\n".join(f"  {a['address']}  {a['name']}" + ("  (default)" if a["default"] else "") for a in r["accounts"])
    return f"Wallet '{r['name']}' ({r['type']}, {r['id'][:8]}):\n{accts}"


formats("wallet_create", "wallet_importKey")(wallet_text)


@formats("wallet_list")
def _wallets(r: list[dict[str, Any]]) -> str:
    return "\n\n".join(wallet_text(w) for w in r) or "No wallet yet: mfos wallet create"


@formats("wallet_accounts")
def _accounts(r: list[dict[str, Any]]) -> str:
    rows = [dict(x, mark="*" if x["default"] else "") for x in r]
    cols = [("mark", " "), ("address", "ADDRESS"), ("name", "NAME"), ("index", "INDEX")]
    return table(rows, cols, "No accounts yet: mfos wallet create")


@formats("wallet_addAccount")
def _account_added(r: dict[str, Any]) -> str:
    return f"Added {r['address']} ({r['name']})."


@formats("wallet_renameAccount")
def _account_renamed(r: dict[str, Any]) -> str:
    return f"{r['address']} is now '{r['name']}'."


@formats("wallet_setDefaultAccount")
def _default_account(r: dict[str, Any]) -> str:
    return f"Default account: {r['address']} ({r['name']})."


@formats("wallet_getBalances")
def _balances(r: list[dict[str, Any]]) -> str:
    if not r:
        return "No balances."
    head = f"Account {r[0]['address']}\n"
    return head + table(r, [("symbol", "TOKEN"), ("formatted", "BALANCE"), ("name", "NAME")], "")


@formats("wallet_send")
def _sent(r: dict[str, Any]) -> str:
    return f"Transaction {r['hash']}: {r['status']}."


@formats("wallet_history")
def _history(r: list[dict[str, Any]]) -> str:
    rows = []
    for h in r:
        d = h.get("details") or {}
        what = d.get("amount") or d.get("you pay") or d.get("allowance") or ""
        if h["kind"] == "swap" and d.get("you receive at least"):
            what = f"{what} -> >= {d['you receive at least']}"
        elif d.get("to"):
            what = f"{what} to {d['to']}"
        rows.append(
            {
                "hash": h["hash"][:12] + "…",
                "kind": h["kind"],
                "status": h["status"],
                "what": what,
                "error": h.get("error") or "",
            }
        )
    cols = [("hash", "HASH"), ("kind", "KIND"), ("status", "STATUS"), ("what", "WHAT"), ("error", "ERROR")]
    return table(rows, cols, "No transactions yet.")


formats("wallet_recheck")(pretty_json)


@formats("wallet_addToken")
def _token_added(r: dict[str, Any]) -> str:
    return f"Added {r['symbol']} ({r['name']}, {r['decimals']} decimals)."


@formats("wallet_listTokens")
def _tokens(r: list[dict[str, Any]]) -> str:
    return table(r, [("symbol", "TOKEN"), ("name", "NAME"), ("decimals", "DECIMALS"), ("token", "ADDRESS")], "")


# -- swap and buy ----------------------------------------------------------------------------------

_SWAP_FLAGS = {"from": "--from", "to": "--to", "amount": "--amount"}
shape(
    "swap_quote",
    positional=(),
    flags=_SWAP_FLAGS,
    help="what a swap would give (amount out, minimum received, price impact)",
)
shape(
    "swap_run",
    positional=(),
    flags=_SWAP_FLAGS,
    help="swap through the network's Uniswap V2 router (approving first if needed)",
)
shape(
    "onramp_start",
    "buy",
    positional=(),
    defaults={"provider": "faucet"},
    help="buy ETH: the dev chain's faucet credits it, other providers give their widget URL",
)


@formats("swap_quote", "swap_run")
def _quote(r: dict[str, Any]) -> str:
    lines = [
        f"You pay:              {r['amountInFormatted']} {r['from']}",
        f"You receive:          {r['amountOutFormatted']} {r['to']}",
        f"Minimum received:     {r['minimumReceivedFormatted']} {r['to']} (slippage {r['slippage']}%)",
        f"Price impact:         {r['priceImpact']}%",
        f"Route:                {r['route']}",
    ]
    if r.get("needsApproval"):
        lines.append(
            f"Approval needed:      the router must first be allowed to spend {r['amountInFormatted']} {r['from']}"
        )
    if r.get("hash"):
        lines.append(f"Transaction:          {r['hash']} ({r['status']}); received {r['receivedFormatted']} {r['to']}")
    return "\n".join(lines)


@formats("onramp_start")
def _bought(r: dict[str, Any]) -> str:
    if r["kind"] == "credited":
        return f"Credited {r['amountFormatted']} ETH to {r['address']} (transaction {r['hash']})."
    return f"Open {r['name']} to buy ETH for {r['address']}:\n{r['url']}"


# -- apps ------------------------------------------------------------------------------------------

shape("apps_list", "app list", help="list the identity's installed apps")


@formats("apps_list")
def _apps(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No apps installed."
    out = [f"{'ID':12}  {'NAME':20}  {'VERSION':9}  {'SOURCE':8}  DEVELOPER"]
    for r in rows:
        dev = (r.get("developer") or {}).get("name", "") if r.get("ok", True) else f"problem: {r.get('problem')}"
        out.append(f"{r['id'][:12]:12}  {r.get('name', '?')[:20]:20}  {r['version'][:9]:9}  {r['source']:8}  {dev}")
    return "\n".join(out)
