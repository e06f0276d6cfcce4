from __future__ import annotations


def test_nothing_readable_on_disk(existing_vault, template_vault) -> None:  # type: ignore[no-untyped-def]
    path = existing_vault.path
    db = (path / "vault.db").read_bytes()
    header = (path / "header.json").read_bytes()
    assert not db.startswith(b"SQLite format 3")
    needles = [
        template_vault.identity_name.encode(),
        *(name.encode() for name in template_vault.contact_names),
        template_vault.data_key,
        template_vault.data_key.hex().encode(),
        template_vault.password.encode(),
        b"Personal",
    ]
    for secret in template_vault.secrets:
        needles += [secret, secret.hex().encode()]
    for blob in (db, header):
        for needle in needles:
            assert needle not in blob
    # Every file of the folder, not only the two we know about.
    for file in path.iterdir():
        data = file.read_bytes()
        assert all(needle not in data for needle in needles), file.name
