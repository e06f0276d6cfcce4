"""Buying ETH: the dev chain's faucet end to end, and each real provider's widget URL checked by
a local stand-in server that verifies what the provider's documentation requires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest
import requests

from mainframe_os.node import errors as E
from mainframe_os.node.wallet.onramp import FAUCET_MAX_WEI

from .conftest import Env

SECRET = b"sk_test_standin_secret"
TOKEN = "session-token-123"


class StandIn:
    """Plays the integrator's signing server and the providers' widget hosts on 127.0.0.1."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        stand = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _reply(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand.requests.append((self.path, body))
                if self.path == "/coinbase/session":
                    # Coinbase's POST /onramp/v1/token body: addresses[{address, blockchains}], assets
                    ok = (
                        body["addresses"][0]["blockchains"] == ["ethereum"]
                        and body["assets"] == ["ETH"]
                        and body["addresses"][0]["address"].startswith("0x")
                    )
                    return self._reply(200 if ok else 400, {"token": TOKEN} if ok else {"error": "bad"})
                if self.path == "/moonpay/sign":
                    # MoonPay: base64(HMAC-SHA256(secret, URL's search part, "?" included))
                    search = "?" + urlparse(body["url"]).query
                    sig = base64.b64encode(hmac.new(SECRET, search.encode(), hashlib.sha256).digest()).decode()
                    return self._reply(200, {"signature": sig})
                return self._reply(404, {})

            def do_GET(self) -> None:  # noqa: N802
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                stand.requests.append((u.path, q))
                problems = stand.check(u.path, u.query, q)
                self._reply(400 if problems else 200, {"problems": problems})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check(self, path: str, raw_query: str, q: dict[str, str]) -> list[str]:
        def need(*keys: str) -> list[str]:
            return [f"missing {k}" for k in keys if not q.get(k)]

        if path == "/coinbase/buy/select-asset":
            return need("sessionToken", "defaultAsset") + ([] if q.get("sessionToken") == TOKEN else ["bad token"])
        if path == "/moonpay/":
            problems = need("apiKey", "currencyCode", "walletAddress", "signature")
            # The signature covers the query as sent, without "&signature=..." (which comes last).
            unsigned, _, sig_part = raw_query.rpartition("&signature=")
            expect = base64.b64encode(hmac.new(SECRET, ("?" + unsigned).encode(), hashlib.sha256).digest()).decode()
            if sig_part != quote(expect, safe=""):
                problems.append("signature does not verify")
            return problems
        if path == "/transak/":
            return need("apiKey", "referrerDomain", "cryptoCurrencyCode", "network", "walletAddress")
        if path == "/ramp/":
            problems = need("hostApiKey", "hostAppName", "hostLogoUrl", "swapAsset", "swapAmount", "userAddress")
            if not q.get("swapAmount", "").isdigit():
                problems.append("swapAmount must be in wei")
            return problems
        return ["unknown path"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    s = StandIn()
    yield s
    s.close()


async def test_faucet_credits_eth_on_the_dev_chain(env: Env) -> None:
    providers = {p["id"]: p for p in await env.call("onramp_providers")}
    assert providers["faucet"]["available"] is True
    assert providers["moonpay"]["available"] is False and "wyre" not in providers
    before = int((await env.call("wallet_getBalances"))[0]["balance"])
    r = await env.call("onramp_start", {"provider": "faucet", "amount": "2.5"})
    assert r["kind"] == "credited" and r["address"] == env.address and r["hash"].startswith("0x")
    after = int((await env.call("wallet_getBalances"))[0]["balance"])
    assert after - before == 25 * 10**17
    with pytest.raises(E.RpcError, match="at most 100 ETH"):
        await env.call("onramp_start", {"provider": "faucet", "amount": str(FAUCET_MAX_WEI // 10**18 + 1)})
    with pytest.raises(E.InvalidParams, match="Unknown provider"):
        await env.call("onramp_start", {"provider": "wyre", "amount": "1"})
    with pytest.raises(E.InvalidParams, match="greater than zero"):
        await env.call("onramp_start", {"provider": "faucet", "amount": "0"})


async def _on_mainnet(env: Env) -> None:
    # Building a widget URL needs no connection: mark mainnet active without an RPC URL.
    v = env.node.require_vault()
    await env.node.on_vault_thread(v.set_setting, "network.active", "mainnet")


async def test_faucet_refused_off_the_dev_chain_and_unconfigured_providers(env: Env) -> None:
    await _on_mainnet(env)
    with pytest.raises(E.RpcError, match="only available on the embedded dev chain"):
        await env.call("onramp_start", {"provider": "faucet", "amount": "1"})
    with pytest.raises(E.RpcError, match="needs these settings first: apiKey, signUrl"):
        await env.call("onramp_start", {"provider": "moonpay", "amount": "1"})
    with pytest.raises(E.InvalidParams, match="https://"):
        await env.call("onramp_configure", {"provider": "moonpay", "settings": {"signUrl": "http://example.com/sign"}})
    with pytest.raises(E.InvalidParams, match="not a MoonPay setting"):
        await env.call("onramp_configure", {"provider": "moonpay", "settings": {"secretKey": "sk_live_x"}})


async def test_coinbase_session_token_and_url(env: Env, standin: StandIn) -> None:
    await _on_mainnet(env)
    await env.call(
        "onramp_configure",
        {
            "provider": "coinbase",
            "settings": {
                "sessionUrl": f"{standin.url}/coinbase/session",
                "widgetUrl": f"{standin.url}/coinbase/buy/select-asset",
            },
        },
    )
    r = await env.call("onramp_start", {"provider": "coinbase", "amount": "0.25"})
    assert r["kind"] == "widget"
    path, body = standin.requests[0]
    assert path == "/coinbase/session" and body["addresses"][0]["address"] == env.address
    q = parse_qs(urlparse(r["url"]).query)
    assert q["sessionToken"] == [TOKEN] and q["presetCryptoAmount"] == ["0.25"] and q["defaultAsset"] == ["ETH"]
    assert requests.get(r["url"], timeout=5).json() == {"problems": []}


async def test_moonpay_signed_url(env: Env, standin: StandIn) -> None:
    await _on_mainnet(env)
    await env.call(
        "onramp_configure",
        {
            "provider": "moonpay",
            "settings": {
                "apiKey": "pk_test_abc",
                "signUrl": f"{standin.url}/moonpay/sign",
                "widgetUrl": f"{standin.url}/moonpay/",
            },
        },
    )
    r = await env.call("onramp_start", {"provider": "moonpay", "amount": "0.5"})
    path, body = standin.requests[0]
    assert path == "/moonpay/sign" and "signature" not in body["url"]
    q = parse_qs(urlparse(r["url"]).query)
    assert q["walletAddress"] == [env.address] and q["currencyCode"] == ["eth"]
    assert q["quoteCurrencyAmount"] == ["0.5"] and q["apiKey"] == ["pk_test_abc"]
    assert r["url"].split("?", 1)[1].rsplit("&", 1)[1].startswith("signature=")  # appended last
    assert requests.get(r["url"], timeout=5).json() == {"problems": []}
    tampered = r["url"].replace(env.address, "0x" + "1" * 40)
    assert requests.get(tampered, timeout=5).json()["problems"] == ["signature does not verify"]


async def test_moonpay_signing_endpoint_down(env: Env) -> None:
    await _on_mainnet(env)
    await env.call(
        "onramp_configure",
        {"provider": "moonpay", "settings": {"apiKey": "pk_test_abc", "signUrl": "http://127.0.0.1:9/sign"}},
    )
    with pytest.raises(E.RpcError, match="signature endpoint is unreachable"):
        await env.call("onramp_start", {"provider": "moonpay", "amount": "0.5"})


async def test_transak_and_ramp_urls(env: Env, standin: StandIn) -> None:
    await _on_mainnet(env)
    await env.call(
        "onramp_configure",
        {
            "provider": "transak",
            "settings": {
                "apiKey": "transak-key",
                "referrerDomain": "mainframe.example",
                "widgetUrl": f"{standin.url}/transak/",
            },
        },
    )
    r = await env.call("onramp_start", {"provider": "transak", "amount": "1.5"})
    q = parse_qs(urlparse(r["url"]).query)
    assert q["walletAddress"] == [env.address] and q["defaultCryptoAmount"] == ["1.5"] and q["network"] == ["ethereum"]
    assert requests.get(r["url"], timeout=5).json() == {"problems": []}

    await env.call(
        "onramp_configure",
        {"provider": "ramp", "settings": {"hostApiKey": "ramp-key", "widgetUrl": f"{standin.url}/ramp"}},
    )
    r = await env.call("onramp_start", {"provider": "ramp", "amount": "1.5"})
    q = parse_qs(urlparse(r["url"]).query)
    assert q["userAddress"] == [env.address] and q["swapAmount"] == [str(15 * 10**17)] and q["swapAsset"] == ["ETH_ETH"]
    assert requests.get(r["url"], timeout=5).json() == {"problems": []}
    providers = {p["id"]: p for p in await env.call("onramp_providers")}
    assert providers["transak"]["available"] and providers["ramp"]["available"]
    assert not providers["coinbase"]["available"] and providers["coinbase"]["reason"] == "needs settings: sessionUrl"
