"""Mutation testing of the security-critical code against its tests.

    .venv/bin/python bench/mutation.py --jobs 2             # every target, two sessions, 90 min budget
    .venv/bin/python bench/mutation.py --targets visibility,group_roles --budget 600
    .venv/bin/python bench/mutation.py --list               # the mutants, without running
    .venv/bin/python bench/mutation.py --survivors-of bench/results/mutation.json   # re-check survivors only

Each target is a set of functions (post visibility, blocks and mutes,
privacy, sessions and token revocation, group roles, idempotency) and the
test files that guard them. A mutant is one small change of one function's
syntax tree (a comparison operator, ``and``/``or``, a dropped ``not``, a
flipped boolean, an integer off by one, ``return x`` -> ``return None``, a
``raise`` dropped); it is *killed* when one of the target's tests fails (or
times out) and *survives* when they all pass.

Why not mutmut or cosmic-ray: both run a fresh test process per mutant,
and every process of this suite starts its four real servers (ArcadeDB's
JVM, SecantusDB, SeaweedFS, Valkey: tens of seconds on 2 shared cores)
before the first test. Here one pytest session starts the servers once; a
mutant is applied by swapping the ``__code__`` of the live function object
(so every module that imported the function sees the mutant) and the
target's tests are run again in the same session (stop at the first
failure, like ``-x``), then the original code is put back.

Prints one line per mutant and a summary per target; ``--json`` writes the
results (``bench/results/mutation.json`` by default). Survivors are listed
in BENCHMARKS.md ("Mutation testing") with a new test or an explanation.

Declared equivalent mutants: a source line ending in ``# pragma: no mutate
(<why>)`` (mutmut's spelling) is still enumerated, but its mutants are not
run; they are reported as ``equivalent`` with the reason, and every score is
printed twice: raw (declared ones count as survivors) and excluding them.
Prefer a test that kills a mutant, or a rewrite that makes the equivalent
form disappear (a projection as a list of field names), over declaring it.
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib
import inspect
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: ``# pragma: no mutate (reason)`` at the end of a line: its mutants are declared equivalent
PRAGMA = re.compile(r"#\s*pragma:\s*no mutate\b\s*(?:\((?P<why>.*)\))?")

#: target -> (module, function qualnames, test node-id selectors)
TARGETS: dict[str, tuple[str, list[str], list[str]]] = {
    "visibility": ("socialgraph.content.visibility", ["can_view_post", "visible_with", "prefilter"], [
        "tests/unit/content/test_visible_with.py",
        "tests/api/content/test_visibility_contracts.py",
        "tests/api/content/test_audiences_cross_author.py::test_prefilter_across_authors_agrees_with_can_view_post",
        "tests/api/content/test_audiences_cross_author.py",
        "tests/api/content/test_visibility_edges.py",
        "tests/api/content/test_visibility_shares.py::test_prefilter_agrees_with_can_view_post",
        "tests/api/content/test_visibility_shares.py::test_audiences_on_single_reads_lists_tags_search_and_threads",
        "tests/api/content/test_visibility_shares.py::test_blocks_hide_posts_threads_and_reactions_both_ways",
    ]),
    "blocks_mutes": ("socialgraph.graph.relations", ["relationship", "blocked_either_way", "hidden_authors",
                                                      "audience_sets", "audience_among"], [
        "tests/api/graph/test_relations_contracts.py",
        "tests/api/content/test_visibility_edges.py::test_relationship_of_anonymous_and_self_is_empty",
        "tests/api/graph/test_blocks_mutes.py",
        "tests/api/content/test_audiences_cross_author.py",
        "tests/api/content/test_visibility_shares.py::test_blocks_hide_posts_threads_and_reactions_both_ways",
    ]),
    "privacy": ("socialgraph.graph.privacy", ["Access.is_self", "Access.profile", "Access.followers",
                                              "Access.friend_list", "Access.message", "Access.friend_request",
                                              "can_view_profile", "can_message", "can_send_friend_request",
                                              "require_list_access"], [
        "tests/api/graph/test_privacy_lists_suggestions.py::test_privacy_helpers_refuse_unknown_owners_blocks_and_settings",
        "tests/api/graph/test_privacy_lists_suggestions.py::test_privacy_settings_defaults_validation_and_enforcement",
        "tests/api/graph/test_privacy_lists_suggestions.py::test_who_may_send_friend_requests",
        "tests/api/graph/test_privacy_lists_suggestions.py::test_privacy_helpers_for_other_areas",
    ]),
    "sessions": ("socialgraph.accounts.sessions", ["revoke", "revoke_all", "logout", "is_token_revoked",
                                                   "verdict", "require_active", "list_active"], [
        "tests/unit/accounts/test_session_verdict.py",
        "tests/api/accounts/test_revocation_paths.py",
        "tests/api/accounts/test_session_durability.py::test_refresh_checks_the_durable_session_and_the_account",
        "tests/api/accounts/test_sessions_and_login_monitor.py::test_logout_tells_the_revocation_listeners_and_revoke_all_counts",
        "tests/api/accounts/test_sessions_and_login_monitor.py::test_sessions_listed_revoked_one_and_all",
        "tests/api/accounts/test_sessions_and_login_monitor.py::test_password_change_revokes_the_other_sessions",
        "tests/api/accounts/test_accounts.py",
    ]),
    "group_roles": ("socialgraph.groups.membership", ["_check_outranks", "remove_member", "ban", "set_role",
                                                      "leave"], [
        "tests/api/groups/test_group_ranks.py::test_removal_by_a_sole_admin_of_a_second_admin_and_of_a_non_member",
        "tests/api/groups/test_group_last_admin.py",
        "tests/api/groups/test_group_ranks.py",
    ]),
    "idempotency": ("socialgraph.http.idempotency", ["_fingerprint", "_file_digest", "_multipart_digest", "before", "after"], [
        "tests/api/http/test_idempotency_edges.py::test_a_multipart_upload_with_a_key_keeps_its_body_and_is_replayed",
        "tests/api/http/test_idempotency_edges.py",
        "tests/api/http/test_limits_idempotency_headers.py::test_idempotency_key_replays_and_creates_once",
        "tests/api/http/test_limits_idempotency_headers.py::test_idempotency_key_in_flight_is_409",
    ]),
}

_COMPARE_SWAP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
                 ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


@dataclass
class Mutant:
    target: str
    function: str
    line: int
    description: str
    path: tuple  # where the node is: indices into the function's ast.walk order
    status: str = "pending"  # killed | survived | timeout | error | equivalent (declared)
    seconds: float = 0.0
    killed_by: str = ""  # the failing test; for ``equivalent``, the pragma's reason


@dataclass
class Result:
    mutants: list[Mutant] = field(default_factory=list)


def _find_function(tree: ast.AST, qualname: str) -> ast.AST:
    parts = qualname.split(".")
    scope: list[ast.stmt] = tree.body  # type: ignore[attr-defined]
    node = None
    for part in parts:
        node = next(n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and n.name == part)
        scope = node.body
    return node


def _mutations(fn: ast.AST):
    """``(index in ast.walk(fn), description, mutate(node) -> None)`` for every mutant of ``fn``."""
    for i, node in enumerate(ast.walk(fn)):
        if node is fn:
            continue
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                swap = _COMPARE_SWAP.get(type(op))
                if swap:
                    def m(n, k=k, swap=swap):
                        n.ops[k] = swap()
                    yield i, f"{type(op).__name__} -> {swap.__name__}", m
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield i, f"{type(node.op).__name__} -> {other.__name__}", lambda n, o=other: setattr(n, "op", o())
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield i, "drop not", None  # handled by replacing the node in its parent
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield i, f"{node.value} -> {not node.value}", lambda n: setattr(n, "value", not n.value)
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield i, f"{node.value} -> {node.value + 1}", lambda n: setattr(n, "value", n.value + 1)
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and not node.value.value):  # False -> None is equivalent
            yield i, "return None", lambda n: setattr(n, "value", ast.Constant(None))
        elif isinstance(node, ast.Raise):
            yield i, "drop raise", None


def _apply(fn: ast.AST, index: int, description: str, mutate) -> None:
    nodes = list(ast.walk(fn))
    target = nodes[index]
    if mutate is not None:
        mutate(target)
        return
    replacement = target.operand if description == "drop not" else ast.Pass()
    for parent in nodes:
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, replacement)
                return
            if isinstance(value, list) and any(v is target for v in value):
                setattr(parent, name, [replacement if v is target else v for v in value])
                return
    raise RuntimeError("node not found")


def _code_of(code, qualname: str):
    for const in code.co_consts:
        if inspect.iscode(const):
            if const.co_qualname == qualname:
                return const
            found = _code_of(const, qualname)
            if found is not None:
                return found
    return None


def _live_function(module, qualname: str):
    obj = module
    for part in qualname.split("."):
        obj = inspect.getattr_static(obj, part)
    if isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    return obj


def enumerate_mutants(names: list[str]) -> list[tuple[Mutant, object]]:
    out = []
    for target in names:
        module_name, functions, _ = TARGETS[target]
        module = importlib.import_module(module_name)
        source = Path(module.__file__).read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        for qualname in functions:
            fn = _find_function(tree, qualname)
            for index, description, mutate in _mutations(fn):
                node = list(ast.walk(fn))[index]
                line = getattr(node, "lineno", fn.lineno)
                m = Mutant(target, qualname, line, description, (index,))
                pragma = PRAGMA.search(lines[line - 1])
                if pragma:
                    m.status, m.killed_by = "equivalent", (pragma.group("why") or "declared").strip()
                out.append((m, (module, tree, qualname, index, description, mutate)))
    return out


def mutant_code(spec):
    module, tree, qualname, index, description, mutate = spec
    t = copy.deepcopy(tree)
    _apply(_find_function(t, qualname), index, description, mutate)
    ast.fix_missing_locations(t)
    code = compile(t, module.__file__, "exec")
    found = _code_of(code, qualname)
    if found is None:
        raise RuntimeError(f"no code for {qualname}")
    return found


class _Timeout(Exception):
    pass


class MutationPlugin:
    """Replaces pytest's test loop: baseline, then every mutant against its target's tests."""

    def __init__(self, names: list[str], budget: float, out: Path, only: set | None = None):
        self.names, self.budget, self.out, self.only = names, budget, out, only
        self.mutants: list[Mutant] = []

    def _items_for(self, session, target):
        selectors = TARGETS[target][2]

        def rank(it):  # in the order of the selectors: the quickest, sharpest tests are listed first
            return next(i for i, s in enumerate(selectors) if it.nodeid == s or it.nodeid.startswith(s + "::")
                        or it.nodeid.startswith(s + "["))
        chosen = [it for it in session.items if any(it.nodeid == s or it.nodeid.startswith(s + "::")
                                                    or it.nodeid.startswith(s + "[") for s in selectors)]
        return sorted(chosen, key=rank)

    def _run(self, session, items, timeout: float) -> tuple[bool, str]:
        """Run ``items`` in order; ``(all passed, first failing node id)``."""
        from _pytest.runner import runtestprotocol

        def on_alarm(*_):
            raise _Timeout()

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            for i, item in enumerate(items):
                item._initrequest()
                nxt = items[i + 1] if i + 1 < len(items) else (items[0] if len(items) > 1 else item.parent)
                reports = runtestprotocol(item, nextitem=nxt, log=False)
                if any(r.failed for r in reports):
                    session._setupstate.teardown_exact(items[0] if len(items) > 1 else item.parent)
                    return False, item.nodeid
            return True, ""
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    def pytest_runtestloop(self, session):
        start = time.monotonic()
        specs = enumerate_mutants(self.names)
        by_target: dict[str, list] = {}
        for m, spec in specs:
            if self.only is None or (m.target, m.function, m.line, m.description) in self.only:
                by_target.setdefault(m.target, []).append((m, spec))
        summary = {}
        loop_start = time.monotonic()
        for t_index, target in enumerate(self.names):
            items = self._items_for(session, target)
            if not items:
                print(f"[{target}] no tests selected", flush=True)
                continue
            if session._setupstate.stack:
                session._setupstate.teardown_exact(items[0])
            t0 = time.monotonic()
            ok, failing = self._run(session, items, 600)
            session._setupstate.teardown_exact(session)
            base = time.monotonic() - t0
            if not ok:
                print(f"[{target}] baseline fails at {failing}: fix the tests first", flush=True)
                summary[target] = {"baseline_failed": failing}
                continue
            print(f"[{target}] {len(items)} tests, baseline {base:.0f} s, {len(by_target.get(target, []))} mutants",
                  flush=True)
            module = importlib.import_module(TARGETS[target][0])
            target_start = time.monotonic()
            # the budget left, shared by the targets left: time a quick target does not use rolls over
            share = (self.budget - (target_start - loop_start)) / (len(self.names) - t_index)
            for m, spec in by_target.get(target, []):
                if m.status == "equivalent":
                    self.mutants.append(m)
                    print(f"  {m.status:8s} {m.function}:{m.line} {m.description}  (declared: {m.killed_by})",
                          flush=True)
                    continue
                if time.monotonic() - target_start > share:
                    m.status = "not run (budget)"
                    continue
                self.mutants.append(m)
                fn = _live_function(module, m.function)
                original = fn.__code__
                t1 = time.monotonic()
                try:
                    fn.__code__ = mutant_code(spec)
                    passed, failing = self._run(session, items, max(3 * base, 60))
                    m.status, m.killed_by = ("survived", "") if passed else ("killed", failing)
                except _Timeout:
                    m.status = "timeout"
                    session._setupstate.teardown_exact(items[0] if len(items) > 1 else items[0].parent)
                except Exception as exc:  # a mutant that does not compile or breaks the harness
                    m.status, m.killed_by = "error", repr(exc)[:200]
                finally:
                    fn.__code__ = original
                    # module- and class-scoped fixtures go too (the session's servers stay): a mutant
                    # that let a refused action through may have changed state the next mutant's
                    # tests share (e.g. a module's standing group members), which would "kill" it falsely
                    session._setupstate.teardown_exact(session)
                m.seconds = time.monotonic() - t1
                print(f"  {m.status:8s} {m.function}:{m.line} {m.description}  ({m.seconds:.0f} s)"
                      + (f"  <- {m.killed_by.split('::')[-1]}" if m.killed_by and m.status == "killed" else ""),
                      flush=True)
            ran = [m for m in self.mutants if m.target == target]
            summary[target] = _summary(ran, len(by_target.get(target, [])))
            print(f"[{target}] {_score_line(summary[target])}", flush=True)
        session._setupstate.teardown_exact(None)
        total = _summary(self.mutants, len(self.mutants))
        print(f"TOTAL {_score_line(total)} in {time.monotonic() - start:.0f} s", flush=True)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps({"targets": summary, "overall_score": total["score"],
                                        "overall_score_excluding_equivalent": total["score_excluding_equivalent"],
                                        "killed": total["killed"], "run": total["run"],
                                        "equivalent": total["equivalent"],
                                        "mutants": [m.__dict__ for m in self.mutants]}, indent=1, default=str))
        return True


def _summary(ran, count: int) -> dict:
    """Scores of the mutants ``ran`` (objects or dicts): raw (``equivalent`` ones count as
    survivors; ``error`` ones, which did not compile, are left out) and excluding the
    declared-equivalent ones."""
    def status(m):
        return m["status"] if isinstance(m, dict) else m.status

    def name(m):
        d = m if isinstance(m, dict) else m.__dict__
        return f"{d['function']}:{d['line']} {d['description']}"

    killed = sum(status(m) in ("killed", "timeout") for m in ran)
    errors = sum(status(m) == "error" for m in ran)
    equivalent = [name(m) for m in ran if status(m) == "equivalent"]
    counted = len(ran) - errors
    return {"mutants": count, "run": len(ran), "killed": killed, "errors": errors,
            "survived": [name(m) for m in ran if status(m) == "survived"], "equivalent": equivalent,
            "score": round(100 * killed / max(1, counted), 1),
            "score_excluding_equivalent": round(100 * killed / max(1, counted - len(equivalent)), 1)}


def _score_line(t: dict) -> str:
    return (f"killed {t['killed']}/{t['run'] - t['errors']} ({t['score']} %); "
            f"excluding {len(t['equivalent'])} declared equivalent: {t['killed']}/"
            f"{t['run'] - t['errors'] - len(t['equivalent'])} ({t['score_excluding_equivalent']} %)")


def _parallel(names: list[str], args) -> int:
    """Run the targets in ``args.jobs`` child sessions and merge their JSON into ``args.json``."""
    import subprocess

    counts: dict[str, int] = {}
    for m, _ in enumerate_mutants(names):
        counts[m.target] = counts.get(m.target, 0) + 1
    groups: list[list[str]] = [[] for _ in range(min(args.jobs, len(names)))]
    for name in sorted(names, key=lambda n: -counts.get(n, 0)):  # largest first onto the lightest group
        min(groups, key=lambda g: sum(counts.get(n, 0) for n in g)).append(name)
    out = Path(args.json)
    children = []
    for i, group in enumerate(groups):
        part = out.with_name(f"{out.stem}.part{i}.json")
        log = open(out.with_name(f"{out.stem}.part{i}.log"), "w")
        cmd = [sys.executable, __file__, "--targets", ",".join(group), "--budget", str(args.budget),
               "--json", str(part)] + (["--survivors-of", args.survivors_of] if args.survivors_of else [])
        print(f"job {i}: {', '.join(group)} ({sum(counts.get(n, 0) for n in group)} mutants), log {log.name}",
              flush=True)
        children.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), part, log))
    rc = 0
    for proc, _part, log in children:
        rc = proc.wait() or rc
        log.close()
    merged = {"targets": {}, "mutants": []}
    for _proc, part, _log in children:
        if part.exists():
            data = json.loads(part.read_text())
            merged["targets"].update(data["targets"])
            merged["mutants"].extend(data["mutants"])
    total = _summary(merged["mutants"], len(merged["mutants"]))
    merged.update(killed=total["killed"], run=total["run"], equivalent=total["equivalent"],
                  overall_score=total["score"], overall_score_excluding_equivalent=total["score_excluding_equivalent"])
    out.write_text(json.dumps(merged, indent=1, default=str))
    for name in names:
        t = merged["targets"].get(name, {})
        if "killed" not in t:
            print(f"[{name}] {t or 'no result'}", flush=True)
            continue
        print(f"[{name}] {_score_line(t)} of {t.get('mutants')}"
              + "".join(f"\n  survived {s}" for s in t.get("survived", []))
              + "".join(f"\n  equivalent {s}" for s in t.get("equivalent", [])), flush=True)
    print(f"TOTAL {_score_line(total)}", flush=True)
    return rc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ", ".join(TARGETS))
    ap.add_argument("--budget", type=float, default=5400,
                    help="seconds for all mutants; each target gets the budget left divided by the targets left "
                         "(mutants past a target's share are not run)")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "mutation.json"))
    ap.add_argument("--list", action="store_true", help="print the mutants and stop")
    ap.add_argument("--jobs", type=int, default=1,
                    help="pytest sessions in parallel, each with its own servers and a share of the targets "
                         "(balanced by mutant count) and of the budget; 2 suits 2 free cores")
    ap.add_argument("--survivors-of", metavar="JSON",
                    help="run only the mutants that survived in this earlier result (check new tests quickly)")
    args = ap.parse_args(argv)
    names = [n for n in args.targets.split(",") if n]
    only = None
    if args.survivors_of:
        earlier = json.loads(Path(args.survivors_of).read_text())["mutants"]
        only = {(m["target"], m["function"], m["line"], m["description"]) for m in earlier if m["status"] == "survived"}
        names = [n for n in names if any(o[0] == n for o in only)]
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if args.list:
        for m, _ in enumerate_mutants(names):
            print(f"{m.target:12s} {m.function}:{m.line} {m.description}"
                  + (f"  [equivalent: {m.killed_by}]" if m.status == "equivalent" else ""))
        return 0
    if args.jobs > 1 and len(names) > 1:
        return _parallel(names, args)
    import pytest

    def stop(*_):  # SIGTERM: unwind like Ctrl-C, so the session's servers are stopped
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    selectors = sorted({s for n in names for s in TARGETS[n][2]})
    plugin = MutationPlugin(names, args.budget, Path(args.json), only)
    return pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *selectors], plugins=[plugin])


if __name__ == "__main__":
    sys.exit(main())
