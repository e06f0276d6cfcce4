"""The .mfapp format under attack: every way a package can lie is refused with a clear message."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from mainframe_os.node.apps.errors import DeveloperMismatch, PackageInvalid, SignatureInvalid
from mainframe_os.node.apps.manifest import derive_app_id, parse_version
from mainframe_os.node.apps.package import Limits, pack, sign_manifest
from mainframe_os.node.apps.store import AppFiles, DevSource

SEED = b"\x01" * 32
OTHER = b"\x02" * 32


def make_app(folder: Path, name: str = "Hello", version: str = "1.0.0", **extra: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": name,
        "version": version,
        "entry": "index.html",
        "permissions": {"required": ["STORAGE"], "optional": ["CONTACTS_READ"]},
        **extra,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "index.html").write_text("<!doctype html><script src='app.js'></script>")
    (folder / "app.js").write_text("console.log('hi')")
    (folder / "css").mkdir(exist_ok=True)
    (folder / "css" / "style.css").write_text("body{}")
    return folder


@pytest.fixture
def packed(tmp_path: Path) -> Path:
    src = make_app(tmp_path / "src")
    out = tmp_path / "hello.mfapp"
    pack(src, SEED, "Ada", out)
    return out


def rewrite(
    pkg: Path,
    out: Path,
    *,
    drop: set[str] = frozenset(),
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    resign: bytes | None = None,
    infos: list[zipfile.ZipInfo] = (),
) -> Path:
    replace = dict(replace or {})
    with zipfile.ZipFile(pkg) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    entries.update(replace)
    if resign is not None:
        entries["manifest.sig"] = sign_manifest(entries["manifest.json"], resign)
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            if name not in drop:
                z.writestr(name, data)
        for name, data in (add or {}).items():
            z.writestr(name, data)
        for info in infos:
            z.writestr(info, b"target")
    return out


def install(pkg: Path, tmp_path: Path, limits: Limits | None = None):
    files = AppFiles(tmp_path / "home-apps", limits or Limits())
    return files.install(pkg), files


def test_roundtrip_and_id(packed: Path, tmp_path: Path) -> None:
    m, files = install(packed, tmp_path)
    key = SigningKey(SEED).verify_key.encode()
    assert m.id == derive_app_id(key, "Hello") and len(m.id) == 40
    assert {e.path for e in m.contents} == {"index.html", "app.js", "css/style.css"}
    src = files.load(m.id, "1.0.0")
    assert src.read("css/style.css") == b"body{}"
    assert not list(files.root.glob(".staging-*"))


def test_tampered_file(packed: Path, tmp_path: Path) -> None:
    bad = rewrite(packed, tmp_path / "bad.mfapp", replace={"files/app.js": b"steal()"})
    with pytest.raises(PackageInvalid, match="app.js"):
        install(bad, tmp_path)


def test_tampered_manifest(packed: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(packed) as z:
        m = json.loads(z.read("manifest.json"))
    m["permissions"]["required"].append("BLOCKCHAIN_SEND")
    bad = rewrite(packed, tmp_path / "bad.mfapp", replace={"manifest.json": json.dumps(m).encode()})
    with pytest.raises(SignatureInvalid):
        install(bad, tmp_path)


def test_missing_signature_and_garbage(packed: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageInvalid, match="manifest.sig"):
        install(rewrite(packed, tmp_path / "a.mfapp", drop={"manifest.sig"}), tmp_path)
    (tmp_path / "junk.mfapp").write_bytes(b"not a zip")
    with pytest.raises(PackageInvalid, match="zip"):
        install(tmp_path / "junk.mfapp", tmp_path)


def test_signed_by_someone_else_claiming_the_id(packed: Path, tmp_path: Path) -> None:
    # the attacker keeps the manifest (developer key, id) but signs with their own key
    with pytest.raises(SignatureInvalid):
        install(rewrite(packed, tmp_path / "a.mfapp", resign=OTHER), tmp_path)
    # or puts their key in, keeping the victim's id: the id no longer matches the key
    with zipfile.ZipFile(packed) as z:
        m = json.loads(z.read("manifest.json"))
    m["developer"]["publicKey"] = SigningKey(OTHER).verify_key.encode().hex()
    bad = rewrite(packed, tmp_path / "b.mfapp", replace={"manifest.json": json.dumps(m).encode()}, resign=OTHER)
    with pytest.raises(PackageInvalid, match="id"):
        install(bad, tmp_path)


def test_missing_and_extra_files(packed: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageInvalid, match="missing"):
        install(rewrite(packed, tmp_path / "a.mfapp", drop={"files/app.js"}), tmp_path)
    with pytest.raises(PackageInvalid, match="not listed"):
        install(rewrite(packed, tmp_path / "b.mfapp", add={"files/evil.js": b"x"}), tmp_path)
    with pytest.raises(PackageInvalid, match="unexpected"):
        install(rewrite(packed, tmp_path / "c.mfapp", add={"other.txt": b"x"}), tmp_path)
    with pytest.raises(PackageInvalid, match="duplicate"):
        install(rewrite(packed, tmp_path / "d.mfapp", add={"files/APP.js": b"x"}), tmp_path)


@pytest.mark.parametrize(
    "name", ["files/../../etc/passwd", "/etc/passwd", "files//x", "files/a\\b", "files/C:/x", "../x"]
)
def test_unsafe_paths(packed: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(PackageInvalid):
        install(rewrite(packed, tmp_path / "a.mfapp", add={name: b"x"}), tmp_path)
    assert not (tmp_path / "etc").exists()


def test_unsafe_path_in_manifest(tmp_path: Path) -> None:
    src = make_app(tmp_path / "src")
    out = pack(src, SEED, "Ada", tmp_path / "ok.mfapp")
    m = out.to_json()
    m["contents"][0]["path"] = "../../outside.js"
    raw = json.dumps(m).encode()
    bad = rewrite(tmp_path / "ok.mfapp", tmp_path / "bad.mfapp", replace={"manifest.json": raw}, resign=SEED)
    with pytest.raises(PackageInvalid, match="unsafe"):
        install(bad, tmp_path)


def test_symlink_entry(packed: Path, tmp_path: Path) -> None:
    link = zipfile.ZipInfo("files/link")
    link.external_attr = 0o120777 << 16
    with pytest.raises(PackageInvalid, match="links"):
        install(rewrite(packed, tmp_path / "a.mfapp", infos=[link]), tmp_path)


def test_symlink_in_source_folder(tmp_path: Path) -> None:
    src = make_app(tmp_path / "src")
    os.symlink("/etc/passwd", src / "passwd")
    with pytest.raises(PackageInvalid, match="links"):
        pack(src, SEED, "Ada", tmp_path / "x.mfapp")


def test_oversize_and_zip_bomb(tmp_path: Path) -> None:
    src = make_app(tmp_path / "src")
    (src / "big.bin").write_bytes(b"\0" * (3 << 20))  # compresses ~1000:1
    pkg = tmp_path / "big.mfapp"
    pack(src, SEED, "Ada", pkg)
    with pytest.raises(PackageInvalid, match="bomb"):
        install(pkg, tmp_path)
    with pytest.raises(PackageInvalid, match="larger"):
        install(pkg, tmp_path, Limits(max_file_bytes=1 << 20, max_ratio=10_000))
    with pytest.raises(PackageInvalid, match="larger"):
        install(pkg, tmp_path, Limits(max_package_bytes=1000))


def test_file_larger_than_declared_stops_reading(packed: Path, tmp_path: Path) -> None:
    # size field says 17 bytes but the entry holds more: refused without reading it all
    bad = rewrite(packed, tmp_path / "a.mfapp", replace={"files/app.js": b"x" * 5000})
    with pytest.raises(PackageInvalid, match="size|hash|larger"):
        install(bad, tmp_path)


def test_served_file_changed_on_disk_is_refused(packed: Path, tmp_path: Path) -> None:
    from mainframe_os.node.apps.errors import AppFileRefused

    m, files = install(packed, tmp_path)
    src = files.load(m.id, m.version)
    (src.dir / "files" / "app.js").write_text("evil()")
    with pytest.raises(AppFileRefused, match="changed"):
        src.read("app.js")
    with pytest.raises(AppFileRefused):
        src.read("manifest.json")
    with pytest.raises(AppFileRefused):
        src.read("../manifest.json")


def test_signed_folder_installs_and_is_checked(packed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(packed) as z:
        z.extractall(folder / "z")
    (folder / "app").mkdir()
    for p in (folder / "z" / "files").rglob("*"):
        if p.is_file():
            dest = folder / "app" / p.relative_to(folder / "z" / "files")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(p.read_bytes())
    for n in ("manifest.json", "manifest.sig"):
        (folder / "app" / n).write_bytes((folder / "z" / n).read_bytes())
    m, _ = install(folder / "app", tmp_path)
    assert m.name == "Hello"
    (folder / "app" / "app.js").write_text("changed")
    with pytest.raises(PackageInvalid, match="app.js"):
        install(folder / "app", tmp_path)


def test_manifest_validation(tmp_path: Path) -> None:
    with pytest.raises(PackageInvalid, match="semver"):
        pack(make_app(tmp_path / "a", version="1.0"), SEED, "Ada", tmp_path / "a.mfapp")
    with pytest.raises(PackageInvalid, match="unknown permission"):
        pack(make_app(tmp_path / "b", permissions={"required": ["ROOT"]}), SEED, "Ada", tmp_path / "b.mfapp")
    with pytest.raises(PackageInvalid, match="WEB_REQUEST"):
        pack(make_app(tmp_path / "c", webDomains=["api.example.com"]), SEED, "Ada", tmp_path / "c.mfapp")
    with pytest.raises(PackageInvalid, match="domain"):
        pack(
            make_app(tmp_path / "d", webDomains=["http://x/"], permissions={"optional": ["WEB_REQUEST"]}),
            SEED,
            "Ada",
            tmp_path / "d.mfapp",
        )
    assert parse_version("1.2.3-beta.1") < parse_version("1.2.3") < parse_version("1.10.0")


def test_dev_source_rehashes_on_reload(tmp_path: Path) -> None:
    src = make_app(tmp_path / "src")
    dev = DevSource(src)
    (src / "app.js").write_text("edited")
    from mainframe_os.node.apps.errors import AppFileRefused

    with pytest.raises(AppFileRefused):
        dev.read("app.js")
    dev.reload()
    assert dev.read("app.js") == b"edited"


def test_developer_mismatch_is_a_package_error() -> None:
    assert issubclass(DeveloperMismatch, PackageInvalid)
