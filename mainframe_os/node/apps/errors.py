"""Errors of the apps feature, all user-facing (their message is shown), in the 6xxx range.

AppError                   6000
├── PackageInvalid         6001  a package or folder that fails verification (why in message)
├── SignatureInvalid       6002  the manifest signature does not verify
├── DeveloperMismatch      6003  an update signed by another developer key
├── AppNotInstalled        6010  no such app for this identity
├── AppFileRefused         6011  a served file is not listed or changed on disk
├── PermissionNotDeclared  6020  an app asked for a permission its manifest does not list
└── AppShareError          6030  an app cannot be shared, or a shared one is not (yet) complete
"""

from __future__ import annotations

from ..errors import RpcError


class AppError(RpcError):
    code, default_message = 6000, "App error"


class PackageInvalid(AppError):
    code, default_message = 6001, "The app package is invalid"


class SignatureInvalid(PackageInvalid):
    code, default_message = 6002, "The app's signature does not verify: the package was changed or damaged"


class DeveloperMismatch(PackageInvalid):
    code, default_message = 6003, "This update is signed by a different developer than the installed app"


class AppNotInstalled(AppError):
    code, default_message = 6010, "No such app is installed for this identity"


class AppFileRefused(AppError):
    code, default_message = 6011, "The app file is not part of the verified package"


class PermissionNotDeclared(AppError):
    code, default_message = 6020, "The app's manifest does not ask for this permission"


class AppShareError(AppError):
    code, default_message = 6030, "This app cannot be shared"
