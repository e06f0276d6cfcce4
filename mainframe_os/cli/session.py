"""One CLI invocation's connection to a node: the running node's socket when it serves the
vault asked for, otherwise an in-process node that unlocks the vault for this command only."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..node import errors as E
from ..node.context import CallerContext
from ..node.paths import HomePaths
from . import passwords


class CliError(Exception):
    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.message, self.code, self.data = message, code, data


class CliSession:
    def __init__(self, args: Any) -> None:
        self.args = args
        self.paths = HomePaths.resolve(getattr(args, "home", None))
        self._node: Any = None
        self._client: Any = None
        self.vault_password: str | None = None  # kept for this command only (backup reuses it)

    # -- connection -----------------------------------------------------------------------------

    def _running_node(self) -> dict[str, Any] | None:
        from ..node.transport.socket_client import why_not_alive

        info_file = self.paths.run / "node.json"
        if not info_file.exists():
            return None
        problem = why_not_alive(self.paths.socket)
        if problem == "":
            return None  # no node running (a stale file after a crash)
        if problem is not None:
            # Say so: otherwise the command silently opens the vault itself (and asks for its
            # password), and the user wonders why the node they started was not used.
            print(f"note: not using the running node: {problem}; working without it", file=sys.stderr)
            return None
        try:
            return dict(json.loads(info_file.read_text()))
        except (OSError, ValueError):
            return None

    async def connect(self, vault: str | None = None) -> None:
        """Use the running node if it serves `vault` (or any, when no vault is needed)."""
        running = self._running_node()
        if running is not None and (vault is None or running.get("vault") == vault):
            from ..node.transport.socket_client import SocketClient

            # the node sends this command's prompts back here: answered by --yes or the terminal
            self._client = SocketClient(self.paths.socket, answer=self._answer_prompt)
            return
        if running is not None:
            print(f"note: the running node serves another vault; opening '{vault}' here", file=sys.stderr)
        self._head_start(vault)
        await self._in_process()
        if vault is not None:
            await self.unlock(vault)

    def _head_start(self, vault: str | None) -> None:
        """Cold start: derive the vault key while the node's libraries import (cli/startup.py)."""
        from . import startup

        try:
            given = passwords.scripted(getattr(self.args, "password_file", None)) if vault else None
        except passwords.PasswordUnavailable:
            given = None  # the unlock reports it
        if vault and given is not None:
            startup.start_unlocking(self.paths.vaults, vault, given)
        command = getattr(self.args, "_command", None)
        path, method = getattr(command, "path", None), getattr(command, "method", None)
        startup.import_libraries(
            startup.needs_chain(path, method), startup.reads_stored_state(method), startup.uses_web3(method)
        )

    def _answer_prompt(self, prompt: dict[str, Any]) -> Any:
        return answer_prompt(prompt, yes=getattr(self.args, "yes", False))

    async def _in_process(self) -> None:
        from ..node.node import Node
        from ..node.prompter import ApproveAllPrompter, TerminalPrompter

        if self._node is None:
            yes, failing = getattr(self.args, "yes", False), getattr(self.args, "send_failing", False)
            prompter = ApproveAllPrompter(send_failing=failing) if yes else TerminalPrompter()
            self._node = Node(self.paths.root, prompter=prompter)

    async def unlock(self, vault: str) -> None:
        given = passwords.scripted(getattr(self.args, "password_file", None))
        if given is None:
            remembered = await self.call("vault_unlockRemembered", {"name": vault}, quiet_keyring=True)
            if remembered and remembered.get("unlocked"):
                return
        pw = given if given is not None else self.password(f"Password for vault '{vault}'")
        await self.call("vault_unlock", {"name": vault, "password": pw})
        self.vault_password = pw

    def vault_password_again(self, vault: str) -> str:
        """The vault password that `secret` methods (export, backup, delete) need again: the one
        this command unlocked with, else asked (or read from --password-file/$MFOS_PASSWORD)."""
        return self.vault_password or self.password(f"Password for vault '{vault}'")

    def password(
        self, prompt: str, *, confirm: bool = False, env: str = "MFOS_PASSWORD", file: str | None = None
    ) -> str:
        try:
            return passwords.ask(
                prompt,
                file=file if file is not None else getattr(self.args, "password_file", None),
                env=env,
                confirm=confirm,
            )
        except passwords.PasswordUnavailable as exc:
            raise CliError(str(exc)) from None

    # -- calls ----------------------------------------------------------------------------------

    async def call(self, method: str, params: Any = None, *, quiet_keyring: bool = False) -> Any:
        if self._client is not None:
            import asyncio  # here: the short way to a node (through_node.py) uses `pick` without it

            resp = await asyncio.get_running_loop().run_in_executor(None, self._client.call, method, params)
            if "error" in resp:
                err = resp["error"]
                raise CliError(err.get("message", "error"), err.get("code"), err.get("data"))
            return resp.get("result")
        if self._node is None:
            await self._in_process()
        try:
            return await self._node.call(method, params, CallerContext.cli())
        except E.RpcError as exc:
            if quiet_keyring and method == "vault_unlockRemembered":
                return None
            raise CliError(exc.message, exc.code, exc.data) from None

    async def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._node is not None:
            await self._node.close()

    @property
    def node(self) -> Any:
        return self._node


def answer_prompt(prompt: dict[str, Any], *, yes: bool) -> Any:
    """A running node's prompt for this command's call: approved by --yes (and said so on
    stderr), else asked on the terminal."""
    from ..node.prompter import PromptResult, answer_on_terminal, terminal_text

    if yes:
        print(terminal_text(prompt) + "\n  (approved by --yes)", file=sys.stderr, flush=True)
        choices = prompt.get("choices") or []
        return PromptResult(True, "once" if "once" in choices or not choices else choices[0])
    return answer_on_terminal(prompt)


def pick(
    items: list[dict[str, Any]],
    ref: str,
    what: str,
    name_key: str,
    *,
    fold_name_case: bool = False,
    none: str | None = None,
) -> dict[str, Any]:
    """The one item `ref` names (id, id prefix or name), or a CliError saying why not."""
    from ..node.refs import match_ref

    hits = match_ref(items, ref, lambda x: x["id"], lambda x: x.get(name_key, ""), fold_name_case=fold_name_case)
    if not hits:
        raise CliError(none or f"No {what} matches '{ref}'")
    if len(hits) > 1:
        raise CliError(f"'{ref}' matches several {what}s: use the id")
    return hits[0]


def resolve_path(p: str) -> str:
    return str(Path(p).expanduser().resolve())
