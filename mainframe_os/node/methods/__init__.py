"""RPC endpoints, one module per namespace: each binds its params, calls a domain service and
serialises the answer; declared once in the registry (which feeds the dispatcher, CLI and SDK)."""
