"""CI's dependency audit: findings fail it unless accepted with a reason, and a vulnerability
service it cannot reach is said plainly instead of passing as "no vulnerabilities"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
AUDIT = REPO / ".ci" / "audit.py"


def audit(tmp_path: Path, report: object, ignores: str = "") -> subprocess.CompletedProcess[str]:
    report_path = tmp_path / "report.json"
    report_path.write_text(report if isinstance(report, str) else json.dumps(report))
    ignore_path = tmp_path / "ignore.txt"
    ignore_path.write_text(ignores)
    return subprocess.run(
        [
            sys.executable,
            str(AUDIT),
            "--report",
            str(report_path),
            "--ignore-file",
            str(ignore_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


VULNERABLE = {
    "dependencies": [
        {"name": "fitcoach", "skip_reason": "not on the index"},
        {"name": "requests", "version": "2.0.0", "vulns": []},
        {
            "name": "urllib3",
            "version": "1.0",
            "vulns": [
                {"id": "PYSEC-0000-1", "aliases": ["GHSA-aaaa-bbbb-cccc"], "fix_versions": ["2.5"]}
            ],
        },
    ],
    "fixes": [],
}


def test_a_known_vulnerability_fails_ci(tmp_path: Path) -> None:
    result = audit(tmp_path, VULNERABLE)
    assert result.returncode == 1
    assert "audit: VULNERABLE urllib3 1.0: PYSEC-0000-1 (2.5)" in result.stdout
    assert "2 packages checked, 1 could not be checked; 1 known vulnerabilities" in result.stdout


def test_an_accepted_vulnerability_needs_a_reason(tmp_path: Path) -> None:
    accepted = audit(tmp_path, VULNERABLE, "# why\nGHSA-aaaa-bbbb-cccc only the CLI parses URLs\n")
    assert accepted.returncode == 0, accepted.stdout
    assert "accepted urllib3 1.0: PYSEC-0000-1 (2.5): only the CLI parses URLs" in accepted.stdout
    bare = audit(tmp_path, VULNERABLE, "PYSEC-0000-1\n")
    assert bare.returncode == 2
    assert "ignore.txt:1: PYSEC-0000-1 needs a reason" in bare.stderr


@pytest.mark.parametrize(
    "report",
    [
        {"dependencies": [{"name": n, "skip_reason": "not found"} for n in ("a", "b", "c")]},
        {"dependencies": []},
        "not json at all",
    ],
)
def test_an_unreachable_service_says_the_audit_did_not_run(tmp_path: Path, report: object) -> None:
    result = audit(tmp_path, report)
    assert result.returncode == 0
    assert result.stdout.startswith("audit: could not run: ")
    assert "no known vulnerab" not in result.stdout


def test_a_clean_report_passes(tmp_path: Path) -> None:
    clean = {"dependencies": [{"name": "rich", "version": "15.0.0", "vulns": []}]}
    result = audit(tmp_path, clean)
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "audit: 1 packages checked; no known vulnerability outside the accepted list"
    )


def test_ci_audits_after_the_tests_and_the_shipped_ignore_list_is_valid() -> None:
    lines = (REPO / ".ci" / "run").read_text().splitlines()
    tests = next(i for i, line in enumerate(lines) if "python -m pytest" in line)
    audits = [i for i, line in enumerate(lines) if line.strip() == ".venv/bin/python .ci/audit.py"]
    assert audits and audits[0] > tests
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("ci_audit", AUDIT)
    assert spec is not None and spec.loader is not None
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    assert all(reason for reason in module.read_ignores(REPO / ".ci" / "audit-ignore.txt").values())
