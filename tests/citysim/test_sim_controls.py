"""The simulator's failure controls, down mode, reset and control page."""

import time

from tests.factories import complaint_body

PATH = "/api/v1/complaints"


def post(signed, key: str):
    """POST the example complaint with the given key."""
    return signed.post_json(PATH, complaint_body(reference=key), key=key)


def test_fail_503_for_next_n_posts(signed, sim_client):
    """mode 503 count 2: two 503s, then normal again, and no complaint from the failures."""
    sim_client.post("/_sim/fail", json={"mode": "503", "count": 2})
    codes = [post(signed, f"k{i}").status_code for i in range(3)]
    assert codes == [503, 503, 201]
    assert sim_client.get("/_sim/state").get_json()["complaints"] == 1


def test_fail_429_sends_retry_after(signed, sim_client):
    """mode 429 answers 429 with the configured Retry-After."""
    sim_client.post("/_sim/fail", json={"mode": "429", "count": 1, "retry_after": 2})
    response = post(signed, "k1")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"


def test_fail_timeout_delays_then_processes(signed, sim_client):
    """mode timeout sleeps `delay` seconds and then stores the complaint normally."""
    sim_client.post("/_sim/fail", json={"mode": "timeout", "count": 1, "delay": 0.2})
    started = time.monotonic()
    response = post(signed, "k1")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 201


def test_fail_does_not_touch_lookups(signed, sim_client):
    """Failure plans apply to complaint posts only."""
    sim_client.post("/_sim/fail", json={"mode": "503", "count": 1})
    assert signed.get("/api/v1/riders/XGM330122000123").status_code == 200
    assert post(signed, "k1").status_code == 503


def test_fail_mix_is_seeded(signed, sim_client):
    """mode mix draws from a seeded generator: same seed, same sequence; then it stops."""
    plan = {"mode": "mix", "p503": 0.4, "p429": 0.2, "seed": 7, "count": 12, "retry_after": 0}
    sequences = []
    for run in range(2):
        sim_client.post("/_sim/reset")
        sim_client.post("/_sim/fail", json=plan)
        sequences.append([post(signed, f"r{run}-{i}").status_code for i in range(14)])
    assert sequences[0] == sequences[1]
    assert set(sequences[0][:12]) == {201, 429, 503}
    assert sequences[0][12:] == [201, 201]


def test_fail_none_clears_plan(signed, sim_client):
    """mode none cancels pending failures."""
    sim_client.post("/_sim/fail", json={"mode": "503", "count": 5})
    sim_client.post("/_sim/fail", json={"mode": "none"})
    assert post(signed, "k1").status_code == 201


def test_fail_rejects_bad_mode(sim_client):
    """An unknown failure mode is a 400."""
    assert sim_client.post("/_sim/fail", json={"mode": "418", "count": 1}).status_code == 400


def test_down_answers_503_everywhere(signed, sim_client):
    """While down, lookups and complaints answer 503; after up they work again."""
    sim_client.post("/_sim/down", json={"down": True})
    during = (
        signed.get("/api/v1/riders/XGM330122000123").status_code,
        post(signed, "k1").status_code,
    )
    sim_client.post("/_sim/down", json={"down": False})
    assert during == (503, 503)
    assert signed.get("/api/v1/riders/XGM330122000123").status_code == 200


def test_reset_returns_to_seed(signed, sim_client):
    """Reset forgets complaints, bulk riders, failure plans and webhooks."""
    post(signed, "k1")
    sim_client.post("/_sim/riders", json={"count": 5})
    sim_client.post("/_sim/fail", json={"mode": "503", "count": 5})
    sim_client.post("/_sim/riders/XGM330122000123/status", json={"status": "revoked"})
    sim_client.post("/_sim/reset")
    state = sim_client.get("/_sim/state").get_json()
    assert (state["complaints"], state["riders"], state["fail"]) == (0, 16, None)
    assert state["webhooks"] == {"pending": 0, "delivered": 0, "failed": 0, "held": 0}
    assert signed.get("/api/v1/riders/XGM330122000123").get_json()["status"] == "active"


def test_control_page_lists_everything(signed, sim_client):
    """/_sim shows riders, complaints with their keys and references, and deliveries."""
    post(signed, "key-on-page")
    sim_client.post("/_sim/riders/XGM330122000124/status", json={"status": "suspended"})
    page = sim_client.get("/_sim").get_data(as_text=True)
    assert "王小明" in page
    assert page.count("key-on-page") == 2  # the key and the reference
    assert "rider.status_changed" in page


def test_html_forms_redirect_back(sim_client):
    """A control submitted from the page's forms redirects back to /_sim."""
    response = sim_client.post("/_sim/down", data={"down": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/_sim"
    assert sim_client.get("/_sim/state").get_json()["down"] is True
