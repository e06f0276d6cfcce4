"""Where the files the program reads at run time live: one place, found through importlib.resources.

Everything travels inside the `mainframe_os` package, so a wheel, an sdist, an editable install,
a plain checkout on PYTHONPATH and a PyInstaller build all find the same files the same way:

    _resources/   the launcher's style sheets and icons        (the checkout's top-level resources/)
    _sdk/js/      the SDK script injected into every app        (top-level sdk/)
    _apps/        the bundled apps, also the `mfos app create` template   (top-level apps/)
    node/chain/artifacts/   the compiled contracts

The three underscore folders are symlinks to the top-level folders in the checkout (which stay
where developers expect them); the wheel build follows the links and stores real files.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "apps_dir",
    "contract_artifacts_dir",
    "icon_file",
    "icons_dir",
    "release_key_file",
    "resources_dir",
    "sdk_dir",
]

_PACKAGE = Path(__file__).parent
_cache: dict[str, Path] = {}


def _package_path(relative: str) -> Path:
    """A real filesystem path for a folder inside the package (extracted once if it is zipped).

    The package folder itself when it is one (checkout, wheel, editable install, PyInstaller):
    importlib.resources, which also reads zips, costs ~10 ms to import before the first window."""
    path = _cache.get(relative)
    if path is None:
        path = _PACKAGE.joinpath(*relative.split("/"))
        if not path.exists():
            path = _from_importlib(relative)
        _cache[relative] = path
    return path


def _from_importlib(relative: str) -> Path:
    import atexit
    from contextlib import ExitStack
    from importlib.resources import as_file, files

    node = files("mainframe_os").joinpath(*relative.split("/"))
    if isinstance(node, Path):
        return node
    extracted = ExitStack()  # the package is zipped: extract the folder once, remove it at exit
    atexit.register(extracted.close)
    return extracted.enter_context(as_file(node))


def resources_dir() -> Path:
    """Style sheets (`light.qss`, `dark.qss`), `icons/`, the release public key."""
    return _package_path("_resources")


def icons_dir() -> Path:
    return _package_path("_resources/icons")


def icon_file(name: str) -> Path:
    """`icons/<name>.svg`, e.g. `icon_file("logo")`."""
    return icons_dir() / f"{name}.svg"


def release_key_file() -> Path:
    """The Ed25519 public key release feeds are signed with (see `mainframe_os.node.updates`)."""
    return resources_dir() / "release-key.pub"


def sdk_dir() -> Path:
    """`mainframe-sdk.js` (injected into apps), `.mjs` (served to module scripts), `.d.ts`."""
    return _package_path("_sdk/js")


def apps_dir() -> Path:
    """The bundled apps, one folder each (`hello` doubles as the `mfos app create` template)."""
    return _package_path("_apps")


def contract_artifacts_dir() -> Path:
    return _package_path("node/chain/artifacts")
