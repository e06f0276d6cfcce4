"""Buying ETH: on-ramp providers. On the dev chain a built-in faucet credits test ETH.

The node builds each provider's widget URL for the user's address; the GUI opens it in its own
webview. Providers that need a secret (Coinbase's session token, MoonPay's URL signature) never
get one from us: the vault's settings name a signing endpoint, a small server the integrator
runs with the secret, and the node calls it with `requests`.

    provider        what the node does                                    settings (onramp_configure)
    faucet          dev chain only: sends ETH from the genesis money      -
    coinbase        POST the session request to `sessionUrl` -> token,    sessionUrl, [widgetUrl]
                    then pay.coinbase.com/buy/select-asset?sessionToken=
    moonpay         build buy.moonpay.com?apiKey&currencyCode&walletAddress apiKey, signUrl, [widgetUrl]
                    &quoteCurrencyAmount, POST it to `signUrl` -> signature
                    (HMAC-SHA256 of the query string, base64), append it
    transak         global.transak.com?apiKey&referrerDomain&...           apiKey, referrerDomain, [widgetUrl]
    ramp            app.ramp.network?hostAppName&hostLogoUrl&hostApiKey&... hostApiKey, [hostAppName, hostLogoUrl,
                                                                             widgetUrl]

Wyre, the seed's provider, shut down in 2023 and is not offered.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

from .. import errors as E
from .store import WalletError

ETHER = 10**18
FAUCET_START_WEI = 10 * ETHER  # what a new wallet's first account gets on the dev chain
FAUCET_MAX_WEI = 100 * ETHER  # the most one faucet "purchase" credits

SIGNING_TIMEOUT = 15  # seconds: the signing endpoint is the integrator's own small server
APP_NAME = "Mainframe OS"


class OnrampError(WalletError):
    code, default_message = 5030, "On-ramp error"


class ProviderNotConfigured(OnrampError):
    code, default_message = 5031, "This provider is not configured"


class ProviderUnavailable(OnrampError):
    code, default_message = 5032, "This provider is not available on this network"


class SigningFailed(OnrampError):
    code, default_message = 5033, "The signing endpoint did not answer as expected"


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    needs_signing: bool  # the URL needs a server holding the provider's secret
    required: tuple[str, ...]  # settings that must be set
    optional: tuple[str, ...]
    networks: tuple[str, ...]  # network ids it serves ("dev" only for the faucet)
    website: str

    def missing(self, settings: dict[str, Any]) -> list[str]:
        return [k for k in self.required if not settings.get(k)]

    def to_json(self, network_id: str, settings: dict[str, Any]) -> dict[str, Any]:
        missing = self.missing(settings)
        on_network = network_id in self.networks
        reason = None
        if not on_network:
            reason = "dev chain only" if self.id == "faucet" else "not on this network"
        elif missing:
            reason = "needs settings: " + ", ".join(missing)
        return {
            "id": self.id,
            "name": self.name,
            "available": on_network and not missing,
            "needsSigning": self.needs_signing,
            "configured": not missing,
            "reason": reason,
            "settings": {"required": list(self.required), "optional": list(self.optional)},
            "website": self.website,
        }


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        Provider("faucet", "Dev chain faucet", False, (), (), ("dev",), ""),
        Provider(
            "coinbase",
            "Coinbase Onramp",
            True,
            ("sessionUrl",),
            ("widgetUrl", "fiatCurrency"),
            ("mainnet",),
            "https://docs.cdp.coinbase.com/onramp",
        ),
        Provider(
            "moonpay",
            "MoonPay",
            True,
            ("apiKey", "signUrl"),
            ("widgetUrl", "baseCurrencyCode"),
            ("mainnet", "sepolia"),
            "https://dev.moonpay.com",
        ),
        Provider(
            "transak",
            "Transak",
            False,
            ("apiKey", "referrerDomain"),
            ("widgetUrl", "fiatCurrency"),
            ("mainnet", "sepolia"),
            "https://docs.transak.com",
        ),
        Provider(
            "ramp",
            "Ramp",
            False,
            ("hostApiKey",),
            ("hostAppName", "hostLogoUrl", "widgetUrl"),
            ("mainnet", "sepolia"),
            "https://docs.ramp.network",
        ),
    )
}

# Production widget hosts; test keys (MoonPay pk_test_, Transak/Ramp staging) use the sandbox ones.
WIDGET_URLS = {
    "coinbase": "https://pay.coinbase.com/buy/select-asset",
    "moonpay": "https://buy.moonpay.com",
    "moonpay-sandbox": "https://buy-sandbox.moonpay.com",
    "transak": "https://global.transak.com",
    "transak-staging": "https://global-stg.transak.com",
    "ramp": "https://app.ramp.network",
    "ramp-demo": "https://app.demo.ramp.network",
}


def provider(provider_id: str) -> Provider:
    p = PROVIDERS.get(provider_id.lower())
    if p is None:
        raise E.InvalidParams(f"Unknown provider '{provider_id[:32]}': choose one of {', '.join(PROVIDERS)}")
    return p


def check_settings(p: Provider, settings: dict[str, Any]) -> dict[str, str]:
    """Only known keys, as strings; URLs must be http(s) (https unless the host is local)."""
    allowed = set(p.required) | set(p.optional)
    out: dict[str, str] = {}
    for k, v in settings.items():
        if k not in allowed:
            raise E.InvalidParams(
                f"'{k[:32]}' is not a {p.name} setting (known: {', '.join(sorted(allowed)) or 'none'})"
            )
        if v is None or v == "":
            continue
        if not isinstance(v, str) or len(v) > 2000:
            raise E.InvalidParams(f"The {k} setting must be a string")
        if k.endswith("Url"):
            _check_url(k, v)
        out[k] = v.strip()
    return out


def _check_url(name: str, url: str) -> None:
    u = urlparse(url)
    local = u.hostname in ("127.0.0.1", "localhost", "::1")
    if u.scheme not in ("https", "http") or not u.netloc or (u.scheme == "http" and not local):
        raise E.InvalidParams(f"The {name} setting must be an https:// URL (http only for localhost)")


# -- widget URLs -------------------------------------------------------------------------------------


def widget_url(
    p: Provider, settings: dict[str, str], address: str, amount_eth: str, amount_wei: int, network_id: str
) -> str:
    """The provider's widget URL for `address`, as its public documentation specifies."""
    if p.id == "coinbase":
        return _coinbase(settings, address, amount_eth)
    if p.id == "moonpay":
        return _moonpay(settings, address, amount_eth)
    if p.id == "transak":
        return _transak(settings, address, amount_eth, network_id)
    if p.id == "ramp":
        return _ramp(settings, address, amount_wei, network_id)
    raise E.InvalidParams(f"{p.name} has no widget")


def _coinbase(settings: dict[str, str], address: str, amount_eth: str) -> str:
    # Coinbase Onramp requires a one-use session token (5 min) minted by a backend with a CDP
    # secret key (POST https://api.developer.coinbase.com/onramp/v1/token with the addresses and
    # assets). Our `sessionUrl` is that backend: it gets the same body and returns {"token"}.
    # The backend must also pass the user's IP (clientIp); it sees it on the request.
    body = {"addresses": [{"address": address, "blockchains": ["ethereum"]}], "assets": ["ETH"]}
    reply = _post(settings["sessionUrl"], body, "session token")
    token = reply.get("token") or reply.get("sessionToken")
    if not isinstance(token, str) or not token:
        raise SigningFailed("The Coinbase session endpoint answered without a token")
    query = {
        "sessionToken": token,
        "defaultAsset": "ETH",
        "defaultNetwork": "ethereum",
        "presetCryptoAmount": amount_eth,
        "defaultExperience": "buy",
    }
    if settings.get("fiatCurrency"):
        query["fiatCurrency"] = settings["fiatCurrency"]
    return f"{settings.get('widgetUrl') or WIDGET_URLS['coinbase']}?{urlencode(query)}"


def _moonpay(settings: dict[str, str], address: str, amount_eth: str) -> str:
    # MoonPay refuses a widget URL carrying walletAddress unless it is signed: signature =
    # base64(HMAC-SHA256(secret key, the URL's query string starting with "?")), every value
    # URL-encoded before signing, appended last (URL-encoded). The secret stays on `signUrl`.
    key = settings["apiKey"]
    base = settings.get("widgetUrl") or WIDGET_URLS["moonpay-sandbox" if key.startswith("pk_test_") else "moonpay"]
    query = {"apiKey": key, "currencyCode": "eth", "walletAddress": address, "quoteCurrencyAmount": amount_eth}
    if settings.get("baseCurrencyCode"):
        query["baseCurrencyCode"] = settings["baseCurrencyCode"].lower()
    unsigned = f"{base}?{urlencode(query)}"
    reply = _post(settings["signUrl"], {"url": unsigned}, "signature")
    signature = reply.get("signature")
    if not isinstance(signature, str) or not _is_base64(signature):
        raise SigningFailed("The MoonPay signing endpoint answered without a base64 signature")
    return f"{unsigned}&{urlencode({'signature': signature})}"


def _transak(settings: dict[str, str], address: str, amount_eth: str, network_id: str) -> str:
    # apiKey and referrerDomain are mandatory; walletAddress with disableWalletAddressForm pins
    # the destination, productsAvailed=BUY shows the on-ramp only.
    staging = network_id != "mainnet"
    base = settings.get("widgetUrl") or WIDGET_URLS["transak-staging" if staging else "transak"]
    query = {
        "apiKey": settings["apiKey"],
        "referrerDomain": settings["referrerDomain"],
        "productsAvailed": "BUY",
        "cryptoCurrencyCode": "ETH",
        "network": "ethereum",
        "walletAddress": address,
        "disableWalletAddressForm": "true",
        "defaultCryptoAmount": amount_eth,
    }
    if settings.get("fiatCurrency"):
        query["fiatCurrency"] = settings["fiatCurrency"]
    return f"{base}?{urlencode(query)}"


def _ramp(settings: dict[str, str], address: str, amount_wei: int, network_id: str) -> str:
    # Ramp's hosted widget takes its configuration as query parameters: hostAppName and
    # hostLogoUrl are required, swapAmount is in the asset's smallest unit (wei for ETH).
    demo = network_id != "mainnet"
    base = settings.get("widgetUrl") or WIDGET_URLS["ramp-demo" if demo else "ramp"]
    query = {
        "hostApiKey": settings["hostApiKey"],
        "hostAppName": settings.get("hostAppName") or APP_NAME,
        "hostLogoUrl": settings.get("hostLogoUrl") or "https://mainframe.com/logo.svg",
        "swapAsset": "ETH_ETH",
        "swapAmount": str(amount_wei),
        "userAddress": address,
        "defaultFlow": "ONRAMP",
        "enabledFlows": "ONRAMP",
    }
    return f"{base.rstrip('/')}/?{urlencode(query)}"


def _post(url: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    """Call a signing endpoint (blocking: run off the event loop)."""
    import requests

    try:
        resp = requests.post(url, json=body, timeout=SIGNING_TIMEOUT)
    except requests.RequestException as exc:
        raise SigningFailed(f"The {what} endpoint is unreachable ({type(exc).__name__})") from None
    if resp.status_code != 200:
        raise SigningFailed(f"The {what} endpoint answered HTTP {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        raise SigningFailed(f"The {what} endpoint did not answer JSON") from None
    if not isinstance(data, dict):
        raise SigningFailed(f"The {what} endpoint did not answer a JSON object")
    return data


def _is_base64(s: str) -> bool:
    try:
        return len(base64.b64decode(s, validate=True)) == 32  # an HMAC-SHA256
    except ValueError:
        return False
