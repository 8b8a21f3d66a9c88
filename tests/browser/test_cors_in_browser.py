"""CORS preflights in a real browser (docs/11, "A typo'd path").

Once logged in, every call carries Authorization, so Chromium sends a
preflight first. A preflight that fails makes fetch reject with a network
error, and the page can never read the real answer. From an allowed origin,
the preflight passes for every path, so `api.get('/nope')` is a readable
404 not_found and a DELETE on /aaa a readable 405.

The page logs those 404/405s to its console on purpose, so these tests do
not use the demo's console_problems check.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CALLS = """async (apiUrl) => {
    const { createApiClient } = await import('./js/api.js');
    const api = createApiClient({ baseURL: apiUrl, onSessionExpired() {} });
    await api.login('demo', 'password');
    const outcome = async (call) => {
        try { return { ok: true, body: await call() }; }
        catch (error) { return { ok: false, status: error.status, code: error.code }; }
    };
    const nope = await outcome(() => api.get('/nope'));
    const bogus = { method: 'DELETE', headers: { Authorization: 'Bearer x' } };
    const raw = await fetch(apiUrl + '/aaa', bogus)
        .then((r) => r.json().then((body) => ({ status: r.status, body })),
              (error) => ({ status: 0, error: String(error) }));
    const aaa = await outcome(() => api.get('/aaa'));
    return { nope, raw, aaa };
}"""


def test_after_login_a_typod_path_is_a_readable_404_and_a_wrong_method_a_readable_405(
    page, frontend, live_backend
):
    backend = live_backend(CORS_ORIGINS=frontend.url)
    page.goto(frontend.url + "/")
    result = page.evaluate(CALLS, backend.url)
    assert result["aaa"]["ok"], result  # the session works across origins
    assert result["nope"] == {"ok": False, "status": 404, "code": "not_found"}, result
    # The client has get/post only; a DELETE with an Authorization header
    # (so with a preflight) goes out with fetch, as an app's own code would.
    assert result["raw"]["status"] == 405, result
    assert result["raw"]["body"]["error"] == "method_not_allowed"


def test_a_foreign_origin_still_cannot_read_anything(page, frontend, live_backend):
    backend = live_backend(CORS_ORIGINS="https://somewhere-else.example")
    page.goto(frontend.url + "/")
    status = page.evaluate(
        """(apiUrl) => fetch(apiUrl + '/nope', { headers: { Authorization: 'Bearer x' } })
        .then((r) => r.status, () => 0)""",
        backend.url,
    )
    assert status == 0  # the preflight got no CORS headers: the browser refuses
