"""Under ``CI=true`` a missing real data set or a missing Chromium fails the
run loudly; locally the tests that need them are skipped."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from tests.conftest import shared_data  # noqa: F401  (the fixture under test)


def test_probe(shared_data):
    assert shared_data.exists()
"""


def _run(args, env_extra, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SG_SHARED_DATA", "SG_CHROMIUM")}
    env.update(env_extra, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", ""])
def test_missing_shared_data_fails_under_ci_and_skips_otherwise(tmp_path, ci):
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    r = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pytest.ini"),
              "--rootdir", str(ROOT), str(probe)],
             {"CI": ci, "SG_SHARED_DATA": str(tmp_path / "no-data-here")})
    out = r.stdout + r.stderr
    if ci:
        assert r.returncode == 1, out
        assert "CI=true and real data sets" in out and "snap_ego_facebook" in out and "1 error" in out
    else:
        assert r.returncode == 0, out
        assert "1 skipped" in out


@pytest.mark.parametrize("ci", ["true", ""])
def test_missing_chromium_fails_under_ci(tmp_path, ci):
    # PATH without a chromium: the web client's tests cannot run
    r = _run(["-c", "import tests.api.test_web_client"], {"CI": ci, "PATH": str(tmp_path)})
    if ci:
        assert r.returncode != 0 and "CI=true and Chromium not installed" in r.stderr, r.stderr
    else:
        assert r.returncode == 0, r.stderr
