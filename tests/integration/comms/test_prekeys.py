"""Fresh one-time keys: the first message to a contact that is online starts its session from a
one-time key claimed from that contact (signed by it, made for that claim), not from the
reusable fallback key on its card; a stranger's claim and a forged answer are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nacl.signing import SigningKey

from mainframe_os.node.comms import prekeys, store

from .conftest import Peer, wait_for


def _svc(p: Peer) -> Any:
    return p.node.session.comms


async def _bodies(p: Peer) -> list[Any]:
    return [m["body"] for m in await p.call("comms_list")]


@pytest.mark.slow
async def test_first_message_uses_a_claimed_one_time_key(peers) -> None:
    a, b = await peers("A"), await peers("B")
    await a.call("contacts_add", {"card": b.card})
    await b.call("contacts_add", {"card": a.card})
    await a.call("comms_send", {"contact": "B", "text": "first"})
    await wait_for(lambda: _bodies(b), what="the first message at B")
    assert await _bodies(b) == ["first"]
    assert _svc(b).keys_handed_out == 1  # A claimed one key from B for the new session

    b_sign = bytes.fromhex((await a.call("contacts_list"))[0]["signPublicKey"])
    a_ident = a.identity_id

    # two claims give two different keys, each signed by B's identity over B's Olm key
    def a_seed(s: Any) -> bytes:
        from vault.models import Identity

        return s.get(Identity, a_ident).sign_seed

    seed = await a.node.db(a_seed)
    b_olm = await a.node.db(lambda s: store.peer_card(store.get_peer(s, a_ident, b_sign)).peer.olm_key)
    answers = [await b.node.db(lambda s: prekeys.answer_claim(s, prekeys.claim_request(seed, b_sign))) for _ in "12"]
    keys = [prekeys.check_answer(json.dumps(x).encode(), b_sign, b_olm) for x in answers]
    assert None not in keys and keys[0] != keys[1]
    forged = dict(answers[0], otk=answers[1]["otk"])  # B's signature over another key
    assert prekeys.check_answer(json.dumps(forged).encode(), b_sign, b_olm) is None
    stranger = SigningKey.generate().encode()
    with pytest.raises(prekeys.ClaimRefused, match="not a contact"):
        await b.node.db(lambda s: prekeys.answer_claim(s, prekeys.claim_request(stranger, b_sign)))
