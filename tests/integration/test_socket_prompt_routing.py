"""Many socket clients at once, each answering the prompts of its own calls over a real Unix
socket: answers never cross between clients, and a client that does not answer gets the
headless node's refusal, which says why."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.dispatcher import Dispatcher
from mainframe_os.node.node import Node
from mainframe_os.node.prompter import PromptRequest, PromptResult
from mainframe_os.node.registry import REGISTRY, TRUSTED, Method, Registry
from mainframe_os.node.transport.local_socket import SocketClient, SocketServer


async def ask_handler(node: Node, ctx: Any, what: str) -> dict[str, Any]:
    answer = await node.prompter.ask(PromptRequest("confirm", ctx, f"Do {what}?", {"what": what}))
    return {"approved": answer.approved, "choice": answer.choice}


def _registry_with_a_prompting_method() -> Registry:
    """The real methods plus one that only asks (no chain needed), for this test's node only."""
    from mainframe_os.node.params import Param

    reg = Registry()
    reg._loaded = True
    for m in REGISTRY.all():
        reg.add(m)
    reg.add(Method("test_ask", ask_handler, (Param("what"),), TRUSTED, False, "ask"))
    return reg


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Node, Path]]:
    node = Node(tmp_path / "home")  # headless: nobody at the node to approve
    node.dispatcher = Dispatcher(node, _registry_with_a_prompting_method())
    path = Path("/tmp") / f"mfos-test-{id(node)}.sock"  # short: Unix socket paths are limited to ~100 bytes
    server = SocketServer(node, path)
    await server.start()
    yield node, path
    await server.stop()
    await node.close()


async def test_each_client_answers_its_own_prompts(served: tuple[Node, Path]) -> None:
    node, path = served
    asked: list[int] = []

    def client(i: int) -> list[dict[str, Any]]:
        def answer(prompt: dict[str, Any]) -> PromptResult:
            assert prompt["title"] == f"Do job {i}?" and prompt["caller"] == "cli"  # its own prompt, decoded
            asked.append(i)
            return PromptResult(i % 2 == 0, "approve")

        with SocketClient(path, timeout=60, answer=answer) as c:
            return [c.call("test_ask", {"what": f"job {i}"}) for _ in range(3)]

    loop = asyncio.get_running_loop()
    results = await asyncio.gather(*(loop.run_in_executor(None, client, i) for i in range(12)))
    for i, calls in enumerate(results):
        assert [r["result"]["approved"] for r in calls] == [i % 2 == 0] * 3, (i, calls)
    assert sorted(asked) == sorted(list(range(12)) * 3)  # every call asked its own client, once

    # a client that does not answer prompts: the headless node says nobody can approve
    def silent() -> dict[str, Any]:
        with SocketClient(path, timeout=60) as c:
            return c.call("test_ask", {"what": "anything"})

    resp = await loop.run_in_executor(None, silent)
    assert resp["error"]["code"] == 4001
    assert resp["error"]["message"] == E.NobodyToApprove.default_message


async def test_a_client_that_leaves_mid_prompt_is_refused_and_the_server_goes_on(served: tuple[Node, Path]) -> None:
    node, path = served
    loop = asyncio.get_running_loop()

    def leave_mid_prompt() -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(str(path))
        f = s.makefile("rwb")
        f.write(
            b'{"jsonrpc":"2.0","id":1,"method":"node_answerPrompts"}\n{"jsonrpc":"2.0","id":2,"method":"test_ask","params":{"what":"x"}}\n'
        )
        f.flush()
        assert b'"result":true' in f.readline()
        assert b'"prompt_ask"' in f.readline()  # the prompt came back to us; now we go away
        s.close()

    await loop.run_in_executor(None, leave_mid_prompt)

    # the server still answers others, and nothing is left waiting
    def status() -> Any:
        with SocketClient(path, timeout=30, answer=lambda p: PromptResult(True, "approve")) as c:
            return c.call("test_ask", {"what": "after"})

    assert (await loop.run_in_executor(None, status))["result"]["approved"] is True
    assert node.prompter.waiting("cli:socket-1") == 0


async def test_a_client_that_sends_and_half_closes_still_gets_every_answer(served: tuple[Node, Path]) -> None:
    """`printf '...' | socat - UNIX:node.sock`: the requests read before the end are all answered."""
    _, path = served

    def send_and_half_close() -> list[bytes]:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(str(path))
        s.sendall(b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"node_version"}\n' % i for i in range(5)))
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        return data.splitlines()

    lines = await asyncio.get_running_loop().run_in_executor(None, send_and_half_close)
    assert [json.loads(line)["id"] for line in lines] == list(range(5))
