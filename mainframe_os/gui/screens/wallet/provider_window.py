"""An on-ramp provider's widget (MoonPay, Transak, Ramp, Coinbase) in a window of its own.

The page is a third party's: it gets a fresh off-the-record QWebEngineProfile (no cookies or
storage on disk, nothing shared with the dapps' profiles), no QWebChannel (so no bridge to the
node), and it cannot open more windows. QtWebEngine is imported here, when the first purchase
opens, never at startup.
"""

from __future__ import annotations

from typing import Any

from ... import netgate
from ...qt import QLabel, Qt, QUrl, QVBoxLayout, QWidget


class ProviderWindow(QWidget):
    """`ProviderWindow(name, url).show()`; closing it deletes the page and its profile."""

    def __init__(self, name: str, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ... import qt_web  # lazy: QtWebEngine loads when the first purchase opens
        from ...qt_web import QWebEnginePage, QWebEngineProfile, QWebEngineSettings, QWebEngineView

        qt_web.start()

        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setObjectName("providerWindow")
        self.setWindowTitle(f"Buy ETH — {name}")
        self.resize(480, 720)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.origin = QLabel(f"{name} · {QUrl(url).host()}")
        self.origin.setObjectName("providerOrigin")
        self.origin.setToolTip("The page below is run by the provider, not by Mainframe OS")
        lay.addWidget(self.origin)
        # A profile built without a storage name is off the record: it keeps nothing on disk.
        self.profile = QWebEngineProfile(self)
        settings = self.profile.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        self.page = QWebEnginePage(self.profile, self)
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)
        lay.addWidget(self.view, 1)
        # the gate proxy lets this window reach its provider's site (and its subdomains) while open
        self._ungate = netgate.GATE.add(lambda: provider_domains(url))
        self.view.load(QUrl(url))

    @property
    def off_the_record(self) -> bool:
        return bool(self.profile.isOffTheRecord())

    def has_bridge(self) -> bool:
        return self.page.webChannel() is not None

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        # The page must go before its profile, or Chromium warns about a profile still in use.
        self.view.setPage(None)  # type: ignore[arg-type]
        self.page.deleteLater()
        self._ungate()
        super().closeEvent(event)


def provider_domains(url: str) -> list[str]:
    """The provider's site: "buy.transak.com" gives transak.com and *.transak.com."""
    host = QUrl(url).host().lower()
    if not host:
        return []
    site = ".".join(host.split(".")[-2:])
    return [host, site, f"*.{site}"]
