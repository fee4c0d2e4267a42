"""Risk on real findings: code that does not ship ranks lower, and a KEV-listed CVE is never low.

For every finding Bandit and Semgrep report on pygoat and vulpy (``../shared/data/scanner-reports/
generated``, read in place: the reports are third-party tool output), the deterministic policy and
the SSVC rubric decide severity and priority three times: with the file as production code, moved
under ``tests/``, and moved under ``vendor/``. Then once more with a CVE from the CISA KEV snapshot
attached. The properties, checked on every finding:

- a finding in test or vendored code never ranks above the same finding in production code, in
  severity or in SSVC decision;
- with a KEV-listed CVE, severity is at least high in every role.

Exit code 1 when any finding breaks either property. Run:
``.venv/bin/python -m evals.risk_corpus [--data DIR]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from agent.policy import assess
from agent.risk import decide_risk
from config.business import BusinessContext
from config.risk import RiskRubric, load_risk_rubric
from config.rubric import Rubric, load_rubric
from tools.findings.finding import Finding
from tools.findings.severity import Severity
from tools.ingest import registry
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext
from tools.intel.kev import KevCatalog, load_kev
from tools.repo.file_role import FileRole, classify

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "scanner-reports"
REPORTS = ("pygoat.bandit.json", "pygoat.semgrep.json", "vulpy.bandit.json", "vulpy.semgrep.json")
KEV_CVE = "CVE-2021-44228"  # Log4Shell: in every KEV snapshot since December 2021
_DECISION_RANK = {"track": 0, "track*": 1, "attend": 2, "act": 3}
_TODAY = date(2026, 1, 1)  # fixed, so SLA dates are reproducible


@dataclass(frozen=True)
class Outcome:
    severity: Severity
    decision: str


@dataclass(frozen=True)
class Judge:
    rubric: Rubric
    risk: RiskRubric
    kev: KevCatalog

    def __call__(self, finding: Finding, path: str, cves: tuple[str, ...] = ()) -> Outcome:
        role = classify(path)
        exploited = [cve for cve in cves if self.kev.lookup(cve)]
        proposal = assess(
            tool=finding.tool,
            rule_id=finding.rule_id,
            cwe_ids=finding.cwe_ids,
            tool_severity=finding.tool_severity,
            file_role=role,
            rubric=self.rubric,
            known_exploited=exploited,
        )
        risk = decide_risk(
            cve_ids=cves,
            cwe_ids=finding.cwe_ids,
            severity=proposal.severity,
            file_role=role,
            business=BusinessContext().facts_for("eval/repo", path),
            kev=self.kev,
            rubric=self.risk,
            today=_TODAY,
        )
        return Outcome(proposal.severity, risk.decision)


def evaluate(report: Path, judge: Judge) -> Counter[str]:
    document, _raw = load_json(report, max_bytes=64 * 1024 * 1024)
    context = ParseContext(max_results=1_000_000, secret_key=b"risk corpus evaluation")
    parsed = registry.detect(document).parse(document, context)
    counts: Counter[str] = Counter()
    for finding in parsed.findings:
        path = finding.path or "app.py"
        if classify(path) is not FileRole.PRODUCTION:
            counts["skipped (not production code)"] += 1
            continue
        counts["findings"] += 1
        production = judge(finding, path)
        for where in ("tests", "vendor"):
            moved = judge(finding, f"{where}/{path}")
            if _rank(moved) > _rank(production):
                counts[f"VIOLATION: ranks higher in {where}/"] += 1
            elif _rank(moved) < _rank(production):
                counts[f"lower in {where}/"] += 1
        for where in ("", "tests/", "vendor/"):
            exploited = judge(finding, f"{where}{path}", (KEV_CVE,))
            if exploited.severity.rank < Severity.HIGH.rank:
                counts["VIOLATION: KEV-listed CVE below high"] += 1
    return counts


def _rank(outcome: Outcome) -> tuple[int, int]:
    return (_DECISION_RANK[outcome.decision], outcome.severity.rank)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    generated = args.data / "generated"
    if not generated.is_dir():
        print(
            f"reports not found under {generated}: nothing evaluated (pass --data)", file=sys.stderr
        )
        return 2
    kev = load_kev()
    if kev.lookup(KEV_CVE) is None:
        print(f"{KEV_CVE} is not in the KEV snapshot: the check cannot run", file=sys.stderr)
        return 1
    judge = Judge(rubric=load_rubric(), risk=load_risk_rubric(), kev=kev)
    violations = 0
    for name in REPORTS:
        counts = evaluate(generated / name, judge)
        violations += sum(v for k, v in counts.items() if k.startswith("VIOLATION"))
        print(f"{name:<22} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    print(f"violations: {violations}")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
