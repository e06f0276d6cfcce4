"""The embedded Ethereum dev chain and the project's contracts.

Submodules, each imported on demand so that importing this package costs nothing and pulls in
neither web3 nor py-evm (the GUI must start without them):

- ``contracts``: the compiled artifacts (``load_artifact``, ``abi_of``), plain JSON.
- ``deploy``: ``deploy_all(w3, deployer_key)`` deploys MFT, DAI, WETH, the Uniswap V2
  factory/router and seeds the ETH/MFT and ETH/DAI pools on any Web3 (dev chain or real node).
- ``devchain``: ``DevChain.open(folder)``, a persistent eth-tester/py-evm chain.
- ``sqlitedb``: the py-evm key-value database over SQLite that makes it persistent.
- ``deferred_curves``: ``defer()`` keeps py_ecc's pairing-curve tables (~0.55 s of CPU at import)
  until a curve precompile or a keystore file is used; the cold command line calls it first.
"""
