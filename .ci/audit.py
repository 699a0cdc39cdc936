"""Audit the installed environment for known vulnerabilities (pip-audit), for CI.

    .venv/bin/python .ci/audit.py [--report PATH]

Exit status 1 when a package has a known vulnerability that .ci/audit-ignore.txt does not
list with a reason; 2 when that file is malformed. When the vulnerability service cannot be
reached (no network, or it answered for no package at all) the audit says plainly that it did
not run and exits 0: a missing network is not a finding. --report judges an existing
pip-audit JSON report instead of running pip-audit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
IGNORE_FILE = HERE / "audit-ignore.txt"
# pip-audit's own limit is per request; this bounds the whole run on a network that drops
# packets instead of refusing them.
RUN_TIMEOUT_S = 900


class IgnoreFileError(Exception):
    pass


def read_ignores(path: Path) -> dict[str, str]:
    """Vulnerability id -> why it is accepted. Lines are `ID reason...`; # starts a comment."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        vuln_id, _, reason = text.partition(" ")
        if not reason.strip():
            raise IgnoreFileError(f"{path.name}:{number}: {vuln_id} needs a reason after its id")
        ignores[vuln_id] = reason.strip()
    return ignores


def run_pip_audit(report: Path) -> str | None:
    """Runs pip-audit into `report`; returns why it could not run, or None."""
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--local",
        "--skip-editable",
        "--progress-spinner",
        "off",
        "--desc",
        "off",
        "--timeout",
        "20",
        "--format",
        "json",
        "--output",
        str(report),
    ]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except FileNotFoundError:
        return "pip-audit is not installed (pip install -e '.[dev]')"
    except subprocess.TimeoutExpired:
        return f"pip-audit did not finish in {RUN_TIMEOUT_S} s"
    if finished.returncode not in (0, 1) or not report.exists() or not report.stat().st_size:
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        return f"pip-audit failed: {lines[-1][:300] if lines else f'exit {finished.returncode}'}"
    return None


def judge(report: dict[str, object], ignores: dict[str, str]) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies")
    if not isinstance(dependencies, list):
        return 0, ["audit: could not run: pip-audit wrote no dependency list"]
    audited = [d for d in dependencies if isinstance(d, dict) and "skip_reason" not in d]
    if not audited:
        return 0, [
            f"audit: could not run: the vulnerability service answered for none of the "
            f"{len(dependencies)} installed packages (no network?); nothing was checked"
        ]
    lines: list[str] = []
    failing = 0
    for dependency in audited:
        for vuln in dependency.get("vulns") or []:
            ids = [vuln.get("id", "?"), *(vuln.get("aliases") or [])]
            accepted = next((ignores[i] for i in ids if i in ignores), None)
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            where = f"{dependency['name']} {dependency.get('version', '?')}: {ids[0]} ({fixed})"
            if accepted is None:
                failing += 1
                lines.append(f"audit: VULNERABLE {where}")
            else:
                lines.append(f"audit: accepted {where}: {accepted}")
    skipped = len(dependencies) - len(audited)
    summary = f"audit: {len(audited)} packages checked"
    if skipped:
        summary += f", {skipped} could not be checked"
    if failing:
        summary += f"; {failing} known vulnerabilities not in {IGNORE_FILE.name}"
    else:
        summary += "; no known vulnerability outside the accepted list"
    return (1 if failing else 0), [*lines, summary]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="judge this pip-audit JSON report")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    args = parser.parse_args()
    try:
        ignores = read_ignores(args.ignore_file)
    except IgnoreFileError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        report_path = args.report or Path(tmp) / "audit.json"
        if args.report is None:
            problem = run_pip_audit(report_path)
            if problem is not None:
                print(f"audit: could not run: {problem}")
                return 0
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"audit: could not run: unreadable report ({type(exc).__name__})")
            return 0
    status, lines = judge(report if isinstance(report, dict) else {}, ignores)
    for line in lines:
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
