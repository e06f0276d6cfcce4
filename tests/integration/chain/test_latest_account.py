"""DevChain.latest_account and pending_nonce (the funds check, the recipient's code and the nonce
of every send) read the state trie straight from the chain's file: they answer what py-evm's own
state answers for every kind of account, see each new block, give the nonce py-evm's block being
built gives, and fall back to py-evm when the trie does not read."""

from __future__ import annotations

import pytest
from eth_account import Account

from mainframe_os.node.chain import state_reader
from mainframe_os.node.chain.devchain import DEV_CHAIN_ID, DevChain

from .helpers import fees

ETHER = 10**18


def _pyevm(chain: DevChain, address: bytes) -> tuple[int, int, bytes, bytes] | None:
    state = chain.latest_state()
    if not state.account_exists(address):
        return None
    account = state._get_account(address)  # type: ignore[attr-defined] - the account as the trie holds it
    return (state.get_nonce(address), state.get_balance(address), account.storage_root, state.get_code_hash(address))


def _ours(chain: DevChain, address: bytes) -> tuple[int, int, bytes, bytes] | None:
    a = chain.latest_account(address)
    return None if a is None else (a.nonce, a.balance, a.storage_root, a.code_hash)


def _addr(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def test_every_kind_of_account_reads_as_pyevm_reads_it(chain: DevChain) -> None:
    alice, bob, nobody = Account.create(), Account.create(), Account.create()
    chain.fund(alice.address, 10 * ETHER)
    d = chain.deployment
    kinds = {
        "faucet": chain.faucet_address,
        "funded": alice.address,
        "never seen": nobody.address,
        "token contract": d.mft,
        "router": d.router,
        "pair (code and storage)": d.pair_eth_mft,
    }
    for name, address in kinds.items():
        assert _ours(chain, _addr(address)) == _pyevm(chain, _addr(address)), name
    assert chain.latest_account(_addr(nobody.address)) is None
    assert chain.latest_account(_addr(d.mft)).code_hash != state_reader.EMPTY_CODE_HASH  # type: ignore[union-attr]

    # a new block: the accounts it changed read anew (a head's answers are kept only for that head)
    w3 = chain.w3
    tx = {"chainId": DEV_CHAIN_ID, "to": bob.address, "value": 777, "gas": 21_000, "type": 2, **fees(w3), "nonce": 0}
    chain.send_raw(bytes(alice.sign_transaction(tx).raw_transaction))
    for address in (alice.address, bob.address, chain.faucet_address):
        assert _ours(chain, _addr(address)) == _pyevm(chain, _addr(address))
    assert chain.latest_account(_addr(bob.address)).balance == 777  # type: ignore[union-attr]
    assert chain.pending_nonce(_addr(alice.address)) == 1


def test_the_pending_nonce_is_what_the_block_being_built_says(chain: DevChain) -> None:
    carol = Account.create()
    chain.fund(carol.address, ETHER)
    w3 = chain.w3
    tester = chain._tester
    tester.disable_auto_mine_transactions()
    try:
        tx = {
            "chainId": DEV_CHAIN_ID,
            "to": carol.address,
            "value": 1,
            "gas": 21_000,
            "type": 2,
            **fees(w3),
            "nonce": 0,
        }
        w3.eth.send_raw_transaction(carol.sign_transaction(tx).raw_transaction)
        # whatever py-evm's block being built and the JSON-RPC "pending" count say (eth-tester keeps
        # an unmined transaction out of that block: both say 0 here), the node says the same
        pending = chain.pending_nonce(_addr(carol.address))
        assert pending == chain.pending_state().get_nonce(_addr(carol.address))
        assert pending == w3.eth.get_transaction_count(carol.address, "pending")  # type: ignore[arg-type]
        assert chain.latest_account(_addr(carol.address)).nonce == 0  # type: ignore[union-attr]  # not mined yet
    finally:
        tester.enable_auto_mine_transactions()  # mines what waits
    assert chain.pending_nonce(_addr(carol.address)) == 1 == chain.latest_account(_addr(carol.address)).nonce  # type: ignore[union-attr]


def test_a_trie_that_does_not_read_falls_back_to_pyevm(chain: DevChain, monkeypatch: pytest.MonkeyPatch) -> None:
    dave = Account.create()
    chain.fund(dave.address, 3 * ETHER)

    def unreadable(self: object, address: object) -> None:
        raise state_reader.StateUnreadable("a trie node does not match its hash")

    monkeypatch.setattr(state_reader.StateReader, "account", unreadable)
    chain.fund(dave.address, 1)  # a new head: nothing kept from before
    assert _ours(chain, _addr(dave.address)) == _pyevm(chain, _addr(dave.address))
    assert chain.latest_account(_addr(dave.address)).balance == 3 * ETHER + 1  # type: ignore[union-attr]
    assert chain.pending_nonce(_addr(dave.address)) == 0
