"""The commands the docs show are run, against a live backend, as written.

- Every ```sh block right after a `<!-- run: NAME -->` comment is run; blocks
  with the same NAME share one bash session, in order (the curl walkthrough
  of docs/15-testing.md is one such group). Only the address changes: the
  docs' http://127.0.0.1:5001 becomes the test server's. The first ```text
  block after a command is its expected output, where `...` stands for
  anything (tokens, dates).
- docs/http/silent-refresh.http is parsed and replayed with urllib and a cookie
  jar; its response handlers (JavaScript) run in Node with a small stand-in
  for the JetBrains `client` and `response` objects.
"""

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from helpers import skip_or_fail
from live import BIN, ROOT

pytestmark = pytest.mark.slow

DOCS = ROOT / "docs"
DOCS_API = "http://127.0.0.1:5001"
HTTP_FILE = DOCS / "http" / "silent-refresh.http"
END = "@@END-OF-BLOCK@@"
TRANSLATIONS = {"zh-CN"}  # docs/<lang>/: translated editions of the guide


# --- runnable blocks in the Markdown -------------------------------------------


@dataclass
class Command:
    doc: Path
    line: int
    code: str
    expected: str | None


def runnable_groups() -> dict[str, list[Command]]:
    groups: dict[str, list[Command]] = {}
    for doc in sorted(DOCS.rglob("*.md")):
        if doc.parent.name in TRANSLATIONS:
            continue  # identical copies of the English blocks (docs/tools/docs_i18n.py checks that)
        lines = doc.read_text().splitlines()
        for i, line in enumerate(lines):
            marker = re.fullmatch(r"<!--\s*run:\s*([\w-]+)\s*-->", line.strip())
            if not marker:
                continue
            assert lines[i + 1].strip() == "```sh", (
                f"{doc}:{i + 1}: a run marker must be followed by ```sh"
            )
            end = lines.index("```", i + 2)
            code = "\n".join(lines[i + 2 : end])
            expected = None
            for j in range(end + 1, len(lines)):
                if (
                    lines[j].startswith("#")
                    or lines[j].startswith("<!--")
                    or lines[j].strip() == "```sh"
                ):
                    break
                if lines[j].strip() == "```text":
                    expected = "\n".join(lines[j + 1 : lines.index("```", j + 1)])
                    break
            groups.setdefault(marker.group(1), []).append(Command(doc, i + 1, code, expected))
    return groups


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()


def output_matches(expected: str, actual: str) -> bool:
    """`...` in the expected output matches anything, across lines too."""
    pattern = ".*?".join(re.escape(part) for part in normalise(expected).split("..."))
    return re.fullmatch(pattern, normalise(actual), re.DOTALL) is not None


def run_group(commands: list[Command], api_url: str, workdir: Path) -> list[str]:
    """Run the blocks in one bash session; return each block's output."""
    script = "\n".join(
        f"{c.code.replace(DOCS_API, api_url)}\nprintf '\\n%s\\n' '{END}'" for c in commands
    )
    # TMPDIR: the walkthrough's `mktemp -d` lands in the test's own folder.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(workdir)}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input=script,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = (done.stdout + done.stderr).split(f"\n{END}\n")
    assert len(outputs) == len(commands) + 1, (
        f"the session stopped early:\n{done.stdout}\n{done.stderr}"
    )
    return outputs[:-1]


GROUPS = runnable_groups()


def needs(*tools):
    for tool in tools:
        if not shutil.which(tool):
            skip_or_fail(f"{tool} not installed")


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_the_commands_in_the_docs_print_what_the_docs_say(name, live_backend, tmp_path):
    commands = GROUPS[name]
    needs("bash", "curl", *(["node"] if any("node " in c.code for c in commands) else []))
    server = live_backend()
    outputs = run_group(commands, server.url, tmp_path)
    for command, output in zip(commands, outputs, strict=True):
        if command.expected is not None:
            assert output_matches(command.expected, output), (
                f"{command.doc.relative_to(ROOT)}:{command.line} printed:\n{output}\n"
                f"but the docs say:\n{command.expected}"
            )


def test_the_curl_walkthrough_covers_the_whole_session():
    walkthrough = GROUPS.get("curl-walkthrough", [])
    shown = [c for c in walkthrough if c.expected is not None]
    assert len(shown) >= 8, "the walkthrough lost steps (or their expected output)"
    expected = "\n".join(c.expected for c in shown)
    code = "\n".join(c.code for c in walkthrough)
    for route in ("/auth/login", "/aaa", "/auth/refresh", "/auth/logout"):
        assert route in code
    for text in ('"error":"token_reused"', '"error":"token_revoked"', "204"):
        assert text in expected
    assert '-c "$WORK/cookies.txt"' in code and '-b "$WORK/cookies.txt"' in code, (
        "the walkthrough uses a cookie jar"
    )
    assert "csrf_refresh_token" in code, "the CSRF value comes from the jar"


def test_output_matching_is_strict_outside_the_wildcards():
    assert output_matches('{"a":...,"b":2}\nHTTP 200', '{"a":"x\ny","b":2}  \nHTTP 200\n')
    assert not output_matches('{"a":...,"b":2}\n200', '{"a":1,"b":3}\n200')
    assert not output_matches("200", "401")


# --- the .http file --------------------------------------------------------------


@dataclass
class HttpRequest:
    name: str
    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    handler: str = ""


def parse_http_file(text: str) -> tuple[dict[str, str], list[HttpRequest]]:
    """The subset of the JetBrains format the file uses: `@name = value`
    variables, `### name` separators, comments, request line, headers, body,
    and a `> {% ... %}` response handler."""
    variables, requests = {}, []
    for index, chunk in enumerate(re.split(r"^###", text, flags=re.M)):
        # Before the first ### there is no name line; after each ###, the rest of
        # its line is the name.
        name, _, rest = ("", "", chunk) if index == 0 else chunk.partition("\n")
        handler = ""
        found = re.search(r"^> \{%(.*?)%\}", rest, re.S | re.M)
        if found:
            handler, rest = found.group(1), rest[: found.start()]
        lines = rest.splitlines()
        while lines and (not lines[0].strip() or lines[0].lstrip().startswith(("#", "//", "@"))):
            if var := re.match(r"^@(\w+)\s*=\s*(.*)$", lines[0].strip()):
                variables[var.group(1)] = var.group(2).strip()
            lines.pop(0)
        if not lines:
            continue
        method, url = lines[0].split()[:2]
        request = HttpRequest(name.strip(), method, url, handler=handler)
        body_at = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
        for line in lines[1:body_at]:
            if not line.lstrip().startswith(("#", "//")):
                key, _, value = line.partition(":")
                request.headers.append((key.strip(), value.strip()))
        request.body = "\n".join(lines[body_at + 1 :]).strip()
        requests.append(request)
    return variables, requests


HANDLER_RUNNER = r"""
import vm from 'node:vm';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { script, globals, status, headers, body } = JSON.parse(input);
const tests = [];
const valuesOf = (name) =>
  headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
const valueOf = (name) => valuesOf(name)[0] ?? null;
const response = { status, body, headers: { valuesOf, valueOf } };
const client = {
  global: {
    get: (k) => globals[k],
    set: (k, v) => { globals[k] = v; },
    clear: (k) => { delete globals[k]; },
    isEmpty: () => Object.keys(globals).length === 0,
  },
  test(name, fn) {
    try {
      fn();
      tests.push({ name, ok: true });
    } catch (e) {
      tests.push({ name, ok: false, message: String(e.message ?? e) });
    }
  },
  assert(condition, message) { if (!condition) throw new Error(message ?? 'assertion failed'); },
  log: (...args) => console.error(...args),
};
vm.runInNewContext(script, { client, response, console });
process.stdout.write(JSON.stringify({ globals, tests }));
"""


def run_handler(script: str, globals_: dict, status: int, headers: list, body) -> dict:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", HANDLER_RUNNER],
        input=json.dumps(
            {
                "script": script,
                "globals": globals_,
                "status": status,
                "headers": headers,
                "body": body,
            }
        ),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class KeepErrors(urllib.request.HTTPErrorProcessor):
    """Hand 4xx and 5xx answers back like any other, instead of raising."""

    def http_response(self, request, response):
        return response

    https_response = http_response


def substitute(text: str, variables: dict) -> str:
    def value(match):
        name = match.group(1).strip()
        assert name in variables, f"undefined variable {{{{{name}}}}}"
        return str(variables[name])

    return re.sub(r"\{\{\s*([\w.$-]+)\s*\}\}", value, text)


def test_the_http_file_parses_into_every_route():
    variables, requests = parse_http_file(HTTP_FILE.read_text())
    assert variables["baseUrl"] == DOCS_API
    routes = {(r.method, r.url.replace("{{baseUrl}}", "")) for r in requests}
    assert routes == {
        ("GET", "/health"),
        ("POST", "/auth/login"),
        ("GET", "/aaa"),
        ("GET", "/bbb"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
    }
    assert all(r.handler.strip() for r in requests), "every request checks its answer"


def test_the_http_file_runs_against_a_live_backend(live_backend):
    needs("node")
    server = live_backend()
    variables, requests = parse_http_file(HTTP_FILE.read_text())
    variables["baseUrl"] = server.url
    globals_: dict = {}
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar()), KeepErrors
    )
    statuses, failures = [], []
    for request in requests:
        scope = {**variables, **globals_}
        data = substitute(request.body, scope).encode() if request.body else None
        outgoing = urllib.request.Request(
            substitute(request.url, scope), data=data, method=request.method
        )
        for key, value in request.headers:
            outgoing.add_header(key, substitute(value, scope))
        with opener.open(outgoing, timeout=10) as answer:
            raw = answer.read().decode()
            headers = list(answer.headers.items())
            status = answer.status
        is_json = "json" in answer.headers.get("Content-Type", "")
        body = json.loads(raw) if raw and is_json else raw
        statuses.append(status)
        result = run_handler(request.handler, globals_, status, headers, body)
        globals_ = result["globals"]
        assert result["tests"], f"{request.name}: the handler ran no test"
        failures += [
            f"{request.name}: {t['name']}: {t.get('message')}"
            for t in result["tests"]
            if not t["ok"]
        ]
    assert not failures, "\n".join(failures)
    assert statuses == [200, 200, 200, 200, 401, 200, 401, 200, 401, 204, 401]


def test_the_http_parser_reads_the_format():
    variables, requests = parse_http_file(
        "# comment\n@host = http://x\n\n### First\n// note\nPOST {{host}}/a HTTP/1.1\nA: 1\n"
        "# header comment\n\n"
        '{"k": 1}\n\n> {%\n  client.test("t", function () {});\n%}\n\n### Second\nGET {{host}}/b\n'
    )
    assert variables == {"host": "http://x"}
    first, second = requests
    assert (first.name, first.method, first.url, first.headers, first.body) == (
        "First",
        "POST",
        "{{host}}/a",
        [("A", "1")],
        '{"k": 1}',
    )
    assert 'client.test("t"' in first.handler
    assert (second.name, second.method, second.body, second.handler) == ("Second", "GET", "", "")
