"""Vault figures: unlock vs bare Argon2id, 10k contacts write/list, backup/restore.

Run: ``python benchmarks/vault.py``. The last line is JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nacl.pwhash  # noqa: E402
from sqlalchemy import select  # noqa: E402

from vault import KdfParams, VaultStore  # noqa: E402
from vault._header import read_header  # noqa: E402
from vault.models import Contact, Identity  # noqa: E402

PASSWORD = "benchmark password"


def main() -> None:
    results: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = VaultStore(Path(tmp) / "vaults")
        vault = store.create("bench", PASSWORD, KdfParams.moderate())
        vault.lock()
        header = read_header(vault.path)

        t0 = time.perf_counter()
        nacl.pwhash.argon2id.kdf(
            32,
            PASSWORD.encode(),
            header.salt,
            opslimit=header.kdf.opslimit,
            memlimit=header.kdf.memlimit,
        )
        results["bare_argon2id_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        vault.unlock(PASSWORD)
        results["unlock_s"] = time.perf_counter() - t0
        print(f"unlock {results['unlock_s']:.3f} s vs bare Argon2id {results['bare_argon2id_s']:.3f} s")

        with vault.session() as s:
            identity = Identity(display_name="Bench", sign_seed=os.urandom(32), box_secret=os.urandom(32))
            s.add(identity)
            s.flush()
            identity_id = identity.id
        t0 = time.perf_counter()
        for batch in range(20):
            with vault.session() as s:
                s.add_all(
                    Contact(
                        identity_id=identity_id,
                        display_name=f"Contact {batch}-{i}",
                        sign_public=os.urandom(32),
                        box_public=os.urandom(32),
                    )
                    for i in range(500)
                )
        results["add_10k_contacts_s"] = time.perf_counter() - t0
        print(f"add 10k contacts (20 x 500 per transaction) {results['add_10k_contacts_s']:.3f} s")

        t0 = time.perf_counter()
        with vault.session() as s:
            contacts = list(s.scalars(select(Contact).where(Contact.identity_id == identity_id)))
        results["list_10k_contacts_s"] = time.perf_counter() - t0
        assert len(contacts) == 10_000
        print(f"list 10k contacts {results['list_10k_contacts_s']:.3f} s")

        dest = Path(tmp) / "bench.mfbak"
        t0 = time.perf_counter()
        store.backup(vault, dest, PASSWORD)
        results["backup_s"] = time.perf_counter() - t0
        vault.close()
        results["vault_db_bytes"] = (vault.path / "vault.db").stat().st_size
        results["backup_bytes"] = dest.stat().st_size
        t0 = time.perf_counter()
        store.restore(dest, PASSWORD, as_name="restored")
        results["restore_s"] = time.perf_counter() - t0
        print(
            f"backup {results['backup_s']:.3f} s, restore {results['restore_s']:.3f} s "
            f"(both include one Argon2id), vault.db {results['vault_db_bytes']} bytes"
        )
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
