"""The ``socialgraph`` command line without servers: ``--version``, help text
on every command, and the environment ``socialgraph dev`` hands its children."""
from __future__ import annotations

from pathlib import Path

import click
import flask
import pytest

import socialgraph
from socialgraph import cli


def test_version_is_the_package_version_not_flasks(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.strip() == f"socialgraph {cli.package_version()}"
    assert cli.package_version() == socialgraph.__version__
    assert "Flask" not in out and "Werkzeug" not in out


def _walk(group: click.Group, ctx: click.Context, path=()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, click.Context(cmd, parent=ctx, info_name=name), (*path, name))


def test_every_command_has_help_text():
    group = cli.make_group()
    # closed when done: FlaskGroup.get_command pushes the app it loads (create_app()
    # with the default settings) as a resource of this context; left open, that app
    # context outlived the test and every later CLI invocation ran on it (the
    # default ports) instead of its own app
    with click.Context(group, info_name="socialgraph") as ctx:
        commands = dict(_walk(group, ctx))
    assert not flask.current_app, "the command walk left an app context pushed"
    # ours, and those of the extensions the app registers
    for name in [("users", "create"), ("users", "set-role"), ("outbox", "drain"), ("worker",), ("dev",),
                 ("db", "init"), ("media", "cleanup"), ("doctor",)]:
        assert name in commands, name
    missing = [" ".join(p) for p, cmd in commands.items() if not (cmd.help or cmd.short_help or "").strip()]
    assert not missing, f"commands without help: {missing}"
    # every option of our commands says what it does
    ours = [(p, c) for p, c in commands.items() if c.callback and c.callback.__module__.startswith("socialgraph")]
    assert len(ours) >= 10
    bare = [f"{' '.join(p)} {o.name}" for p, c in ours for o in c.params
            if isinstance(o, click.Option) and not (o.help or "").strip()]
    assert not bare, f"options without help: {bare}"


def test_dev_honours_the_mail_outbox_dir_and_public_url():
    stack_env = {"SG_REDIS_URL": "redis://127.0.0.1:6379/0"}
    env = cli.dev_env(stack_env, Path("/data"), "127.0.0.1", 5000,
                      {"SG_MAIL_OUTBOX_DIR": "/mail/here", "SG_PUBLIC_BASE_URL": "https://x.test", "HOME": "/h"})
    assert env["SG_MAIL_OUTBOX_DIR"] == "/mail/here" and env["SG_PUBLIC_BASE_URL"] == "https://x.test"
    assert env["HOME"] == "/h" and env["SG_REDIS_URL"] == "redis://127.0.0.1:6379/0"
    default = cli.dev_env(stack_env, Path("/data"), "0.0.0.0", 8080, {})
    assert default["SG_MAIL_OUTBOX_DIR"] == "/data/outbox"
    assert default["SG_PUBLIC_BASE_URL"] == "http://0.0.0.0:8080"
