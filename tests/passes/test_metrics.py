"""Scan and decision metrics: scans by outcome, scan-to-decision time, city calls timed."""

from prometheus_client import REGISTRY

from tests.factories import ACTIVE, SUSPENDED, Duty


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_scans_decisions_and_city_calls_are_counted(city_app, new_client):
    """A pending scan, a refusal and an admit move their counters; the lookups are timed."""
    duty = Duty(city_app, new_client)
    pending = _value("xgm_scans_total", outcome="pending")
    refused = _value("xgm_scans_total", outcome="refused")
    decided = _value("xgm_scan_decision_seconds_count", outcome="admitted")
    lookups = _value("xgm_city_requests_total", endpoint="get_rider", result="200")
    timed = _value("xgm_city_request_duration_seconds_count", endpoint="get_rider")
    duty.rider(ACTIVE)
    duty.rider(SUSPENDED)
    [arrival] = [a for a in duty.listed() if a["outcome"] == "pending"]
    assert duty.act(arrival["id"], "admit").status_code == 200
    assert _value("xgm_scans_total", outcome="pending") == pending + 1
    assert _value("xgm_scans_total", outcome="refused") == refused + 1
    assert _value("xgm_scan_decision_seconds_count", outcome="admitted") == decided + 1
    assert _value("xgm_city_requests_total", endpoint="get_rider", result="200") >= lookups + 2
    assert _value("xgm_city_request_duration_seconds_count", endpoint="get_rider") >= timed + 2
