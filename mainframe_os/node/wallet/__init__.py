"""Wallets: HD phrases and imported keys, accounts, balances, sends, history, networks.

Keys never leave the node: every transaction is signed here with eth-account and sent raw,
the same way on the embedded dev chain and on a real network.
"""
