"""Buying ETH: on-ramp providers. On the dev chain a built-in faucet credits test ETH."""

from __future__ import annotations

ETHER = 10**18
FAUCET_START_WEI = 10 * ETHER  # what a new wallet's first account gets on the dev chain
FAUCET_MAX_WEI = 100 * ETHER  # the most one faucet "purchase" credits
