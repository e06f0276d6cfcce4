"""Settings: vaults, identities, app permissions, backup & restore, security, appearance, messaging,
networks, about."""

from __future__ import annotations

from ...context import LauncherContext
from ...qt import QTabWidget, QVBoxLayout, QWidget, Signal
from ...widgets import screen_header
from .about import AboutTab
from .appearance import AppearanceTab
from .apps import AppsTab
from .backup import BackupTab
from .identities import IdentitiesTab
from .messaging import MessagingTab
from .networks import NetworksTab
from .security import SecurityTab
from .vaults import VaultsTab


class SettingsScreen(QWidget):
    theme_changed = Signal(str)
    autolock_changed = Signal(int)
    switch_vault = Signal(str)

    def __init__(self, ctx: LauncherContext) -> None:
        super().__init__()
        self.setObjectName("settingsScreen")
        lay = QVBoxLayout(self)
        lay.addWidget(screen_header("Settings"))
        self.tabs = QTabWidget()
        self.vaults = VaultsTab(ctx)
        self.identities = IdentitiesTab(ctx)
        self.apps = AppsTab(ctx)
        self.backup = BackupTab(ctx)
        self.security = SecurityTab(ctx)
        self.appearance = AppearanceTab(ctx)
        self.tabs.addTab(self.vaults, "Vaults")
        self.tabs.addTab(self.identities, "Identities")
        self.tabs.addTab(self.apps, "Apps")
        self.tabs.addTab(self.backup, "Backup")
        self.tabs.addTab(self.security, "Security")
        self.tabs.addTab(self.appearance, "Appearance")
        self.messaging = MessagingTab(ctx)
        self.tabs.addTab(self.messaging, "Messaging")
        self.networks: NetworksTab | None = None
        if ctx.has_networks:
            self.networks = NetworksTab(ctx)
            self.tabs.addTab(self.networks, "Networks")
        self.about = AboutTab(ctx)
        self.tabs.addTab(self.about, "About")
        lay.addWidget(self.tabs, 1)
        self.appearance.theme_changed.connect(self.theme_changed.emit)
        self.security.autolock_changed.connect(self.autolock_changed.emit)
        self.vaults.switch_vault.connect(self.switch_vault.emit)

    def show_tab(self, name: str) -> None:
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i).lower() == name.lower():
                self.tabs.setCurrentIndex(i)
