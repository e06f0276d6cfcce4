"""Where everything lives: one home folder, overridable for tests and several instances."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


def default_home() -> Path:
    env = os.environ.get("MAINFRAME_OS_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("mainframe-os", appauthor=False))


class HomePaths(NamedTuple):
    """The home's folders. A NamedTuple rather than a dataclass: `mfos` reads it before a command
    goes to a running node (cli/through_node.py), where importing dataclasses costs more than
    the call."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> HomePaths:
        return cls(Path(home).expanduser().resolve() if home else default_home().resolve())

    @property
    def vaults(self) -> Path:
        return self.root / "vaults"

    @property
    def apps(self) -> Path:
        return self.root / "apps"

    @property
    def chain(self) -> Path:
        return self.root / "chain"

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def socket(self) -> Path:
        return self.run / "node.sock"

    def ensure(self) -> HomePaths:
        """Create the home and its private folders. A home folder that already exists keeps
        its mode (``--home /tmp`` must not turn a shared 1777 folder into 0700): what needs
        privacy lives in the 0700 subfolders."""
        if not self.root.exists():
            self.root.mkdir(mode=0o700, parents=True)
            os.chmod(self.root, 0o700)
        for p in (self.vaults, self.run, self.logs):
            p.mkdir(parents=True, exist_ok=True)
            os.chmod(p, 0o700)
        return self
