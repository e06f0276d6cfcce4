"""Launcher preferences that are not secret and not per vault: theme, auto-lock, last vault.

Kept in `<home>/launcher.ini` (QSettings), so several homes on one machine stay independent.
"""

from __future__ import annotations

from pathlib import Path

from .qt import QSettings

DEFAULT_AUTOLOCK_MINUTES = 15


class Preferences:
    def __init__(self, home: Path) -> None:
        self._s = QSettings(str(home / "launcher.ini"), QSettings.Format.IniFormat)

    def _get(self, key: str, default: object, type_: type) -> object:
        value = self._s.value(key, default)
        try:
            return type_(value)
        except (TypeError, ValueError):
            return default

    @property
    def theme(self) -> str:
        value = str(self._get("theme", "system", str))
        return value if value in ("system", "light", "dark") else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._s.setValue("theme", value)
        self._s.sync()

    @property
    def autolock_minutes(self) -> int:
        """0 means never."""
        return max(0, int(self._get("autolock_minutes", DEFAULT_AUTOLOCK_MINUTES, int)))

    @autolock_minutes.setter
    def autolock_minutes(self, value: int) -> None:
        self._s.setValue("autolock_minutes", int(value))
        self._s.sync()

    @property
    def last_vault(self) -> str | None:
        v = self._s.value("last_vault", None)
        return str(v) if v else None

    @last_vault.setter
    def last_vault(self, value: str | None) -> None:
        if value != self.last_vault:  # set at every unlock: the file is rewritten only on a change
            self._s.setValue("last_vault", value or "")
            self._s.sync()

    @property
    def update_check(self) -> bool | None:
        """Check the release feed once a day: True/False as the user chose, None if never asked."""
        value = self._s.value("update_check", None)
        return None if value in (None, "") else str(value).lower() in ("1", "true")

    @update_check.setter
    def update_check(self, value: bool) -> None:
        self._s.setValue("update_check", bool(value))
        self._s.sync()

    def remembered(self, vault: str) -> bool:
        return bool(self._get(f"remember/{vault}", False, lambda v: str(v).lower() in ("1", "true")))

    def set_remembered(self, vault: str, enabled: bool) -> None:
        if enabled != self.remembered(vault):
            self._s.setValue(f"remember/{vault}", bool(enabled))
            self._s.sync()
