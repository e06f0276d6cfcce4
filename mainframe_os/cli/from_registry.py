"""`mfos <namespace> <method>`: one command per node method, built from its declaration.

Every method a trusted caller may use (all but those declared `app_only=True`, which act on the
calling app's own data) gets a command named by its wire name split at the underscore, the method
part in kebab-case (`wallet_getBalances` -> `mfos wallet get-balances`; the camelCase spelling
`mfos wallet getBalances` works too). Its arguments come from the method's `Param`s by one rule:

- a required param is a positional argument (in declaration order), an optional one a flag:
  `address` -> `--address`, `identityId` -> `--identity` (a trailing `Id` is dropped from a
  string naming an item: `chainId` stays `--chain-id`);
- `integer`/`number` params are parsed as numbers, `boolean` ones are switches (`--rekey`;
  a required or default-true one is `--enabled/--no-enabled`), `object`/`array` ones are JSON
  (an array flag is repeated: `--grant A --grant B`), `any` is a JSON object/array when
  it looks like one, otherwise the text as typed (amounts stay exact decimals);
- `secret` params never come from argv (an optional one is left out): the vault password a
  `secret` method needs again is the one this command unlocked with, else asked as
  `Password for vault 'NAME'` (or read from --password-file / $MFOS_PASSWORD); other passwords
  are asked on the terminal, keys and phrases read without echo (or one line of stdin);
- methods that take standard Ethereum positional params (`eth_*`) take them as JSON values;
- a method that needs an open vault takes `--vault`;
- an `identityId` or `walletId` may be given by id, id prefix or name (`refs.match_ref`).

`--help` prints the method's docstring and each param's description. Output goes through the
formatter registered for the method (`cli/formats.py`), `--json` prints the raw result.

Where a command had a name or flags before the registry made it (`wallet balances`,
`contact add --name`, `contact hold --for-me on`), `declarations.py` (and comms_/files_declarations.py)
keep them with `shape(...)`: an alias with renamed flags or words for values, still built from the
same `Param`s. A param naming a file on this machine is declared `local_paths`: made absolute here.
Multi-step flows (`@command(..., method=...)`) take the method's generated name and stand for it.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from ..node.registry import app_only
from .formats import formatter_for

if TYPE_CHECKING:
    import argparse

    from ..node.params import Param
    from .framework import Arg, Command
    from .method_specs import MethodSpec as Method
    from .session import CliSession

# the global options: a param flag must not shadow one of them
RESERVED_FLAGS = {"--home", "--json", "--password-file", "--yes", "--send-failing", "--verbose", "--version", "--vault"}


# Prompt, Ref and Shape are NamedTuples, not dataclasses: the declarations that use them load
# before a command goes to a running node (through_node.py), where importing dataclasses costs
# more than the call. The dicts they hold are never changed after the declaration.


class Prompt(NamedTuple):
    """How the CLI asks for a secret param. `text` may name the call's params: `{name}`."""

    text: str
    confirm: bool = False
    env: str = "MFOS_PASSWORD"
    file_flag: str | None = None  # a flag naming a file to read it from (else --password-file for $MFOS_PASSWORD)


class Ref(NamedTuple):
    """A param naming one item by id, id prefix or name (`refs.match_ref`), among `list_method`'s."""

    list_method: str
    what: str
    name_key: str
    fold_name_case: bool = False


class Shape(NamedTuple):
    """How a method looks on the command line where the rule is not what users already type."""

    method: str
    path: tuple[str, ...] | None = None  # None: adjusts the method's own command
    positional: tuple[str, ...] | None = None  # params given positionally (default: the required ones)
    flags: dict[str, str] = {}  # param -> flag, e.g. {"query": "--search"}
    prompts: dict[str, Prompt] = {}
    refs: dict[str, Ref] = {}
    defaults: dict[str, Any] = {}  # a flag's value when not given
    help: str | None = None
    # param -> the words typed for its values, e.g. {"confirm": {"yes": True, "no": False}}
    words: dict[str, dict[str, Any]] = {}
    # params naming a file on this machine: made absolute here, since the node (perhaps a running
    # launcher) has its own working folder
    local_paths: tuple[str, ...] = ()


SHAPES: dict[str, list[Shape]] = {}

# Params that name an item the same way in every method: given by id, id prefix or name.
DEFAULT_REFS = {
    "identityId": Ref("identity_list", "identity", "displayName"),
    "walletId": Ref("wallet_list", "wallet", "name"),
}


def shape(method: str, path: str | None = None, **kw: Any) -> None:
    """Declare an alias (`path`) or an adjustment (no `path`) of `method`'s command."""
    SHAPES.setdefault(method, []).append(Shape(method, tuple(path.split()) if path else None, **kw))


# -- names ---------------------------------------------------------------------------------------


def kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).replace("_", "-").lower()


def wire_spelling(argv: list[str], paths: set[tuple[str, ...]]) -> list[str]:
    """argv with a method spelled as on the wire (`mfos wallet getBalances`) turned into its
    command name (`get-balances`), so both work while `--help` lists each command once."""
    words = [i for i, tok in enumerate(argv) if not tok.startswith("-")]
    for first, second in zip(words, words[1:], strict=False):
        kebabbed = kebab(argv[second])
        if kebabbed != argv[second] and (argv[first], kebabbed) in paths:
            return [*argv[:second], kebabbed, *argv[second + 1 :]]
    return argv


def default_path(method_name: str) -> tuple[str, str]:
    ns, rest = method_name.split("_", 1)
    return ns, kebab(rest)


def flag_for(p: Param) -> str:
    """`identityId` -> `--identity` (a string naming an item), `chainId` -> `--chain-id` (a number),
    `rpcUrl` -> `--rpc-url`."""
    names_an_item = p.name.endswith("Id") and len(p.name) > 2 and p.type == "string"
    return "--" + kebab(p.name[:-2] if names_an_item else p.name)


def dest_for(param_name: str) -> str:
    return "p_" + param_name


def cli_visible(m: Method) -> bool:
    """A method a trusted caller may use from a terminal: all but those acting for a calling app.

    The rule the dispatcher refuses trusted callers by (`registry.app_only`), so a command can
    only exist for a method the CLI is allowed to call."""
    return not app_only(m.extra)


# -- arguments -----------------------------------------------------------------------------------


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        import argparse  # here, not at the top: a command sent to a running node parses without it

        raise argparse.ArgumentTypeError(f"not JSON: {text[:40]!r}") from None


def _json_of(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = _json_value(text)
        if not isinstance(value, kind):
            import argparse

            raise argparse.ArgumentTypeError(f"must be a JSON {'object' if kind is dict else 'array'}")
        return value

    parse.__name__ = "JSON " + ("object" if kind is dict else "array")  # argparse names it in errors
    return parse


def _any_value(text: str) -> Any:
    """JSON when it looks like an object or array; otherwise the text as typed ("0.5" stays a string)."""
    return _json_value(text) if text[:1] in ("{", "[") else text


def _loose_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # an address or a block tag typed without quotes


_TYPES: dict[str, Any] = {"integer": int, "number": float, "object": _json_of(dict), "any": _any_value}


def param_arg(p: Param, sh: Shape) -> Arg:
    """The argparse argument for one (non-secret) param."""
    from .framework import arg

    help_text = p.description or (None if p.type in ("string", "boolean") else p.type)
    positional = p.name in (sh.positional if sh.positional is not None else _required(p))
    if p.name in sh.words:
        choices = list(sh.words[p.name])
        if positional:
            return arg(dest_for(p.name), choices=choices, help=help_text)
        return arg(sh.flags.get(p.name, flag_for(p)), dest=dest_for(p.name), choices=choices, help=help_text)
    if p.type == "boolean":
        flag = sh.flags.get(p.name, flag_for(p))
        if p.required or p.default is True:
            import argparse

            action: Any = argparse.BooleanOptionalAction
            return arg(flag, dest=dest_for(p.name), action=action, required=p.required, default=None, help=help_text)
        return arg(flag, dest=dest_for(p.name), action="store_true", default=None, help=help_text)
    kwargs: dict[str, Any] = {"help": help_text}
    if p.type == "array":
        many = ("+" if p.required else "*") if positional else None
        kwargs.update(type=_loose_json, nargs=many, action=None if positional else "append")
    elif p.type in _TYPES:
        kwargs["type"] = _TYPES[p.type]
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if positional:
        if not p.required and p.type != "array":
            kwargs["nargs"] = "?"
        return arg(dest_for(p.name), metavar=flag_for(p)[2:].upper().replace("-", "_"), **kwargs)
    if p.name in sh.defaults:
        kwargs["default"] = sh.defaults[p.name]
    required = p.required and p.name not in sh.defaults
    flag = sh.flags.get(p.name, flag_for(p))
    metavar = flag_for(p)[2:].upper().replace("-", "_")
    return arg(flag, dest=dest_for(p.name), metavar=metavar, required=required, **kwargs)


def _required(p: Param) -> tuple[str, ...]:
    return (p.name,) if p.required and not p.secret and p.type != "boolean" else ()


# -- building ------------------------------------------------------------------------------------


def command_for(m: Method, sh: Shape) -> Command:
    """The command that calls `m`, shaped by `sh` (at `sh.path`, or the method's own name)."""
    from .framework import Command, arg

    args: list[Arg] = []
    if m.extra.get("raw_params"):
        args.append(arg("p_params", metavar="PARAM", nargs="*", type=_loose_json, help="JSON values, in order"))
    else:
        args += [param_arg(p, sh) for p in m.params if not p.secret]
        for prompt in sh.prompts.values():
            if prompt.file_flag:
                args.append(arg(prompt.file_flag, dest="f_" + prompt.file_flag.lstrip("-").replace("-", "_")))
    doc = m.doc
    path = sh.path or default_path(m.name)
    plan = call_plan(m, sh)
    return Command(
        path=path,
        help=sh.help or m.summary or m.name,
        args=tuple(args),
        handler=_handler(m, sh, plan),
        vault="required" if m.needs_vault else "none",
        formatter=formatter_for(m.name),
        method=m.name,
        description=_description(m, doc, sh),
        plan=plan,
    )


def call_plan(m: Method, sh: Shape) -> dict[str, Any]:
    """What the command sends, as JSON data: the method and, per (non-secret) param, the argparse
    dest its value is read from and how it becomes the call's value (`words` typed for values, a
    `localPath` made absolute, a `ref` naming an item). `asks`: the secret params asked for."""
    refs = {**DEFAULT_REFS, **sh.refs}
    params: list[dict[str, Any]] = []
    for p in m.params:
        if p.secret:
            continue
        entry: dict[str, Any] = {"name": p.name, "dest": dest_for(p.name), "required": p.required}
        if p.name in sh.words:
            entry["words"] = sh.words[p.name]
        if p.name in sh.local_paths:
            entry["localPath"] = True
        if p.name in refs:
            r = refs[p.name]
            entry["ref"] = [r.list_method, r.what, r.name_key, r.fold_name_case]
        params.append(entry)
    return {
        "method": m.name,
        "needsVault": m.needs_vault,
        "rawParams": bool(m.extra.get("raw_params")),
        "params": params,
        "asks": [p.name for p in m.params if p.secret and (p.required or p.name in sh.prompts)],
    }


def params_from(plan: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Ref]]]:
    """The call's params from the parsed values (by argparse dest), and the params naming an item
    by ref, in order: their values are resolved to ids by the caller (it needs the node)."""
    params: dict[str, Any] = {}
    refs: list[tuple[str, Ref]] = []
    for p in plan["params"]:
        value = values.get(p["dest"])
        if "words" in p and value is not None:
            value = p["words"][value]
        if p.get("localPath") and isinstance(value, str):
            value = os.path.abspath(os.path.expanduser(value))
        if "ref" in p and value is not None:
            refs.append((p["name"], Ref(*p["ref"])))
        if value is not None or p["required"]:
            params[p["name"]] = value
    return params, refs


def _description(m: Method, doc: str, sh: Shape) -> str:
    text = (sh.help + "\n\n" if sh.help else "") + (doc or m.summary)
    secrets = [p.name for p in m.params if p.secret]
    if secrets:
        text += "\n\nAsked, never taken from the command line: " + ", ".join(secrets) + "."
    if sh.local_paths:
        names = ", ".join(flag_for(p)[2:].upper() for p in m.params if p.name in sh.local_paths)
        text += f"\n\nA relative {names} is taken from the current folder."
    return text + f"\n\nNode method: {m.name}"


def _handler(m: Method, sh: Shape, plan: dict[str, Any]) -> Any:
    async def run(s: CliSession, a: argparse.Namespace) -> Any:
        vault = getattr(a, "vault", None)
        await s.connect(vault if m.needs_vault else None)
        if m.extra.get("raw_params"):
            return await s.call(m.name, list(a.p_params))
        params, refs = params_from(plan, vars(a))
        for name, ref in refs:
            params[name] = await _resolve(s, ref, params[name])
        for p in m.params:
            if p.secret and (p.required or p.name in sh.prompts):  # an optional secret is not asked for
                params[p.name] = _ask_secret(s, m, p, sh, params, a)
        return await s.call(m.name, params)

    return run


async def _resolve(s: CliSession, ref: Ref, value: str) -> str:
    from .session import pick

    items = await s.call(ref.list_method)
    return str(pick(items, value, ref.what, ref.name_key, fold_name_case=ref.fold_name_case)["id"])


def _ask_secret(s: CliSession, m: Method, p: Param, sh: Shape, params: dict[str, Any], a: Any) -> Any:
    from .asking import ask_secret

    return ask_secret(s, m, p, sh.prompts.get(p.name), params, a)


def generate(taken: list[Command], methods: list[Method]) -> list[Command]:
    """One command per CLI-visible method, plus the declared aliases.

    A flow in `taken` (`@command(..., method=...)`) stands for its method: it gets the method's
    name as an alias (in place, in `taken`) instead of a second, plain command."""
    import dataclasses

    from . import comms_declarations, declarations, files_declarations  # noqa: F401 - fill SHAPES and FORMATTERS

    flows = {c.method: i for i, c in enumerate(taken) if c.method}
    held = {c.path for c in taken}
    out: list[Command] = []
    for m in methods:
        if not cli_visible(m):
            continue
        own = next((sh for sh in SHAPES.get(m.name, []) if sh.path is None), Shape(m.name))
        path = default_path(m.name)
        flow = flows.get(m.name)
        if path in held:
            pass  # a flow (or an alias declared earlier) already answers to this name
        elif flow is not None and taken[flow].path[:-1] == path[:-1]:
            taken[flow] = dataclasses.replace(taken[flow], aliases=(*taken[flow].aliases, path[1]))
        else:
            out.append(command_for(m, own))
        held.add(path)
        for sh in SHAPES.get(m.name, []):
            if sh.path is not None and sh.path not in held:
                out.append(command_for(m, _merged(own, sh)))
                held.add(sh.path)
    return out


def _merged(own: Shape, alias: Shape) -> Shape:
    return Shape(
        own.method,
        alias.path,
        alias.positional if alias.positional is not None else own.positional,
        {**own.flags, **alias.flags},
        {**own.prompts, **alias.prompts},
        {**own.refs, **alias.refs},
        {**own.defaults, **alias.defaults},
        alias.help or own.help,
        {**own.words, **alias.words},
        alias.local_paths or own.local_paths,
    )
