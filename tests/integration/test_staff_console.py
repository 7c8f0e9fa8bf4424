"""The staff console's HTTP API (webapp/staff/) against the real server in a subprocess: who may call what,
CSRF, sign-in lock-out, cookies and security headers, the queue and assisted mode over HTTP."""

from __future__ import annotations

import re

import pytest
import requests

from procedures_db.db import session_scope
from services.service_requests import create_handoff, save_feedback
from tests.staff_helpers import StaffClient, console_server

pytestmark = pytest.mark.timeout(300)

API_GETS = (
    "/staff/api/me",
    "/staff/api/queue",
    "/staff/api/queue.csv",
    "/staff/api/queue/handoff-1",
    "/staff/api/ratings",
    "/staff/api/accounts",
    "/staff/api/audit",
    "/staff/api/analytics",
    "/staff/api/analytics.csv",
    "/staff/api/procedures?q=khai%20sinh",
    "/staff/api/procedures/1.001193",
    "/staff/api/procedures/1.001193/checklist",
    "/staff/api/procedures/1.001193/qr.svg",
    "/staff/api/live",
    "/staff/api/live/1",
    "/staff/api/live/events",
    "/staff/api/catalogue",
    "/staff/api/catalogue/1.001193",
    "/staff/api/analytics/unanswered.yml",
)
API_POSTS = (
    "/staff/api/logout",
    "/staff/api/queue/handoff-1/take",
    "/staff/api/queue/handoff-1/status",
    "/staff/api/queue/handoff-1/answer",
    "/staff/api/accounts",
    "/staff/api/accounts/canbo.an/active",
    "/staff/api/live/1/take",
    "/staff/api/live/1/messages",
    "/staff/api/live/1/return",
    "/staff/api/catalogue/1.001193/aliases",
    "/staff/api/catalogue/1.001193/hidden",
    "/staff/api/catalogue/1.001193/facts",
    "/staff/api/procedures/1.001193/send",
)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    with console_server(tmp_path_factory.mktemp("console"), STAFF_LOGIN_MAX_FAILURES="3") as (base, database):
        with session_scope(database) as session:
            create_handoff(session, "zalo:4455", "zalo", "1.001193", "Tôi là Lê Văn Cường, sđt 0987654321")
            save_feedback(session, 1, "Chờ lâu quá", "web:9", "socketio")
        yield base, database


@pytest.fixture(scope="module")
def admin(console):
    client = StaffClient(console[0])
    assert client.login("quantri").status_code == 200
    return client


@pytest.fixture(scope="module")
def clerk(console):
    client = StaffClient(console[0])
    assert client.login("canbo.an").status_code == 200
    return client


@pytest.mark.parametrize("path", API_GETS)
def test_every_api_route_refuses_a_request_without_a_session(console, path):
    reply = requests.get(console[0] + path, timeout=10)
    assert reply.status_code == 401 and reply.json()["error"] == "sign in first"
    forged = requests.get(console[0] + path, cookies={"staff_session": "forged-token"}, timeout=10)
    assert forged.status_code == 401


@pytest.mark.parametrize("path", API_POSTS)
def test_every_change_refuses_a_request_without_a_session(console, path):
    reply = requests.post(console[0] + path, json={}, headers={"X-CSRF-Token": "x"}, timeout=10)
    assert reply.status_code == 401


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/staff/api/accounts"),
        ("get", "/staff/api/audit"),
        ("post", "/staff/api/accounts"),
        ("get", "/staff/api/analytics"),
        ("get", "/staff/api/analytics.csv"),
        ("get", "/staff/api/analytics/unanswered.yml"),
        ("get", "/staff/api/catalogue"),
        ("get", "/staff/api/catalogue/1.001193"),
        ("post", "/staff/api/catalogue/1.001193/aliases"),
        ("post", "/staff/api/catalogue/1.001193/hidden"),
    ],
)
def test_commune_staff_are_refused_the_administrators_routes_and_it_is_audited(console, clerk, admin, method, path):
    body = {"username": "moi", "display_name": "Mới", "role": "province_admin", "password": "x" * 12}
    reply = clerk.get(path) if method == "get" else clerk.post(path, body)
    assert reply.status_code == 403
    entries = admin.get("/staff/api/audit?action=access.denied").json()["entries"]
    assert any(e["username"] == "canbo.an" and e["target"] == path for e in entries)
    assert all(a["username"] != "moi" for a in admin.get("/staff/api/accounts").json()["accounts"])


def test_changes_need_the_sessions_csrf_token(console, clerk, admin):
    path = "/staff/api/queue/handoff-1/take"
    assert clerk.post(path, headers={"X-CSRF-Token": ""}).status_code == 403
    assert clerk.post(path, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert clerk.post(path, headers={"X-CSRF-Token": admin.csrf}).status_code == 403  # another session's
    # a cross-site form post: right cookie, no header, form body
    form = clerk.http.post(console[0] + path, data={"a": "b"}, timeout=10)
    assert form.status_code == 403
    # the right token from another site's page
    assert clerk.post(path, headers={"Origin": "https://evil.example"}).status_code == 403
    # a form body even with the token
    wrong_type = clerk.http.post(
        console[0] + "/staff/api/queue/handoff-1/status",
        data="status=closed",
        headers={"X-CSRF-Token": clerk.csrf, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert wrong_type.status_code == 415
    # nothing was taken by the refused requests
    item = clerk.get("/staff/api/queue/handoff-1").json()
    assert item["status"] == "new" and item["handler"] is None


def test_sign_in_needs_its_own_csrf_token(console):
    reply = requests.post(console[0] + "/staff/api/login", json={"username": "quantri", "password": "x"}, timeout=10)
    assert reply.status_code == 403
    http = requests.Session()
    http.get(console[0] + "/staff/api/csrf", timeout=10)
    reply = http.post(
        console[0] + "/staff/api/login",
        json={"username": "quantri", "password": "x"},
        headers={"X-CSRF-Token": "not-the-cookie"},
        timeout=10,
    )
    assert reply.status_code == 403


def test_repeated_wrong_passwords_lock_the_account(console, admin):
    client = StaffClient(console[0])
    codes = [client.login("canbo.binh", "sai-mat-khau-1").status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    locked = client.login("canbo.binh")  # the right password, while locked
    assert locked.status_code == 429 and locked.json()["code"] == "locked" and locked.json()["locked_until"]
    actions = [e["action"] for e in admin.get("/staff/api/audit").json()["entries"] if e["username"] == "canbo.binh"]
    assert actions.count("login.failed") == 3 and "login.locked" in actions
    assert client.get("/staff/api/me").status_code == 401


def test_the_session_cookie_and_the_security_headers(console):
    client = StaffClient(console[0])
    reply = client.login("quantri")
    cookie = reply.headers["set-cookie"]
    assert re.search(r"staff_session=[^;]+; Path=/staff; HttpOnly; SameSite=Strict", cookie)
    page = requests.get(console[0] + "/staff/", timeout=10)
    assert page.status_code == 200 and "Bảng điều khiển cán bộ" in page.text
    for reply in (page, client.get("/staff/api/me"), requests.get(console[0] + "/staff/api/me", timeout=10)):
        csp = reply.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
        assert reply.headers["x-frame-options"] == "DENY" and reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["cache-control"] == "no-store"
    assert requests.get(console[0] + "/staff", allow_redirects=False, timeout=10).headers["location"] == "/staff/"


@pytest.mark.parametrize(
    "path", ["/staff/static/", "/staff/static/../routes.py", "/staff/static/%2e%2e/routes.py", "/staff/static/x.js"]
)
def test_only_the_consoles_files_are_served(console, path):
    assert requests.get(console[0] + path, timeout=10).status_code == 404


def test_signing_out_ends_the_session(console):
    client = StaffClient(console[0])
    client.login("quantri")
    old_cookie = client.http.cookies.get("staff_session", path="/staff")
    assert client.post("/staff/api/logout").status_code == 200
    again = requests.get(console[0] + "/staff/api/me", cookies={"staff_session": old_cookie}, timeout=10)
    assert again.status_code == 401


def test_an_account_made_by_the_administrator_signs_in(console, admin):
    made = admin.post(
        "/staff/api/accounts",
        {"username": "canbo.cuong", "display_name": "Lê Cường", "role": "commune_staff", "password": "mat-khau-moi-12"},
    )
    assert made.status_code == 201
    assert admin.post("/staff/api/accounts", {"username": "canbo.cuong", "display_name": "x"}).status_code == 400
    client = StaffClient(console[0])
    assert client.login("canbo.cuong", "mat-khau-moi-12").status_code == 200
    me = client.get("/staff/api/me").json()["me"]
    assert me["role"] == "commune_staff" and "accounts" not in me["permissions"]


def test_the_queue_over_http(console, clerk):
    listed = clerk.get("/staff/api/queue").json()
    handoff = next(item for item in listed["items"] if item["kind"] == "handoff")
    assert "0987654321" not in handoff["text"] and handoff["sender_id"] is None
    key = handoff["key"]
    taken = clerk.post(f"/staff/api/queue/{key}/take").json()
    assert "0987654321" in taken["text"] and taken["sender_id"] == "zalo:4455"
    answered = clerk.post(f"/staff/api/queue/{key}/answer", {"text": "Dạ, cán bộ sẽ gọi lại ạ."}).json()
    assert answered["status"] == "answered" and answered["answer_delivery"] == "to_deliver"
    assert clerk.post(f"/staff/api/queue/{key}/answer", {"text": 5}).status_code == 400
    assert clerk.post(f"/staff/api/queue/{key}/status", {"status": "gone"}).status_code == 400
    exported = clerk.get("/staff/api/queue.csv")
    assert exported.headers["content-type"].startswith("text/csv") and "0987654321" not in exported.text
    assert clerk.get("/staff/api/queue?status=bogus").status_code == 400
    ratings = clerk.get("/staff/api/ratings").json()
    assert ratings["by_rating"]["1"] >= 1


def test_assisted_mode_over_http(clerk):
    hits = clerk.get("/staff/api/procedures?q=khai%20sinh").json()["results"]
    assert hits[0]["code"] == "1.001193"
    opened = clerk.get("/staff/api/procedures/1.001193").json()
    assert opened["record"]["name"] == "Đăng ký khai sinh" and len(opened["cases"]) >= 2
    plain = clerk.get("/staff/api/procedures/1.001193/checklist").json()
    with_case = clerk.get("/staff/api/procedures/1.001193/checklist?cases=0").json()
    assert len(with_case["documents"]) == len(plain["documents"]) + 1
    assert with_case["cases"] == [opened["cases"][0]]
    assert clerk.get("/staff/api/procedures/1.001193/checklist?cases=99").status_code == 400
    assert clerk.get("/staff/api/procedures/9.999999").status_code == 404
    assert clerk.get("/staff/api/procedures?q=").status_code == 400
    if plain["online_url"]:
        svg = clerk.get("/staff/api/procedures/1.001193/qr.svg")
        assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg")


def test_analytics_over_http(admin):
    data = admin.get("/staff/api/analytics?from=2026-01-01&to=2026-01-31&channel=zalo").json()
    assert len(data["days"]) == 31 and data["channel"] == "zalo" and data["definitions"]["conversations"]
    assert admin.get("/staff/api/analytics?from=2026-02-01&to=2026-01-01").status_code == 400
    assert admin.get("/staff/api/analytics?channel=fax").json()["code"] == "bad_range"
    exported = admin.get("/staff/api/analytics.csv?from=2026-01-01&to=2026-01-02")
    assert exported.status_code == 200 and exported.text.lstrip("\ufeff").startswith("day,conversations")
    assert any(e["action"] == "analytics.export" for e in admin.get("/staff/api/audit").json()["entries"])


def test_concurrent_wrong_passwords_are_all_counted_without_an_error(console):
    """Sign-ins are checked two at a time off the event loop; failures of one name at once all count."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_n: int) -> int:
        return StaffClient(console[0]).login("ten.moi.chua.co", "sai-mat-khau-2").status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(attempt, range(6)))
    assert set(codes) <= {401, 429} and 429 in codes, codes
    assert requests.get(console[0] + "/health", timeout=5).status_code == 200
