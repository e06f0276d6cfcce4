"""The app host: each installed dapp in its own sandboxed webview, talking to the node only
through the QWebChannel bridge.

    from mainframe_os.gui.apphost import register_schemes, AppHost
    register_schemes()              # before QApplication (gui/qt.py's before_app hook)
    host = AppHost(node)
    window = await host.open(app_id)          # the identity's installed app, in its AppWindow
    window = await host.open_dev("~/my-app")  # mfos app dev: unsigned folder, reload on change
"""

from __future__ import annotations

from .scheme import SCHEME, register_schemes

__all__ = ["SCHEME", "AppHost", "AppWindow", "register_schemes"]


def __getattr__(name: str) -> object:
    # QtWebEngine loads lazily: importing the package only to register schemes stays cheap.
    if name == "AppHost":
        from .host import AppHost

        return AppHost
    if name == "AppWindow":
        from .window import AppWindow

        return AppWindow
    raise AttributeError(name)
