"""Encrypted files: UnixFS DAGs with IPFS-identical CIDs, a verified block store, the per-identity index."""
