"""Schemathesis against the whole API: stateless (>= 25 examples per
operation) and stateful (sequences that follow the document's OpenAPI links,
e.g. create a post -> read it), on the real local servers. Prints a report:
operations, cases, server errors, schema violations, by operation.

Not a test (it takes minutes): ``python bench/schemathesis_stateful.py
[--examples 25] [--steps 40] [--seed 1]``. The checks are the ones the suite
runs with fewer examples (``tests/api/http/test_schemathesis.py``): no 5xx, the
response conforms to the documented schema, the media type is documented.
Every request carries a fresh access token of a real user, so a fuzzed
logout cannot starve the next case.
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from bench.common import app_config_from_stack  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=25, help="examples per operation (stateless)")
    ap.add_argument("--steps", type=int, default=40, help="stateful: state machine runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="only operations whose path contains this")
    args = ap.parse_args()

    from socialgraph.app import create_app
    from socialgraph.stores.localstack import LocalStack
    from socialgraph.messaging.push import ensure_vapid_keys
    from socialgraph.stores.schema import ensure_all

    stack = LocalStack(root=Path(tempfile.mkdtemp(prefix="sg-bench-fuzz-"))).start()
    try:
        app = create_app({**app_config_from_stack(stack), "RQ_ASYNC": False, "MAIL_BACKEND": "outbox",
                          "MAIL_OUTBOX_DIR": tempfile.mkdtemp(prefix="sg-bench-mail-"),
                          "RATELIMIT_DEFAULT": "1000000 per minute", "RATELIMIT_LOGIN": "1000000 per minute",
                          "RATELIMIT_SIGNUP": "1000000 per minute", "RATELIMIT_POSTING": "1000000 per minute",
                          "RATELIMIT_UPLOADS": "1000000 per minute", "RATELIMIT_PASSWORD_RESET": "1000000 per minute",
                          "LOGIN_IP_LOCK_AFTER": 10 ** 9})
        with app.app_context():
            ensure_all()
            ensure_vapid_keys()  # as `socialgraph db init` does
            from socialgraph.accounts import service as accounts

            uid = accounts.register("fuzzer", "fuzzer@example.test", "a long enough password")["uid"]
        return run(app, uid, args)
    finally:
        stack.stop()


def run(app, uid: str, args) -> int:
    from socialgraph.accounts import service as accounts

    def token() -> str:
        with app.app_context():
            return accounts.issue_tokens(uid)["access_token"]

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    cases: collections.Counter = collections.Counter()
    ops = [r.ok() for r in schema.get_all_operations() if r.ok() and args.only in r.ok().path]
    started = time.perf_counter()

    def check(case, response) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        cases[label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - counted per kind, the run goes on
            kind = "server error" if response.status_code >= 500 else "schema violation"
            failures[label][f"{kind}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"] += 1

    # stateless: every operation, --examples cases each
    for op in ops:
        @given(case=op.as_strategy())
        @settings(max_examples=args.examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def one(case):
            headers = dict(case.headers or {})
            headers.setdefault("Authorization", f"Bearer {token()}")
            check(case, case.call(headers=headers))

        try:
            one()
        except Exception as exc:  # noqa: BLE001 - an unsatisfiable strategy is reported, not fatal
            failures[f"{op.method.upper()} {op.path}"][f"generation: {type(exc).__name__}"] += 1
    stateless_s = time.perf_counter() - started

    # stateful: sequences that follow the OpenAPI links
    links = sum(len(resp.get("links") or {}) for item in schema.raw_schema["paths"].values()
                for op in item.values() if isinstance(op, dict) for resp in (op.get("responses") or {}).values()
                if isinstance(resp, dict))
    Machine = schema.as_state_machine()

    class Workflow(Machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {token()}"}}

        def validate_response(self, response, case, **kwargs):
            check(case, response)

    started = time.perf_counter()
    try:
        run_state_machine_as_test(Workflow, settings=settings(
            max_examples=args.steps, stateful_step_count=8, deadline=None, database=None,
            derandomize=True, suppress_health_check=list(HealthCheck)))
    except Exception as exc:  # noqa: BLE001
        failures["stateful"][f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"] += 1
    stateful_s = time.perf_counter() - started

    total = sum(cases.values())
    server = sum(n for f in failures.values() for k, n in f.items() if k.startswith("server error"))
    schema_v = sum(n for f in failures.values() for k, n in f.items() if k.startswith("schema violation"))
    other = sum(n for f in failures.values() for k, n in f.items()
                if not k.startswith(("server error", "schema violation")))
    print(f"operations: {len(ops)}; cases: {total} (min per operation {min(cases.values()) if cases else 0}); "
          f"OpenAPI links: {links}")
    print(f"stateless: {stateless_s:.0f} s; stateful: {args.steps} runs x <= 8 steps in {stateful_s:.0f} s")
    print(f"server errors: {server}; schema violations: {schema_v}; other: {other}")
    for label, kinds in sorted(failures.items()):
        for kind, n in kinds.most_common():
            print(f"  {label}: {n} x {kind}")
    return 1 if server or schema_v else 0


if __name__ == "__main__":
    sys.exit(main())
