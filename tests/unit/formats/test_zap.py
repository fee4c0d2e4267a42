"""OWASP ZAP traditional XML and JSON reports, on DefectDojo's ZAP reports (BSD-3-Clause, see
fixtures/defectdojo). ``some_2.9.0_as_traditional_json.json`` is derived from ``some_2.9.0.xml``
(fixtures/defectdojo/zap/DERIVED.md): DefectDojo has no ZAP JSON sample.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element  # nosec B405  # builds test trees, parses nothing

import pytest

from tests.support.formats import CONTEXT, DEFECTDOJO, parse_document, parse_file
from tools.findings.finding import DastDetails, Finding, FindingKind
from tools.findings.severity import Severity
from tools.ingest.errors import ReportRejected
from tools.ingest.formats import zap
from tools.ingest.loader import load_json
from tools.ingest.report import ParseContext, ParsedReport

ZAP = DEFECTDOJO / "zap"
SOME_XML = ZAP / "some_2.9.0.xml"
SOME_JSON = ZAP / "some_2.9.0_as_traditional_json.json"


def _report(*alerts: dict[str, Any], version: str = "2.11.1") -> dict[str, Any]:
    return {
        "@programName": "ZAP",
        "@version": version,
        "@generated": "Fri, 30 Sep 2022 08:40:35",
        "site": [
            {
                "@name": "https://shop.example",
                "@host": "shop.example",
                "@port": "443",
                "@ssl": "true",
                "alerts": list(alerts),
            }
        ],
    }


def _alert(*instances: dict[str, Any], **fields: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "pluginid": "40012",
        "alertRef": "40012",
        "alert": "Cross Site Scripting (Reflected)",
        "name": "Cross Site Scripting (Reflected)",
        "riskcode": "3",
        "confidence": "2",
        "riskdesc": "High (Medium)",
        "desc": "<p>Cross-site Scripting (XSS) is an attack technique.</p>",
        "instances": list(instances),
        "count": str(len(instances)),
        "solution": "<p>Encode output.</p>",
        "cweid": "79",
        "wascid": "8",
        "sourceid": "1",
    }
    alert.update(fields)
    return alert


def _instance(**fields: str) -> dict[str, Any]:
    instance = {
        "uri": "https://shop.example/search.jsp?q=%3CscrIpt%3Ealert%281%29%3B%3C%2FscRipt%3E&lang=en",
        "method": "GET",
        "param": "q",
        "attack": "<scrIpt>alert(1);</scRipt>",
        "evidence": "<scrIpt>alert(1);</scRipt>",
    }
    instance.update(fields)
    return instance


def _only(report: ParsedReport) -> Finding:
    (finding,) = report.findings
    return finding


def _dast(finding: Finding) -> DastDetails:
    assert isinstance(finding.details, DastDetails)
    return finding.details


def test_xml_instance_carries_rule_cwe_severity_url_and_plain_text_message() -> None:
    report = parse_file(SOME_XML, expect_format="zap")
    assert (report.format, report.tools, report.results, report.ignored) == ("zap", ("ZAP",), 17, 0)
    assert (report.quarantined, report.complete) == ((), True)
    cookie = next(
        f for f in report.findings if _dast(f).parameter == "opvc" and f.rule_id == "10011"
    )
    assert cookie.kind is FindingKind.DAST
    assert (cookie.tool, cookie.tool_version, cookie.rule_name) == (
        "ZAP",
        "2.9.0",
        "Cookie Without Secure Flag",
    )
    assert cookie.cwe_ids == ("CWE-614",)
    assert cookie.tool_severity is Severity.LOW
    assert (cookie.path, cookie.start_line) == (None, None)
    assert cookie.details == DastDetails(url="https://mainsite.com", method="GET", parameter="opvc")
    assert cookie.message == (
        "Cookie Without Secure Flag: A cookie has been set without the secure flag, which means"
        " that the cookie can be accessed via unencrypted connections."
    )
    assert cookie.snippet == "Set-Cookie: opvc"
    csp = next(f for f in report.findings if f.rule_id == "10055")
    assert csp.tool_severity is Severity.MEDIUM
    # Two <p> paragraphs become two lines; the &apos; in the evidence is decoded.
    assert csp.message.startswith("CSP Scanner: Wildcard Directive: The following directives")
    assert "defined:\nscript-src" in csp.message
    assert "<p>" not in csp.message
    assert csp.snippet == "frame-ancestors 'self';"


def test_instances_differing_only_in_evidence_merge_and_results_count_every_instance() -> None:
    report = parse_file(SOME_XML, expect_format="zap")
    # 7 alerts with 17 instances; the 4 Unix timestamps on one URL are one finding.
    timestamps = [f for f in report.findings if f.rule_id == "10096"]
    assert len(timestamps) == 1
    assert timestamps[0].tool_severity is Severity.INFO
    assert timestamps[0].cwe_ids == ("CWE-200",)
    assert len(report.findings) == 14
    assert {f.rule_id for f in report.findings} == {
        "10011",
        "10054",
        "10055",
        "10010",
        "10096",
        "10017",
        "10015",
    }


def test_json_report_gives_the_same_findings_as_the_xml_it_was_derived_from() -> None:
    from_xml = parse_file(SOME_XML, expect_format="zap")
    from_json = parse_file(SOME_JSON, expect_format="zap")
    assert from_json.results == from_xml.results == 17
    assert from_json.findings == from_xml.findings


def test_commented_out_alert_is_not_read() -> None:
    report = parse_file(ZAP / "0_zap_sample.xml", expect_format="zap")
    assert report.results == 12
    assert {f.rule_id for f in report.findings} == {"10011", "10054", "10055", "10096"}
    assert len(report.findings) == 10


def test_truncated_instance_list_makes_the_scan_incomplete() -> None:
    # DVWA's Timestamp Disclosure says <count>67</count> but lists 20 instances.
    report = parse_file(ZAP / "dvwa_baseline_dojo.xml", expect_format="zap")
    assert report.results == 124
    assert report.complete is False
    assert report.tools == ("ZAP",)
    assert {f.tool_version for f in report.findings} == {"D-2021-03-29"}


def test_modern_report_with_requests_no_cwe_marker_and_informational_risk() -> None:
    report = parse_file(ZAP / "zap_2.16.1_with_req_resp.xml", expect_format="zap")
    assert (report.results, len(report.findings), report.complete) == (13, 13, True)
    auth = next(f for f in report.findings if f.rule_id == "10111")
    assert auth.cwe_ids == ()  # <cweid>-1</cweid> is ZAP's "none", not CWE-1
    assert auth.tool_severity is Severity.INFO
    assert auth.tool_version == "2.16.1"
    assert auth.details == DastDetails(
        url="https://example-domain.com/cpapi/api/account/verifypasswordless",
        method="POST",
        parameter="user_identifier",
    )
    assert auth.snippet == "passwordless_code"
    # The recorded request and response are ignored, not copied into any text field.
    assert "user-agent" not in report.model_dump_json().lower()


def test_empty_report_has_no_results() -> None:
    report = parse_file(ZAP / "empty_2.9.0.xml", expect_format="zap")
    assert (report.results, report.findings, report.quarantined) == (0, (), ())
    assert parse_document(_report(), expect_format="zap").results == 0


def test_fingerprint_ignores_evidence_and_the_attack_payload_in_the_flagged_parameter() -> None:
    first = _only(parse_document(_report(_alert(_instance())), expect_format="zap"))
    other_payload = _instance(
        uri="https://SHOP.example/search.jsp?q=%3Cimg+src%3Dx%3E&lang=en#top",
        attack="<img src=x>",
        evidence="<img src=x>",
    )
    second = _only(parse_document(_report(_alert(other_payload)), expect_format="zap"))
    assert first.fingerprint == second.fingerprint
    assert (first.snippet, second.snippet) == ("<scrIpt>alert(1);</scRipt>", "<img src=x>")
    assert first.rule_id == "40012"
    assert first.cwe_ids == ("CWE-79",)
    assert first.tool_severity is Severity.HIGH


@pytest.mark.parametrize(
    "changed",
    [
        {"param": "lang"},
        {"method": "POST"},
        {"uri": "https://shop.example/other.jsp?q=x&lang=en"},
        {"uri": "https://shop.example/search.jsp?q=x&lang=de"},
    ],
)
def test_another_parameter_method_path_or_query_value_is_another_finding(
    changed: dict[str, str],
) -> None:
    base = _only(parse_document(_report(_alert(_instance())), expect_format="zap"))
    other = _only(parse_document(_report(_alert(_instance(**changed))), expect_format="zap"))
    assert base.fingerprint != other.fingerprint


def test_two_instances_on_two_pages_are_two_findings_and_two_results() -> None:
    report = parse_document(
        _report(
            _alert(
                _instance(uri="https://shop.example/a?q=1", param="q"),
                _instance(uri="https://shop.example/b?q=1", param="q"),
            )
        ),
        expect_format="zap",
    )
    assert report.results == 2
    assert sorted(_dast(f).url for f in report.findings) == [
        "https://shop.example/a?q=1",
        "https://shop.example/b?q=1",
    ]


def test_alert_ref_variant_is_the_rule_id() -> None:
    alert = _alert(_instance(), pluginid="10020", alertRef="10020-1", cweid="1021")
    finding = _only(parse_document(_report(alert), expect_format="zap"))
    assert finding.rule_id == "10020-1"
    assert finding.cwe_ids == ("CWE-1021",)
    unrelated = _alert(_instance(), pluginid="10020", alertRef="90001")
    assert _only(parse_document(_report(unrelated), expect_format="zap")).rule_id == "10020"


@pytest.mark.parametrize(
    ("riskcode", "riskdesc", "expected"),
    [
        ("0", "Informational (Low)", Severity.INFO),
        ("1", "Low (Medium)", Severity.LOW),
        ("2", "Medium (Medium)", Severity.MEDIUM),
        ("3", "High (High)", Severity.HIGH),
        (3, "", Severity.HIGH),
        (None, "Medium (High)", Severity.MEDIUM),
    ],
)
def test_risk_code_maps_to_severity(riskcode: object, riskdesc: str, expected: Severity) -> None:
    alert = _alert(_instance(), riskcode=riskcode, riskdesc=riskdesc)
    finding = _only(parse_document(_report(alert), expect_format="zap"))
    assert finding.tool_severity is expected


@pytest.mark.parametrize(
    ("cweid", "expected"),
    [("-1", ()), ("0", ()), ("n/a", ()), ("", ()), (79, ("CWE-79",)), ("CWE-79", ("CWE-79",))],
)
def test_cwe_id_is_read_and_none_markers_are_dropped(
    cweid: object, expected: tuple[str, ...]
) -> None:
    finding = _only(parse_document(_report(_alert(_instance(), cweid=cweid)), expect_format="zap"))
    assert finding.cwe_ids == expected


def test_false_positive_alert_is_counted_and_ignored() -> None:
    marked = _alert(_instance(), _instance(param="lang"), confidence="0")
    report = parse_document(_report(marked, _alert(_instance())), expect_format="zap")
    assert (report.results, report.ignored, len(report.findings)) == (3, 2, 1)


def test_attacker_text_is_length_capped_and_oversized_fields_fit_the_finding() -> None:
    instance = _instance(
        uri="https://shop.example/" + "a" * 5000,
        method="M" * 50,
        param="p" * 900,
        evidence="E" * 50_000,
    )
    report = parse_document(_report(_alert(instance)), expect_format="zap")
    assert report.quarantined == ()
    finding = _only(report)
    details = _dast(finding)
    assert (len(details.url), len(details.method or ""), len(details.parameter or "")) == (
        2000,
        20,
        500,
    )
    assert finding.snippet == "E" * 1000


def test_html_is_stripped_from_the_description() -> None:
    desc = "<p>One &amp; two.</p><p>Three <b>bold</b> a &lt; b</p><br/>tail < not a tag"
    finding = _only(parse_document(_report(_alert(_instance(), desc=desc)), expect_format="zap"))
    assert finding.message == (
        "Cross Site Scripting (Reflected): One & two.\nThree bold a < b\ntail < not a tag"
    )


def test_legacy_alert_without_instances_is_one_finding() -> None:
    per_alert = _alert(uri="https://shop.example/old", method="GET", param="id", evidence="x")
    del per_alert["instances"]
    no_place = _alert()
    report = parse_document(_report(per_alert, no_place), expect_format="zap")
    assert report.results == 2
    urls = sorted(_dast(f).url for f in report.findings)
    assert urls == ["https://shop.example", "https://shop.example/old"]


def test_single_site_object_is_accepted() -> None:
    document = _report(_alert(_instance()))
    document["site"] = document["site"][0]
    assert parse_document(document, expect_format="zap").results == 1


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["site"][0].update(alerts={"pluginid": "1"}), "site[0].alerts"),
        (lambda d: d["site"][0]["alerts"][0].update(instances="x"), "site[0].alerts[0].instances"),
        (lambda d: d["site"][0]["alerts"][0]["instances"].append(7), "instances[1]"),
        (lambda d: d["site"][0]["alerts"][0]["instances"][0].update(uri=5), "instances[0].uri"),
        (lambda d: d["site"][0]["alerts"][0].update(pluginid=None, alertRef=None), "pluginid"),
        (lambda d: d["site"][0]["alerts"][0].update(riskcode="9", riskdesc="?"), "riskcode"),
        (lambda d: d["site"][0]["alerts"][0].update(cweid=[79]), "cweid"),
        (lambda d: d["site"].append("not a site"), "site[1]"),
    ],
)
def test_structurally_broken_report_is_rejected_with_its_path(mutate: Any, where: str) -> None:
    document = _report(_alert(_instance()))
    mutate(document)
    with pytest.raises(ReportRejected) as caught:
        parse_document(document, expect_format="zap")
    assert where in caught.value.reason


def test_xml_alert_without_plugin_id_is_rejected(tmp_path: Path) -> None:
    text = SOME_XML.read_text(encoding="utf-8").replace("<pluginid>10054</pluginid>", "", 1)
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ReportRejected, match=r"site\[0\]\.alerts\[1\]: the required 'pluginid'"):
        parse_file(broken, expect_format="zap")


def test_result_cap_is_checked_before_findings_are_built() -> None:
    document = _report(_alert(*[_instance(param=f"p{i}") for i in range(6)]))
    with pytest.raises(ReportRejected, match="6 results, over the limit of 5"):
        zap.parse(document, ParseContext(max_results=5, secret_key=CONTEXT.secret_key))


def test_detection_is_strict_and_never_raises() -> None:
    zap_json = _report(_alert(_instance()))
    assert zap.looks_like(zap_json)
    assert zap.looks_like(Element("OWASPZAPReport"))
    no_generated = copy.deepcopy(zap_json)
    del no_generated["@generated"]
    sites_not_list = {**zap_json, "site": "https://shop.example"}
    for other in (
        Element("analysis"),  # OWASP dependency-check's XML root
        {"results": [], "metrics": {}, "generated_at": "x"},  # Bandit
        {"version": "2.1.0", "runs": []},  # SARIF
        no_generated,
        sites_not_list,
        [zap_json],
        None,
        "OWASPZAPReport",
        3,
    ):
        assert not zap.looks_like(other)


_BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE OWASPZAPReport [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<OWASPZAPReport version="2.9.0" generated="x"><site name="https://a"><alerts><alertitem>
<pluginid>1</pluginid><riskcode>3</riskcode><name>&lol4;</name>
</alertitem></alerts></site></OWASPZAPReport>
"""

_EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE OWASPZAPReport [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>
<OWASPZAPReport version="2.9.0" generated="x"><site name="https://a"><alerts><alertitem>
<pluginid>1</pluginid><riskcode>3</riskcode><name>&xxe;</name>
</alertitem></alerts></site></OWASPZAPReport>
"""


@pytest.mark.parametrize("hostile", ["billion_laughs", "external_entity"])
def test_hostile_xml_is_refused_by_the_loader(tmp_path: Path, hostile: str) -> None:
    secret = tmp_path / "host-file.txt"
    secret.write_text("contents-of-a-host-file", encoding="utf-8")
    text = _BILLION_LAUGHS if hostile == "billion_laughs" else _EXTERNAL_ENTITY
    report = tmp_path / "report.xml"
    report.write_text(text.replace("{secret}", str(secret)), encoding="utf-8")
    with pytest.raises(ReportRejected) as caught:
        load_json(report, max_bytes=1_000_000)
    assert caught.value.reason.startswith("XML with a DTD or entities is refused")
    assert "contents-of-a-host-file" not in caught.value.reason
