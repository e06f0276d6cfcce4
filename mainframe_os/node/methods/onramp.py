"""onramp_* methods: buy ETH through a provider's widget, or from the faucet on the dev chain.

await node.call("onramp_providers")
await node.call("onramp_start", {"provider": "faucet", "amount": "5"})     # {kind: credited}
await node.call("onramp_configure", {"provider": "moonpay", "settings": {...}})
await node.call("onramp_start", {"provider": "moonpay", "amount": "0.2"})  # {kind: widget, url}
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..events import Notification, WalletsChanged
from ..params import Param
from ..registry import method
from ..wallet import onramp
from ..wallet.amounts import format_amount, parse_amount
from .identities import require_identity
from .wallet_send import resolve_recipient

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

SETTINGS_KEY = "onramp.providers"  # {provider id: {setting: value}} in the vault


async def _all_settings(node: Node) -> dict[str, dict[str, str]]:
    v = node.require_vault()
    return dict(await node.on_vault_thread(v.get_setting, SETTINGS_KEY, {}) or {})


@method("onramp_providers")
async def onramp_providers(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The on-ramp providers and whether each can be used on the active network."""
    net_id = await node.session.chain.active_id()
    settings = await _all_settings(node)
    return [p.to_json(net_id, settings.get(p.id, {})) for p in onramp.PROVIDERS.values()]


@method("onramp_configure", Param("provider"), Param("settings", "object"))
async def onramp_configure(node: Node, ctx: CallerContext, provider: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Set a provider's API keys and signing endpoints (merged; an empty value removes a key)."""
    p = onramp.provider(provider)
    clean = onramp.check_settings(p, settings)
    v = node.require_vault()
    all_settings = await _all_settings(node)
    merged = {**all_settings.get(p.id, {}), **clean}
    for k, val in settings.items():
        if val in (None, ""):
            merged.pop(k, None)
    all_settings[p.id] = merged
    await node.on_vault_thread(v.set_setting, SETTINGS_KEY, all_settings)
    return p.to_json(await node.session.chain.active_id(), merged)


@method(
    "onramp_start",
    Param("provider"),
    Param("amount", "any", description="ETH to buy, decimal string"),
    Param("address", required=False, description="where the ETH goes (default: the default account)"),
)
async def onramp_start(
    node: Node, ctx: CallerContext, provider: str, amount: Any, address: str | None
) -> dict[str, Any]:
    """Credit ETH from the dev chain's faucet, or build a provider's widget URL for the GUI to open."""
    from ..wallet import store

    p = onramp.provider(provider)
    ident = await require_identity(node, ctx)
    wei = parse_amount(str(amount), 18)
    if address:
        to, _ = await resolve_recipient(node, ident, address)
    else:
        to = await node.db(lambda s: store.find_account(s, ident, None).address)
    chain = node.session.chain
    net_id = await chain.active_id()
    if net_id not in p.networks:
        where = "the embedded dev chain" if p.id == "faucet" else "this network"
        raise onramp.ProviderUnavailable(
            f"{p.name} is only available on {where}" if p.id == "faucet" else f"{p.name} is not available on {where}"
        )
    if p.id == "faucet":
        if wei > onramp.FAUCET_MAX_WEI:
            raise onramp.OnrampError(
                f"The faucet gives at most {format_amount(onramp.FAUCET_MAX_WEI, 18)} ETH at a time"
            )

        def credit(c: Any) -> str:
            if c.devchain is None:
                raise onramp.ProviderUnavailable("The faucet needs the embedded dev chain")
            return str(c.devchain.fund(to, wei))

        tx_hash = await chain.call(credit)
        node.events.emit(WalletsChanged())
        node.events.emit(
            Notification("ETH received", f"{format_amount(wei, 18)} test ETH from the faucet", "success", "wallet")
        )
        return {
            "kind": "credited",
            "provider": p.id,
            "hash": tx_hash,
            "amount": str(wei),
            "amountFormatted": format_amount(wei, 18),
            "address": to,
        }
    settings = (await _all_settings(node)).get(p.id, {})
    missing = p.missing(settings)
    if missing:
        raise onramp.ProviderNotConfigured(
            f"{p.name} needs these settings first: {', '.join(missing)} (onramp_configure)"
        )
    eth = format_amount(wei, 18)
    # Signing endpoints are HTTP calls that block: keep them off the event loop.
    url = await asyncio.get_running_loop().run_in_executor(
        None, lambda: onramp.widget_url(p, settings, to, eth, wei, net_id)
    )
    return {"kind": "widget", "provider": p.id, "name": p.name, "url": url, "address": to, "amount": str(wei)}
