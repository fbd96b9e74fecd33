"""The README documents the whole command line, in the manner of sqlite-utils' test_docs.py: every
command and every option of every command (the group's own too) is named in README.md, so a new
option cannot ship unexplained."""

import re

import click
import pytest

from handouts.cli import cli
from handouts.server import PROXY_HEADERS

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def commands(
    group: click.Group = cli, parent: click.Context | None = None
) -> list[tuple[click.Context, click.Command]]:
    """(its context, command) for the group itself and every command below it, hidden ones aside. Each
    context is made as Click makes it (the command's settings, its parent's), so that the help option
    it builds, which Click keeps on the command, is the one a user gets (`-h/--help`)."""
    context = click.Context(
        group, info_name=group.name if parent else "handouts", parent=parent, **group.context_settings
    )
    found: list[tuple[click.Context, click.Command]] = [(context, group)]
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        if isinstance(command, click.Group):
            found += commands(command, context)
        else:
            found.append((click.Context(command, info_name=name, parent=context, **command.context_settings), command))
    return found


def option_names(context: click.Context, command: click.Command) -> list[str]:
    """How the README must name each option: by each of its long names (`--sedation`, `--no-sedation`),
    or by its short one where it has no long name (`-o`); `-h/--help` too."""
    names = []
    for param in command.get_params(context):
        if isinstance(param, click.Option) and not param.hidden:
            every = [*param.opts, *param.secondary_opts]
            names += [name for name in every if name.startswith("--")] or every
    return names


def named(text: str) -> re.Pattern[str]:
    """The text as a whole word of the README: `--out` is not found inside `--output`."""
    return re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w-])")


COMMANDS = [(context.command_path, context, command) for context, command in commands()]
OPTIONS = [(name, option) for name, context, command in COMMANDS for option in option_names(context, command)]


def test_every_command_is_walked():
    assert {"handouts build", "handouts serve", "handouts check", "handouts approve"} <= {
        name for name, _, _ in COMMANDS
    }


@pytest.mark.parametrize("name", [name for name, _, _ in COMMANDS])
def test_every_command_is_in_the_readme(name):
    assert named(name).search(README), f"README.md does not mention `{name}`"


@pytest.mark.parametrize("command,option", OPTIONS, ids=[f"{command} {option}" for command, option in OPTIONS])
def test_every_option_is_in_the_readme(command, option):
    assert named(option).search(README), f"README.md does not mention `{command} {option}`"


def test_the_nginx_example_sets_every_forwarded_header_the_server_believes():
    """nginx passes on a header the browser sent unless told to set it: with X-Forwarded-Host missing
    from the example, a browser's own was believed as coming from the proxy."""
    example = re.search(r"```\nserver \{\n.*?\n```", README, re.DOTALL)
    assert example is not None
    set_headers = {name.lower() for name in re.findall(r"proxy_set_header (\S+) ", example.group(0))}
    assert set_headers >= PROXY_HEADERS, PROXY_HEADERS - set_headers
