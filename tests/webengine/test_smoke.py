from __future__ import annotations

import pytest

pytestmark = pytest.mark.webengine


def test_sdk_ready_and_roundtrip(install_app, open_app) -> None:
    app_id = install_app()
    page = open_app(app_id)
    assert page.ok("mainframe.call('node_version')")["apiVersion"] == 1
    assert page.ok("ethereum.request({method: 'eth_chainId'})").startswith("0x")
    assert page.ok("ethereum.request({method: 'eth_accounts'})") == []
