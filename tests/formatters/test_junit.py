"""JUnit XML output: one suite per rule, failures per rule x resource, always well-formed."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from sovlint.engine import ScanResult
from sovlint.formatters import junit
from sovlint.model import Severity
from scan_results import ODD_PATHS, suppressed_twice
from scan_results import empty_result, odd_result, realistic_result  # noqa: F401 (fixtures)


def _parse(result: ScanResult) -> ET.Element:
    return ET.fromstring(junit.render(result, {}).encode("utf-8"))


def test_suites_per_rule_and_failures(realistic_result: ScanResult) -> None:
    root = _parse(realistic_result)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {f"{p.id} {p.name}" for p in realistic_result.policies} | {"sovlint"}
    sov001 = suites["SOV001 data-outside-france"]
    (case,) = sov001.findall("testcase")
    assert case.get("classname") == "SOV001"
    assert case.get("name") == "aws_s3_bucket.reports (infra/storage.tf)"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "high"
    text = failure.text or ""
    assert text.startswith("infra/storage.tf:12: [high] ")
    assert "How to fix:" in text
    # a rule that found nothing is one passing testcase
    sov008 = next(s for n, s in suites.items() if (n or "").startswith("SOV008"))
    assert [(c.get("name"), list(c)) for c in sov008.findall("testcase")] == [("no finding", [])]
    # counts add up
    active = [f for f in realistic_result.findings if not f.suppressed]
    assert int(root.get("failures") or 0) == len({(f.rule, f.address) for f in active})
    assert int(root.get("errors") or 0) == len(realistic_result.errors)
    assert int(root.get("tests") or 0) == sum(len(s.findall("testcase")) for s in suites.values())


def test_suppressed_is_skipped_with_reason(realistic_result: ScanResult) -> None:
    root = _parse(suppressed_twice(realistic_result))
    skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None]
    messages = sorted(c.find("skipped").get("message") or "" for c in skipped)  # type: ignore[union-attr]
    assert "suppressed: hosting contract with EU sovereign clause" in messages
    assert "suppressed: in baseline" in messages
    assert int(root.get("skipped") or 0) == len(skipped)


def test_several_findings_of_one_rule_on_one_resource_share_a_testcase(
        realistic_result: ScanResult) -> None:
    first = next(f for f in realistic_result.findings if f.rule == "SOV001")
    second = dataclasses.replace(first, discriminator="x", severity=Severity.CRITICAL,
                                 message="second copy")
    root = _parse(dataclasses.replace(realistic_result, findings=[first, second]))
    cases = [c for c in root.iter("testcase") if c.get("classname") == "SOV001"]
    assert len(cases) == 1
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "critical"
    assert failure.get("message") == "second copy (and 1 more)"
    assert failure.text is not None and first.message in failure.text and "second copy" in failure.text


def test_xml_escaping_and_forbidden_characters(odd_result: ScanResult) -> None:
    text = junit.render(odd_result, {})
    root = ET.fromstring(text.encode("utf-8"))  # well-formed despite \x01 and \x1b
    assert "\x01" not in text and "\x1b" not in text
    names = [c.get("name") or "" for c in root.iter("testcase") if c.get("classname") == "SOV001"]
    assert sorted(names) == sorted(f"aws_s3_bucket.b{i} ({p})" for i, p in enumerate(ODD_PATHS))
    failure = next(root.iter("failure"))
    message = failure.get("message") or ""
    assert message.endswith("\nsecond line: 50%, a,b\r\\x01\\x1b[31m<&>")  # attribute keeps CR/LF
    assert "<&>" in (failure.text or "")
    assert '&lt;&amp;&gt;' in text


def test_escape_functions() -> None:
    assert junit.xml_attr('a<b>&"c"\n\t\r') == "a&lt;b&gt;&amp;&quot;c&quot;&#10;&#9;&#13;"
    assert junit.xml_text("\x00\x08\x0b\ud800\ufffe\ufffftab\there") == \
        "\\x00\\x08\\x0b\\ud800\\ufffe\\uffff" + "tab\there"


def test_empty_result(empty_result: ScanResult) -> None:
    root = _parse(empty_result)
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert all(c.get("name") == "no finding" for c in root.iter("testcase"))
    assert len(root.findall("testsuite")) == len(empty_result.policies)


def test_deterministic(realistic_result: ScanResult) -> None:
    assert junit.render(realistic_result, {}) == junit.render(realistic_result, {})
