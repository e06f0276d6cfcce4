"""Peer-to-peer messaging: libp2p transport, signed envelopes, vodozemac end-to-end sessions,
contact requests, conversations and holders for offline delivery.

Layers, bottom up: `frames` and `host` (libp2p in its trio thread), `envelope` (signed,
size-limited, replay-checked), `e2e` (Olm), `store`/`inbox`/`outbox`/`holding` (vault state,
one transaction each), `service` (the asyncio glue and events). Methods live in
`node/methods/comms.py` and `node/methods/contact_requests.py`.
"""
