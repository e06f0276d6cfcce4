"""window.ethereum as dapps written for MetaMask expect it: `isMetaMask` true (EIP-6963 still names
Mainframe OS), extra properties accepted while `request` and the event methods stay fixed, and
the legacy sendAsync/send callback API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.webengine


def test_metamask_compatible_provider(install_app, open_app) -> None:
    page = open_app(install_app())
    got = page.ok("""(() => {
        'use strict';
        const out = {isMetaMask: ethereum.isMetaMask};
        ethereum.autoRefreshOnNetworkChange = false;  // the test dapp does this; strict mode throws if frozen
        out.extra = ethereum.autoRefreshOnNetworkChange;
        out.fixed = ['request', 'on', 'removeListener', 'send', 'sendAsync', 'isMetaMask'].map(k => {
            const d = Object.getOwnPropertyDescriptor(ethereum, k);
            return !d.writable && !d.configurable;
        });
        try { ethereum.request = () => 'hijacked'; out.replaced = true; } catch (e) { out.replaced = false; }
        try { Object.defineProperty(ethereum, 'on', {value: () => 0}); out.redefined = true; } catch (e) { out.redefined = false; }
        try { delete ethereum.request; out.deleted = !('request' in ethereum); } catch (e) { out.deleted = false; }
        return out;
    })()""")
    assert got == {"isMetaMask": True, "extra": False, "fixed": [True] * 6,
                   "replaced": False, "redefined": False, "deleted": False}  # fmt: skip
    info = page.ok("""new Promise(r => { window.addEventListener('eip6963:announceProvider',
        e => r(e.detail.info.name)); window.dispatchEvent(new Event('eip6963:requestProvider')); })""")
    assert info == "Mainframe OS"


def test_legacy_send_and_send_async(install_app, open_app) -> None:
    page = open_app(install_app())
    chain = page.ok("ethereum.request({method: 'eth_chainId'})")
    one = page.ok("""new Promise(r => ethereum.sendAsync({id: 7, jsonrpc: '2.0', method: 'eth_chainId', params: []},
        (err, res) => r({err: err && err.code, res})))""")
    assert one == {"err": None, "res": {"id": 7, "jsonrpc": "2.0", "result": chain}}
    batch = page.ok("""new Promise(r => ethereum.sendAsync([{id: 1, method: 'eth_chainId'}, {id: 2, method: 'nope_x'}],
        (err, res) => r(res)))""")
    assert batch[0] == {"id": 1, "jsonrpc": "2.0", "result": chain}
    assert batch[1]["id"] == 2 and batch[1]["error"]["code"] == 4200
    sent = page.ok("ethereum.send('net_version', [])")
    assert sent["result"] == str(int(chain, 16)) and sent["jsonrpc"] == "2.0"
    cb = page.ok("new Promise(r => ethereum.send({id: 3, method: 'eth_chainId'}, (e, res) => r(res.result)))")
    assert cb == chain
    assert page.ok("ethereum.send({method: 'eth_accounts'}).result") == []  # synchronous, not connected
    assert page.ok("ethereum.networkVersion") == str(int(chain, 16))
    err = page.err("ethereum.send('eth_sign', ['0x' + '11'.repeat(20), '0x' + '00'.repeat(32)])")
    assert err["code"] == 4200 and "personal_sign" in err["message"]
