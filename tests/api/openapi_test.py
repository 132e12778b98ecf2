#!/usr/bin/env python3
"""The API against its document: drives every route of a real `leadscan serve` (SQLite, the
fake internet on loopback, a small batch so jobs, results and leads have real content) with
requests that succeed and requests that must be refused, and checks each answer against
docs/openapi.json with a JSON Schema 2020-12 validator (Debian's python3-jsonschema):

- the status is one the operation lists, the content type one it describes, and the body
  validates against that response's schema (jsonl exports line by line, event streams event
  by event against x-line-schema / x-event-schemas);
- every request body and query parameter the test sends validates against the document when
  the server accepts it, and the document refuses it too where the server refuses a request
  for a reason a schema can express (unknown field, wrong type, out of range);
- the document's operations are the routes registered in the sources (router.Get/Post/...
  in src/api, the built-in probes of src/http/http_server.cc), and every one of them was
  called and answered with a success status here.

usage: openapi_test.py LEADSCAN FAKENET SITES_DIR OPENAPI_JSON SOURCE_DIR
"""
import copy
import http.client
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

try:
    import jsonschema
    import jsonschema.exceptions
except ImportError:
    sys.exit("python3-jsonschema is missing for %s (scripts/install-deps.sh installs it)" %
             sys.executable)
if not hasattr(jsonschema, "Draft202012Validator"):
    sys.exit("jsonschema %s has no JSON Schema 2020-12 validator (needs 4.0 or newer)" %
             importlib.metadata.version("jsonschema"))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "process"))
from procutil import (WebhookReceiver, fakenet_flags, free_port, start_fakenet,  # noqa: E402
                      verify_signature, wait_for)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
METHODS = ("get", "put", "post", "patch", "delete")


class Spec:
    """The document, with validators for its schemas (local $refs resolve against it)."""

    def __init__(self, doc):
        self.doc = doc
        self.cache = {}
        # (METHOD, template) -> set of statuses seen
        self.seen = {}
        self.responses_checked = 0
        self.requests_checked = 0
        # (METHOD, template, name) of every query parameter sent
        self.queries_sent = set()

    def operation(self, method, template):
        item = self.doc["paths"].get(template)
        assert item is not None, "path %s is not in the document" % template
        op = item.get(method.lower())
        assert op is not None, "%s %s is not in the document" % (method, template)
        return item, op

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        v = self.cache.get(key)
        if v is None:
            root = dict(schema)
            root["$schema"] = DIALECT
            root["components"] = self.doc["components"]
            jsonschema.Draft202012Validator.check_schema(root)
            v = jsonschema.Draft202012Validator(root)
            self.cache[key] = v
        return v

    def errors(self, schema, value):
        """Readable problems of `value` (empty when it validates): for each top-level error the
        most relevant one under it (oneOf/anyOf branches), with where it is."""
        out = []
        for e in self.validator(schema).iter_errors(value):
            best = jsonschema.exceptions.best_match([e])
            where = "/" + "/".join(str(p) for p in best.absolute_path)
            out.append("%s: %s" % (where, best.message[:300]))
        return sorted(out)

    def resolve(self, obj):
        while isinstance(obj, dict) and "$ref" in obj and len(obj) == 1:
            ref = obj["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def parameters(self, method, template):
        item, op = self.operation(method, template)
        out = {}
        for p in item.get("parameters", []) + op.get("parameters", []):
            p = self.resolve(p)
            out[(p["in"], p["name"])] = p
        return out


def query_value(schema, text):
    """A query string as the value its schema describes (integers are numbers; a repeatable
    parameter, an array, gets the list of its values; a list is sent as repeated values)."""
    if schema.get("type") == "array":
        return list(text) if isinstance(text, (list, tuple)) else [text]
    if schema.get("type") == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    return text


class Oversized:
    """A request body announced by its Content-Length only (larger than the server takes)."""

    def __init__(self, length):
        self.length = length


class Api:
    def __init__(self, base_port, spec, tokens):
        self.port = base_port
        self.spec = spec
        self.tokens = tokens

    def raw(self, method, target, body=None, ctype=None, token="admin", timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if token is not None:
            headers["Authorization"] = "Bearer " + self.tokens.get(token, token)
        if isinstance(body, Oversized):
            # Only the header block: the server answers 413 from Content-Length alone.
            conn.putrequest(method, target)
            for k, v in dict(headers, **{"Content-Type": "application/json",
                                         "Content-Length": str(body.length)}).items():
                conn.putheader(k, v)
            conn.endheaders()
        else:
            data = None
            if body is not None:
                data = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode())
                headers["Content-Type"] = ctype or "application/json"
            conn.request(method, target, body=data, headers=headers)
        resp = conn.getresponse()
        content_type = resp.getheader("Content-Type") or ""
        # An event stream opened here by mistake would never end: its body is not read.
        payload = b"" if content_type.startswith("text/event-stream") else resp.read()
        resp.close()
        conn.close()
        return resp.status, content_type, payload

    def call(self, method, template, params=None, query=None, body=None, ctype=None,
             token="admin", expect=None, request_valid=True):
        """Sends a request to the operation `method template`, checks the request against the
        document (request_valid: True = the document accepts it, False = the document refuses
        it, None = a schema cannot tell), then the answer. Returns (status, parsed body)."""
        spec = self.spec
        item, op = spec.operation(method, template)
        path = template
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        target = path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")

        declared = spec.parameters(method, template)
        for name in (params or {}):
            assert ("path", name) in declared, "path parameter %s of %s %s undocumented" % (
                name, method, template)
        request_errors = []
        for name, text in (query or {}).items():
            p = declared.get(("query", name))
            assert p is not None, "query parameter %s of %s %s is not in the document" % (
                name, method, template)
            request_errors += spec.errors(p["schema"], query_value(p["schema"], text))
            spec.queries_sent.add((method.upper(), template, name))
        if body is not None:
            media = "application/json" if ctype is None else ctype
            assert "requestBody" in op, "%s %s takes no body in the document" % (method, template)
            content = op["requestBody"]["content"]
            assert media in content, "%s %s: body type %s undocumented" % (method, template, media)
            if media == "application/json" and not isinstance(body, (str, bytes, Oversized)):
                request_errors += spec.errors(content[media]["schema"], body)
                spec.requests_checked += 1
        elif "requestBody" in op and op["requestBody"].get("required") and request_valid:
            raise AssertionError("%s %s needs a body" % (method, template))
        if request_valid is True:
            assert not request_errors, "the document refuses a request the test expects to " \
                "pass: %s %s %s: %s" % (method, target, body, request_errors)
        elif request_valid is False:
            assert request_errors, "the document accepts a request the server must refuse: " \
                "%s %s %s" % (method, target, body)

        status, content_type, payload = self.raw(method, target, body, ctype, token)
        if expect is not None:
            assert status == expect, "%s %s: status %d, expected %d: %s" % (
                method, target, status, expect, payload[:500])
        parsed = self.check_response(method, template, op, status, content_type, payload, target)
        spec.seen.setdefault((method.upper(), template), set()).add(status)
        return status, parsed

    def check_response(self, method, template, op, status, content_type, payload, target):
        spec = self.spec
        where = "%s %s -> %d" % (method, target, status)
        response = op["responses"].get(str(status))
        assert response is not None, "%s: status not in the document (has %s)" % (
            where, sorted(op["responses"]))
        response = spec.resolve(response)
        content = response.get("content")
        if not content:
            assert payload == b"", "%s: the document says no body, got %r" % (where, payload[:200])
            spec.responses_checked += 1
            return None
        media = content_type.split(";")[0].strip()
        assert media in content, "%s: content type %s not in the document (%s)" % (
            where, content_type, sorted(content))
        described = content[media]
        text = payload.decode("utf-8")
        parsed = text
        if media == "application/json":
            parsed = json.loads(text)
            problems = spec.errors(described["schema"], parsed)
            assert not problems, "%s: body does not match the document: %s\nbody: %s" % (
                where, problems[:5], text[:1500])
        elif "x-line-schema" in described:
            parsed = [json.loads(line) for line in text.splitlines() if line]
            for line in parsed:
                problems = spec.errors(described["x-line-schema"], line)
                assert not problems, "%s: line does not match: %s\n%s" % (
                    where, problems[:5], json.dumps(line)[:1500])
        else:
            problems = spec.errors(described["schema"], text)
            assert not problems, "%s: %s" % (where, problems)
        spec.responses_checked += 1
        return parsed

    def open_stream(self, template, params):
        """Opens an event stream and leaves it open; returns the response (which owns the
        socket: close it to end the stream)."""
        path = template
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Authorization": "Bearer " + self.tokens["admin"]})
        resp = conn.getresponse()
        assert resp.status == 200, resp.status
        assert resp.fp.readline().startswith(b"event: snapshot"), "no snapshot first"
        return resp

    def events(self, template, params, timeout=60):
        """Reads a whole event stream (it ends when the job is final) and checks every event
        against x-event-schemas. Returns [(event, data)]."""
        spec = self.spec
        item, op = spec.operation("GET", template)
        path = template
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("GET", path, headers={"Authorization": "Bearer " + self.tokens["admin"],
                                           "Accept": "text/event-stream"})
        resp = conn.getresponse()
        assert resp.status == 200, (resp.status, resp.read()[:300])
        media = (resp.getheader("Content-Type") or "").split(";")[0]
        content = spec.resolve(op["responses"]["200"])["content"]
        assert media in content, media
        schemas = content[media]["x-event-schemas"]
        out = []
        event, data = None, []
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = resp.fp.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    name = event or "message"
                    assert name in schemas, "event %s is not in the document" % name
                    value = json.loads("\n".join(data))
                    problems = spec.errors(schemas[name], value)
                    assert not problems, "event %s does not match: %s\n%s" % (
                        name, problems[:5], json.dumps(value)[:1500])
                    spec.responses_checked += 1
                    out.append((name, value))
                event, data = None, []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        conn.close()
        spec.seen.setdefault(("GET", template), set()).add(200)
        return out


def source_routes(source_dir):
    """METHOD + path of every route registered in src/api (router.Get("...") and
    `base + "..."`), plus the server's built-in probes (BuiltinGetPaths in http_server.cc)."""
    routes = set()
    api = os.path.join(source_dir, "src", "api")
    call = re.compile(r'router\.(Get|Post|Put|Patch|Delete)\(\s*(?:(\w+)\s*\+\s*)?"([^"]+)"')
    for name in sorted(os.listdir(api)):
        if not name.endswith(".cc") or name.endswith("_test.cc"):
            continue
        text = open(os.path.join(api, name), encoding="utf-8").read()
        for method, var, literal in call.findall(text):
            prefix = ""
            if var:
                m = re.search(r'\b%s\s*=\s*"([^"]*)"' % re.escape(var), text)
                assert m, "%s: cannot resolve %s" % (name, var)
                prefix = m.group(1)
            path = re.sub(r":(\w+)", r"{\1}", prefix + literal)
            routes.add((method.upper(), path))
    server_cc = os.path.join(source_dir, "src", "http", "http_server.cc")
    server = open(server_cc, encoding="utf-8").read()
    m = re.search(r"BuiltinGetPaths\(\) \{.*?\{([^}]*)\}", server, re.S)
    assert m, "BuiltinGetPaths not found in http_server.cc"
    for path in re.findall(r'"([^"]+)"', m.group(1)):
        routes.add(("GET", path))
    assert len(routes) > 20, routes
    return routes


def source_query_names(source_dir):
    """Every query parameter name a handler in src/api reads."""
    names = set()
    api = os.path.join(source_dir, "src", "api")
    read = re.compile(r'(?:Query|QueryInt|QueryBool|QueryAll|QueryTime)\(\s*(?:\w+\s*,\s*)?'
                      r'"(\w+)"')
    for name in os.listdir(api):
        if name.endswith(".cc") and not name.endswith("_test.cc"):
            names |= set(read.findall(open(os.path.join(api, name), encoding="utf-8").read()))
    assert len(names) > 10, names
    return names


def documented_queries(spec):
    """(METHOD, template, name) of every query parameter in the document."""
    out = set()
    for template, item in spec.doc["paths"].items():
        for method in item:
            if method in METHODS:
                for (where, name) in spec.parameters(method, template):
                    if where == "query":
                        out.add((method.upper(), template, name))
    return out


def documented_routes(doc):
    return {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m in METHODS}


def self_check(spec, job, lead):
    """The validator catches drift: a real Job with an unknown field, a lead without a required
    field, a wrong type, an error object without its code."""
    jschema = {"$ref": "#/components/schemas/Job"}
    assert not spec.errors(jschema, job)
    drifted = dict(job, surprise=1)
    assert spec.errors(jschema, drifted), "an unknown field in a Job went unnoticed"
    missing = {k: v for k, v in job.items() if k != "status"}
    assert spec.errors(jschema, missing), "a Job without status went unnoticed"
    wrong = dict(job, progress="3")
    assert spec.errors(jschema, wrong), "a string progress went unnoticed"
    lschema = {"$ref": "#/components/schemas/LeadWithHistory"}
    assert not spec.errors(lschema, lead)
    bad_lead = copy.deepcopy(lead)
    bad_lead["history"][0]["result"]["site_kind"]["kind"] = "castle"
    assert spec.errors(lschema, bad_lead), "a deep drift in a result went unnoticed"
    assert spec.errors({"$ref": "#/components/schemas/Error"}, {"error": {"message": "x"}})


def fakenet_variant(http_port, host, name):
    """Switches a demo site of the fake internet to its variant `name` ("" = back)."""
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/_fakenet/variant/" + name, headers={"Host": host})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 200, "fakenet: %s has no variant %r" % (host, name)


def wait_final(api, job_id, timeout=120):
    def final():
        status, body = api.call("GET", "/api/batch-analysis/jobs/{id}", {"id": job_id},
                                {"items_limit": "0"}, expect=200)
        done = body["job"]["status"] in ("completed", "failed", "cancelled")
        return body["job"] if done else None
    return wait_for(final, timeout, "job %s to finish" % job_id)


def main():
    leadscan, fakenet, sites, doc_path, source_dir = sys.argv[1:6]
    print("jsonschema", importlib.metadata.version("jsonschema"), file=sys.stderr)
    doc = json.load(open(doc_path, encoding="utf-8"))
    assert doc["openapi"].startswith("3.1"), doc["openapi"]
    spec = Spec(doc)

    # The document names the routes the sources register, and no others.
    in_source = source_routes(source_dir)
    in_doc = documented_routes(doc)
    assert in_source == in_doc, "routes in the sources but not the document: %s; in the " \
        "document but not the sources: %s" % (sorted(in_source - in_doc),
                                               sorted(in_doc - in_source))

    # Every query parameter a handler reads is documented (on some operation).
    undocumented = source_query_names(source_dir) - {n for _, _, n in documented_queries(spec)}
    assert not undocumented, "query parameters read in src/api but not documented: %s" % sorted(
        undocumented)

    tmp = tempfile.mkdtemp(prefix="leadscan-openapi-")
    db = "sqlite://" + os.path.join(tmp, "t.db")
    net, (http_port, https_port) = start_fakenet(fakenet, sites, tmp)
    procs = [net]
    log = open(os.path.join(tmp, "serve.log"), "w")
    ok = False
    try:
        def token(org, role):
            out = subprocess.run([leadscan, "token", "create", "--db", db, "--org", org,
                                  "--role", role], check=True, capture_output=True, text=True)
            return out.stdout.strip().splitlines()[-1]
        tokens = {"admin": token("acme", "admin"), "member": token("acme", "member"),
                  "other": token("other", "admin")}
        port = free_port()
        receiver = WebhookReceiver().start()
        serve = subprocess.Popen(
            [leadscan, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port,
             "--allow-net", "127.0.0.1/32:%d" % receiver.port, "--webhook-poll-ms", "100"]
            + fakenet_flags((http_port, https_port), os.path.join(tmp, "ca.pem")) +
            ["--politeness-ms", "0",
             "--ignore-robots", "--concurrency", "4", "--rate-limit", "0",
             "--max-streams-per-principal", "2",
             "--web-dir", os.path.join(tmp, "no-web"),
             "--first-token-file", os.path.join(tmp, "first-token"),
             # Leads without a domain get one from the Brave stand-in (issue 12).
             "--search-provider", "brave", "--search-url", "https://brave.search-api.test",
             "--search-key", "brave-test-key-4f1c9e"],
            stdout=log, stderr=subprocess.STDOUT)
        procs.append(serve)
        api = Api(port, spec, tokens)
        api.fakenet_port = http_port

        def up():
            try:
                return api.raw("GET", "/healthz", token=None)[0] == 200
            except OSError:
                return False
        wait_for(up, 30, "serve")
        run_scenario(api, spec, doc, receiver)

        # Every operation was called and answered with a success status at least once.
        missing = []
        for method, template in sorted(in_doc):
            statuses = spec.seen.get((method, template), set())
            if not any(200 <= s < 300 for s in statuses):
                missing.append("%s %s %s" % (method, template, sorted(statuses)))
        assert not missing, "operations never answered with success: %s" % missing
        unsent = documented_queries(spec) - spec.queries_sent
        assert not unsent, "documented query parameters never sent: %s" % sorted(unsent)
        statuses = sum(len(s) for s in spec.seen.values())
        print("openapi: %d operations (all routes) called; %d responses and %d request bodies "
              "validated; %d distinct operation/status pairs" % (
                  len(spec.seen), spec.responses_checked, spec.requests_checked, statuses))
        ok = True
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()
        if not ok:
            sys.stderr.write(open(os.path.join(tmp, "serve.log")).read()[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)


def webhook_refusals(api, receiver):
    """Webhooks: every refusal the server owes, each against the document."""
    hooks = "/api/webhooks"
    good = {"url": receiver.url("/other"), "events": ["lead.changed"],
            "secret": "sixteen-chars-ok"}
    api.call("POST", hooks, body=good, token="member", expect=403)
    api.call("GET", hooks, token="member", expect=403)
    api.call("GET", hooks, token=None, expect=401)
    api.call("POST", hooks, body=dict(good, active=True), expect=400, request_valid=False)
    api.call("POST", hooks, body={k: v for k, v in good.items() if k != "url"}, expect=400,
             request_valid=False)
    api.call("POST", hooks, body=dict(good, events=[]), expect=400, request_valid=False)
    api.call("POST", hooks, body=dict(good, events="job.completed"), expect=400,
             request_valid=False)
    api.call("POST", hooks, body=dict(good, events=["job.created"]), expect=400,
             request_valid=False)
    api.call("POST", hooks, body=dict(good, events=["lead.changed", "lead.changed"]),
             expect=400, request_valid=False)
    api.call("POST", hooks, body=dict(good, secret="short"), expect=400, request_valid=False)
    api.call("POST", hooks, body=dict(good, secret=5), expect=400, request_valid=False)
    api.call("POST", hooks, body=dict(good, secret="sixteen-chars-ok\n"), expect=400,
             request_valid=None)
    api.call("POST", hooks, body=dict(good, url="ftp://hooks.example.com/x"), expect=400,
             request_valid=None)
    api.call("POST", hooks, body=dict(good, url="hooks.example.com/x"), expect=400,
             request_valid=None)
    api.call("POST", hooks, body=dict(good, url="https://u:p@hooks.example.com/"), expect=400,
             request_valid=None)
    # Addresses the guard refuses: loopback on a port not opened, private, metadata.
    for url in ("http://127.0.0.1:%d/x" % free_port(), "http://10.1.2.3/x",
                "http://169.254.169.254/latest/meta-data/"):
        _, refused = api.call("POST", hooks, body=dict(good, url=url), expect=400,
                              request_valid=None)
        assert refused["error"]["code"] == "blocked_address", refused
        assert refused["error"]["field"] == "url", refused
    api.call("POST", hooks, body="{oops", expect=400, request_valid=None)


def check_hook_payload(spec, doc, event, secret, delivery):
    """A delivery as the receiver got it: signed with the secret, headers and body as the
    document's `webhooks` entry for `event` describes them. Returns the parsed body."""
    headers, raw, _ = delivery
    assert verify_signature(secret, raw, headers.get("X-Leadscan-Signature")), headers
    post = doc["webhooks"][event]["post"]
    payload = json.loads(raw)
    problems = spec.errors(post["requestBody"]["content"]["application/json"]["schema"], payload)
    assert not problems, "%s payload: %s\n%s" % (event, problems, raw[:1000])
    for param in post["parameters"]:
        assert not spec.errors(param["schema"], headers.get(param["name"])), (
            param["name"], headers.get(param["name"]))
    spec.responses_checked += 1
    return payload


def run_scenario(api, spec, doc, receiver):
    jobs = "/api/batch-analysis/jobs"
    job_t = jobs + "/{id}"
    nowhere = str(uuid.uuid4())

    # A webhook for job.completed before the batch below, so its end is delivered.
    secret = "openapi-test-secret-" + uuid.uuid4().hex[:8]
    _, hook = api.call("POST", "/api/webhooks", body={"url": receiver.url(),
                                                     "events": ["job.completed"],
                                                     "secret": secret}, expect=201)
    assert hook["secret_hint"] == "****" + secret[-4:] and "secret" not in hook, hook
    webhook_refusals(api, receiver)

    # Probes and the document itself.
    api.call("GET", "/healthz", token=None, expect=200)
    api.call("GET", "/readyz", token=None, expect=200)
    _, metrics = api.call("GET", "/metrics", token=None, expect=200)
    assert "# TYPE" in metrics
    _, served = api.call("GET", "/api/openapi.json", token=None, expect=200)
    assert served == doc, "the served document differs from docs/openapi.json"

    # Authentication.
    _, me = api.call("GET", "/api/me", expect=200)
    assert me["role"] == "admin"
    api.call("GET", "/api/me", token="member", expect=200)
    api.call("GET", "/api/me", token=None, expect=401)
    api.call("GET", "/api/me", token="not-a-token", expect=401)

    # Leads: create, import, list, edit, refusals.
    _, one = api.call("POST", "/api/leads", body={"company_name": "Kaffebönan AB",
                                                  "domain": "kaffebonan.test",
                                                  "extra": {"city": "Örebro"}}, expect=201)
    kaffe = one["lead"]["id"]
    _, many = api.call("POST", "/api/leads", body=[
        {"company_name": "Trädgårdsboden", "domain": "https://tradgardsboden.test/"},
        {"company_name": "Garnkorgen", "domain": "garnkorgen.test", "extra": None},
        {"company_name": "Utan domän"}], expect=201)
    assert many["created"] == 3
    nodomain = many["leads"][2]["id"]
    csv = ("Företag;Webbplats;Stad\nVerktygsladan;verktygsladan.test;Borås\n"
           "Hundbutiken;hundbutiken.test;Umeå\n;tom.test;x\nTrasig;http://[::1;y\n")
    _, imported = api.call("POST", "/api/leads/import", body=csv, ctype="text/csv", expect=200)
    assert imported["created"] == 2 and imported["rejected_count"] == 2, imported
    api.call("POST", "/api/leads/import", body="stad,land\nMalmö,SE\n", ctype="text/csv",
             expect=400)
    api.call("POST", "/api/leads", body={"company_name": "X", "website": "x.test"}, expect=400,
             request_valid=False)
    api.call("POST", "/api/leads", body={"domain": "x.test"}, expect=400, request_valid=False)
    api.call("POST", "/api/leads", body=[], expect=400, request_valid=False)
    api.call("POST", "/api/leads", body={"company_name": "X", "extra": [1]}, expect=400,
             request_valid=False)
    api.call("POST", "/api/leads", body="{not json", expect=400, request_valid=None)
    api.call("POST", "/api/leads", body=Oversized(17 * 1024 * 1024), expect=413,
             request_valid=None)
    api.call("POST", "/api/leads", body={"company_name": "X", "domain": "http://[::1"},
             expect=400, request_valid=None)
    _, listed = api.call("GET", "/api/leads", query={"limit": "2", "offset": "1"}, expect=200)
    assert listed["total"] == 6 and len(listed["leads"]) == 2, listed
    api.call("GET", "/api/leads", query={"search": "garn", "analysed": "false"}, expect=200)
    api.call("GET", "/api/leads", query={"q": "x", "platform": "Shopify", "checkout": "Klarna",
                                         "carrier": "PostNord", "analysed": "1"}, expect=200)
    api.call("GET", "/api/leads", query={"limit": "0"}, expect=400, request_valid=False)
    api.call("GET", "/api/leads", query={"offset": "-1"}, expect=400, request_valid=False)
    api.call("GET", "/api/leads", query={"analysed": "maybe"}, expect=400, request_valid=False)
    api.call("GET", "/api/leads", token="other", expect=200)
    api.call("PATCH", "/api/leads/{id}", {"id": nodomain},
             body={"company_name": "Med domän", "domain": "lekladan.test", "extra": {"k": "v"}},
             expect=200)
    api.call("PATCH", "/api/leads/{id}", {"id": nodomain}, body={"domain": None}, expect=200)
    api.call("PATCH", "/api/leads/{id}", {"id": nodomain}, body={"name": "x"}, expect=400,
             request_valid=False)
    api.call("PATCH", "/api/leads/{id}", {"id": nodomain}, body={"company_name": ""},
             expect=400, request_valid=False)
    api.call("PATCH", "/api/leads/{id}", {"id": nodomain}, body={"extra": "x"}, expect=400,
             request_valid=False)
    api.call("PATCH", "/api/leads/{id}", {"id": nowhere}, body={"company_name": "y"}, expect=404)
    api.call("GET", "/api/leads/{id}", {"id": "not-a-uuid"}, expect=404)
    api.call("GET", "/api/leads/{id}", {"id": kaffe}, token="other", expect=404)
    api.call("DELETE", "/api/leads/{id}", {"id": nodomain}, expect=204)
    api.call("DELETE", "/api/leads/{id}", {"id": nodomain}, expect=404)

    # Analyse one domain now (recorded for the lead), a site that is not there, refusals.
    _, now = api.call("POST", "/api/analyze", body={"domain": "kaffebonan.test",
                                                    "analysis_type": "full_analysis",
                                                    "lead_id": kaffe,
                                                    "analysis_config": {"max_pages": 8}},
                      expect=200)
    assert now["result"]["ecommerce_platform"]["name"] == "Shopify", now["result"]
    render = now["result"]["render"]
    assert render["mode"] == "auto" and render["rendered"] is False, render
    assert "names its platform, Shopify" in render["reason"], render
    # The script-built shop is rendered (auto: a script shell); its evidence says where each
    # match came from.
    _, built = api.call("POST", "/api/analyze", body={"domain": "skriptbutiken.test",
                                                      "analysis_type": "full_analysis"},
                        expect=200)
    render = built["result"]["render"]
    assert render["rendered"] is True and render["reason"].startswith("auto: script shell"), \
        render
    origins = {e["origin"] for f in built["result"]["technologies"] + built["result"]["carriers"]
               for e in f["evidence"]}
    assert {"js", "dom"} <= origins, origins
    _, gone = api.call("POST", "/api/analyze", body={"domain": "nowhere-at-all.test",
                                                     "analysis_type": "ecommerce_detection"},
                       expect=200)
    assert gone["result"] is None and gone["error"]["code"] == "http_404", gone
    api.call("POST", "/api/analyze", body={}, expect=400, request_valid=None)
    api.call("POST", "/api/analyze", body={"domain": 5}, expect=400, request_valid=False)
    api.call("POST", "/api/analyze", body={"domain": "x.test", "analysis_type": "deep"},
             expect=400, request_valid=False)
    api.call("POST", "/api/analyze", body={"domain": "x.test", "analysis_config": {"x": 1}},
             expect=400, request_valid=False)
    api.call("POST", "/api/analyze", body={"domain": "x.test", "analysis_config": {"timeout": 5}},
             expect=400, request_valid=False)
    api.call("POST", "/api/analyze", body={"lead_id": nowhere}, expect=404)

    # A manual batch over the leads with domains; its events, items, runs and exports.
    _, all_leads = api.call("GET", "/api/leads", query={"limit": "100"}, expect=200)
    ids = [l["id"] for l in all_leads["leads"] if l["domain"]]
    _, created = api.call("POST", jobs, body={"job_name": "OpenAPI-kontroll",
                                              "job_type": "full_analysis", "lead_ids": ids,
                                              "analysis_config": {
                                                  "timeout": 20000, "render": "auto",
                                                  "render_navigation_timeout": 10000,
                                                  "render_timeout": 15000,
                                                  "render_max_requests": 200,
                                                  "render_max_bytes": 8388608}},
                          expect=201)
    job_id = created["job_id"]
    events = api.events(job_t + "/events", {"id": job_id})
    names = [e for e, _ in events]
    assert names and names[0] == "snapshot", names
    print("events of the batch:", " ".join(sorted(set(names))))
    final = wait_final(api, job_id)
    assert final["status"] == "completed", final
    _, detail = api.call("GET", job_t, {"id": job_id}, {"items_limit": "2", "items_offset": "1"},
                         expect=200)
    assert detail["job"]["items_total"] == len(ids) and len(detail["job"]["items"]) == 2
    run_id = detail["job"]["current_run_id"]
    api.call("GET", job_t, {"id": job_id}, {"run_id": run_id, "item_status": "completed"},
             expect=200)
    api.call("GET", job_t, {"id": job_id}, {"item_status": "done"}, expect=400,
             request_valid=False)
    api.call("GET", job_t, {"id": job_id}, {"items_limit": "20001"}, expect=400,
             request_valid=False)
    api.call("GET", job_t, {"id": nowhere}, expect=404)
    api.call("GET", job_t, {"id": job_id}, token="other", expect=404)
    # The stream of a finished job: its snapshot, then the end.
    after = api.events(job_t + "/events", {"id": job_id})
    assert [e for e, _ in after] == ["snapshot"], after
    api.call("GET", job_t + "/events", {"id": nowhere}, expect=404)
    _, lines = api.call("GET", job_t + "/results", {"id": job_id}, expect=200)
    assert len(lines) == len(ids) and all(l["result"] for l in lines if l["status"] == "completed")
    api.call("GET", job_t + "/results", {"id": job_id}, {"format": "csv", "run_id": run_id},
             expect=200)
    api.call("GET", job_t + "/results", {"id": job_id}, {"format": "xml"}, expect=400,
             request_valid=False)
    api.call("GET", job_t + "/results", {"id": nowhere}, expect=404)
    _, runs = api.call("GET", job_t + "/runs", {"id": job_id}, {"limit": "5", "offset": "0"},
                       expect=200)
    assert runs["total"] == 1, runs
    api.call("GET", job_t + "/runs", {"id": job_id}, {"limit": "many"}, expect=400,
             request_valid=False)
    api.call("GET", job_t + "/runs", {"id": nowhere}, expect=404)
    api.call("POST", job_t + "/cancel", {"id": job_id}, expect=409)
    api.call("POST", job_t + "/cancel", {"id": nowhere}, expect=404)
    api.call("PATCH", job_t, {"id": job_id}, body={"job_name": "Omdöpt",
                                                   "analysis_config": None}, expect=200)
    api.call("PATCH", job_t, {"id": job_id}, body={"schedule_cron": "0 3 * * *"}, expect=400,
             request_valid=None)
    api.call("PATCH", job_t, {"id": job_id}, body={"job_name": ""}, expect=400,
             request_valid=False)
    api.call("PATCH", job_t, {"id": job_id}, body={"status": "running"}, expect=400,
             request_valid=False)
    api.call("PATCH", job_t, {"id": nowhere}, body={"enabled": True}, expect=404)

    # The batch's end reached the receiver, signed, in the documented shape.
    got = wait_for(lambda: receiver.deliveries("job.completed"), 60, "job.completed delivery")
    headers = got[0][0]
    payload = check_hook_payload(spec, doc, "job.completed", secret, got[0])
    assert payload["data"]["job_id"] == job_id and payload["data"]["status"] == "completed"
    hook_t = "/api/webhooks/{id}"
    _, listed = api.call("GET", "/api/webhooks", expect=200)
    assert [h["id"] for h in listed["webhooks"]] == [hook["id"]], listed
    api.call("GET", hook_t, {"id": hook["id"]}, expect=200)
    api.call("GET", hook_t, {"id": hook["id"]}, token="other", expect=404)
    api.call("GET", hook_t, {"id": hook["id"]}, token="member", expect=403)
    api.call("GET", hook_t, {"id": "not-a-uuid"}, expect=404)
    api.call("GET", hook_t, {"id": nowhere}, expect=404)

    def delivered():
        _, page = api.call("GET", hook_t + "/deliveries", {"id": hook["id"]},
                           {"status": "delivered", "limit": "10", "offset": "0"}, expect=200)
        return page if page["total"] >= 1 else None
    page = wait_for(delivered, 30, "the delivery log to show it")
    first = page["deliveries"][0]
    assert first["id"] == headers["X-Leadscan-Delivery"] and first["attempts"] == 1, first
    assert first["attempt_log"][0]["status_code"] == 200, first
    api.call("GET", hook_t + "/deliveries", {"id": hook["id"]}, {"status": "lost"}, expect=400,
             request_valid=False)
    api.call("GET", hook_t + "/deliveries", {"id": hook["id"]}, {"limit": "0"}, expect=400,
             request_valid=False)
    api.call("GET", hook_t + "/deliveries", {"id": hook["id"]}, token="other", expect=404)
    api.call("GET", hook_t + "/deliveries", {"id": nowhere}, expect=404)

    # The lead page now has findings and a history with a diff.
    _, lead = api.call("GET", "/api/leads/{id}", {"id": kaffe}, expect=200)
    lead = lead["lead"]
    assert lead["history_total"] == 2 and lead["history"][0]["job_id"] == job_id, lead
    api.call("GET", "/api/leads", query={"platform": "Shopify", "analysed": "true"}, expect=200)
    _, exported = api.call("GET", "/api/leads/export", query={"search": "a"}, expect=200)
    assert exported.startswith("id,company_name"), exported[:100]
    api.call("GET", "/api/leads/export", query={"q": "kaffe", "platform": "Shopify",
                                                "checkout": "Shopify Checkout",
                                                "carrier": "PostNord", "analysed": "true"},
             expect=200)
    api.call("GET", "/api/leads/export", query={"analysed": "perhaps"}, expect=400,
             request_valid=False)
    self_check(spec, {k: v for k, v in final.items() if k not in ("items", "items_total")},
               lead)

    # Issue 14: a demo shop changes checkout between two analyses of its lead (the fake
    # internet's variant of vaxelboden.test); the change feed, finding history, lead filters,
    # CRM export and market view, each with its refusals.
    # The change also goes to a lead.changed webhook (docs/webhooks.md).
    _, changes_hook = api.call("POST", "/api/webhooks", body={"url": receiver.url("/changes"),
                                                             "events": ["lead.changed"],
                                                             "secret": secret}, expect=201)
    _, vx = api.call("POST", "/api/leads", body={"company_name": "Växelboden AB",
                                                 "domain": "vaxelboden.test"}, expect=201)
    vx = vx["lead"]["id"]
    analyze = {"domain": "vaxelboden.test", "analysis_type": "full_analysis", "lead_id": vx}
    api.call("POST", "/api/analyze", body=analyze, expect=200)
    fakenet_variant(api.fakenet_port, "vaxelboden.test", "walley")
    try:
        api.call("POST", "/api/analyze", body=analyze, expect=200)
    finally:
        fakenet_variant(api.fakenet_port, "vaxelboden.test", "")
    _, feed = api.call("GET", "/api/changes", query={"lead_id": vx, "limit": "2"}, expect=200)
    assert len(feed["changes"]) == 2 and feed["next_cursor"], feed
    _, rest = api.call("GET", "/api/changes", query={"lead_id": vx, "cursor": feed["next_cursor"]},
                       expect=200)
    changes = {(c["change"], c["field"], c["name"]) for c in feed["changes"] + rest["changes"]}
    assert ("removed", "checkout_solutions", "Kustom Checkout") in changes, changes
    assert ("added", "checkout_solutions", "Walley Checkout") in changes, changes
    hooked = wait_for(lambda: receiver.deliveries("lead.changed"), 30, "lead.changed delivery")
    assert len(hooked) == 1, hooked
    changed = check_hook_payload(spec, doc, "lead.changed", secret, hooked[0])["data"]
    assert changed["lead_id"] == vx and changed["job_id"] is None, changed
    assert {(c["change"], c["field"], c["name"]) for c in changed["changes"]} == changes, changed
    api.call("DELETE", "/api/webhooks/{id}", {"id": changes_hook["id"]}, expect=204)
    _, narrow = api.call("GET", "/api/changes", query={
        "since": "2020-01-01", "until": "2199-01-01T00:00:00Z", "field": "checkout_solutions",
        "name": "walley checkout", "change": "added", "limit": "10"}, expect=200)
    assert [c["lead_id"] for c in narrow["changes"]] == [vx], narrow
    api.call("GET", "/api/changes", query={"change": "moved"}, expect=400, request_valid=False)
    api.call("GET", "/api/changes", query={"field": "checkout"}, expect=400, request_valid=False)
    api.call("GET", "/api/changes", query={"limit": "501"}, expect=400, request_valid=False)
    api.call("GET", "/api/changes", query={"since": "yesterday"}, expect=400, request_valid=None)
    api.call("GET", "/api/changes", query={"cursor": "page-2"}, expect=400, request_valid=None)
    api.call("GET", "/api/changes", query={"lead_id": nowhere}, expect=404)
    api.call("GET", "/api/changes", query={"lead_id": vx}, token="other", expect=404)
    status, _, payload = api.raw("GET", "/api/changes?colour=red")
    assert status == 400 and json.loads(payload)["error"]["code"] == "unknown_query", payload
    _, history = api.call("GET", "/api/leads/{id}/findings-history", {"id": vx}, expect=200)
    gone = [f for f in history["findings"] if f["name"] == "Kustom Checkout"]
    assert gone and not gone[0]["present"] and gone[0]["removed_by"], history
    api.call("GET", "/api/leads/{id}/findings-history", {"id": vx}, token="other", expect=404)
    api.call("GET", "/api/leads/{id}/findings-history", {"id": nowhere}, expect=404)
    _, detail = api.call("GET", "/api/leads/{id}", {"id": vx}, expect=200)
    newest = detail["lead"]["history"][0]["changes"]
    assert newest["checkout_solutions"] == {"added": ["Walley Checkout"],
                                            "removed": ["Kustom Checkout"]}, newest
    assert detail["lead"]["history"][1]["changes"] is None, detail["lead"]["history"][1]
    filters = {"uses": ["Walley Checkout", "woocommerce"], "not_uses": "Shopify",
               "added": "Walley Checkout", "removed": "Kustom Checkout", "since": "2020-01-01"}
    _, only = api.call("GET", "/api/leads", query=filters, expect=200)
    assert [l["id"] for l in only["leads"]] == [vx], only
    api.call("GET", "/api/leads", query={"uses": ""}, expect=400, request_valid=False)
    api.call("GET", "/api/leads", query={"removed": "x", "since": "never"}, expect=400,
             request_valid=None)
    _, crm = api.call("GET", "/api/leads/export", query=dict(filters, layout="crm",
                                                             delimiter=";"), expect=200)
    assert crm.startswith("\ufeffName;Domain;Website;") and "Växelboden AB" in crm, crm[:300]
    assert len(crm.strip().splitlines()) == 2, crm
    api.call("GET", "/api/leads/export", query={"layout": "xml"}, expect=400,
             request_valid=False)
    api.call("GET", "/api/leads/export", query={"delimiter": "|"}, expect=400,
             request_valid=False)
    _, market = api.call("GET", "/api/market", query=dict(
        filters, search="Växel", q="Växel", platform="WooCommerce", checkout="Walley Checkout",
        carrier="PostNord", analysed="true", limit="10", offset="0", weeks="8"), expect=200)
    assert market["lead_count"] == 1 and market["switches"], market
    _, everything = api.call("GET", "/api/market", expect=200)
    assert everything["lead_count"] >= 1 and everything["weeks"] == 12, everything
    api.call("GET", "/api/market", query={"weeks": "0"}, expect=400, request_valid=False)
    api.call("GET", "/api/market", token="other", expect=200)

    # Job refusals.
    base = {"job_type": "full_analysis", "lead_ids": ids[:1]}
    api.call("POST", jobs, body=dict(base, job_type="deep_scan"), expect=400,
             request_valid=False)
    api.call("POST", jobs, body=dict(base, lead_ids=[]), expect=400, request_valid=False)
    api.call("POST", jobs, body=dict(base, lead_ids=["x"]), expect=400, request_valid=False)
    api.call("POST", jobs, body=dict(base, lead_ids=ids[:1] * 2), expect=400,
             request_valid=False)
    api.call("POST", jobs, body=dict(base, priority=1), expect=400, request_valid=False)
    api.call("POST", jobs, body=dict(base, is_scheduled="yes"), expect=400, request_valid=False)
    api.call("POST", jobs, body=dict(base, is_scheduled=True), expect=400, request_valid=None)
    api.call("POST", jobs, body=dict(base, is_scheduled=True, schedule_cron="61 * * * *"),
             expect=400, request_valid=None)
    api.call("POST", jobs, body=dict(base, timezone="Mars/Olympus"), expect=400,
             request_valid=None)
    api.call("POST", jobs, body=dict(base, lead_ids=[nowhere]), request_valid=True)
    # Render budgets: out of range, of the wrong type, unknown, and a load longer than the page.
    for bad in ({"render_max_bytes": 1024}, {"render_timeout": "25s"},
                {"render_block_images": False}):
        _, err = api.call("POST", jobs, body=dict(base, analysis_config=bad), expect=400,
                          request_valid=False)
        assert err["error"]["field"] == "analysis_config." + list(bad)[0], err
    _, err = api.call("POST", jobs, body=dict(base, analysis_config={
        "render_navigation_timeout": 30000, "render_timeout": 20000}), expect=400,
        request_valid=True)
    assert err["error"]["field"] == "analysis_config.render_navigation_timeout", err

    # A scheduled job: edit its schedule, trigger it, cancel the run.
    _, sched = api.call("POST", jobs, body=dict(base, job_name="Varje natt", is_scheduled=True,
                                                schedule_cron="0 3 * * *",
                                                timezone="Europe/Stockholm", enabled=True),
                        expect=201)
    sched_id = sched["job_id"]
    assert sched["next_run_at"], sched
    # A waiting scheduled job's stream stays open: two per token, the third is refused.
    held = [api.open_stream(job_t + "/events", {"id": sched_id}) for _ in range(2)]
    api.call("GET", job_t + "/events", {"id": sched_id}, expect=429)
    for resp in held:
        resp.close()
    api.call("PATCH", job_t, {"id": sched_id}, body={"schedule_cron": "30 4 * * 1-5",
                                                     "timezone": "Europe/Oslo"}, expect=200)
    api.call("PATCH", job_t, {"id": sched_id}, body={"enabled": False}, expect=200)
    api.call("PATCH", job_t, {"id": sched_id}, body={"schedule_cron": "every day"}, expect=400,
             request_valid=None)
    _, jl = api.call("GET", jobs, query={"is_scheduled": "true", "limit": "10"}, expect=200)
    assert jl["total"] == 1, jl
    api.call("GET", jobs, query={"status": "completed", "offset": "0"}, expect=200)
    api.call("GET", jobs, query={"status": "done"}, expect=400, request_valid=False)
    api.call("GET", jobs, query={"is_scheduled": "ja"}, expect=400, request_valid=False)
    api.call("GET", jobs, query={"limit": "1001"}, expect=400, request_valid=False)
    _, scheduler = api.call("GET", "/api/batch-analysis/scheduler/status", expect=200)
    assert scheduler["scheduler"]["running"] is True
    api.call("GET", "/api/batch-analysis/scheduler/status", token="member", expect=403)
    _, trig = api.call("POST", job_t + "/trigger", {"id": sched_id}, expect=200)
    assert trig["run_id"], trig
    api.call("POST", job_t + "/trigger", {"id": nowhere}, expect=404)
    status, _ = api.call("POST", job_t + "/cancel", {"id": sched_id})
    assert status in (200, 409), status
    wait_final(api, sched_id) if status == 409 else None
    _, sruns = api.call("GET", job_t + "/runs", {"id": sched_id}, expect=200)
    assert sruns["total"] >= 1

    # A quick analysis, cancelled straight away, then deleted.
    _, quick = api.call("POST", "/api/batch-analysis/quick-analyze",
                        body={"lead_ids": ids, "analysis_type": "carrier_detection",
                              "analysis_config": {"use_firecrawl": False,
                                                  "use_puppeteer": False}},
                        expect=201)
    status, _ = api.call("POST", job_t + "/cancel", {"id": quick["job_id"]})
    assert status in (200, 409), status
    api.call("POST", "/api/batch-analysis/quick-analyze",
             body={"lead_ids": ids, "analysis_type": "seo"}, expect=400, request_valid=False)
    api.call("POST", "/api/batch-analysis/quick-analyze", body={"lead_ids": ids}, expect=400,
             request_valid=False)
    api.call("DELETE", job_t, {"id": quick["job_id"]}, expect=204)
    api.call("DELETE", job_t, {"id": quick["job_id"]}, expect=404)
    api.call("DELETE", job_t, {"id": sched_id}, expect=204)

    # A second webhook, deleted; the first one stays for the delivery log above.
    _, extra = api.call("POST", "/api/webhooks", body={"url": receiver.url("/second"),
                                                      "events": ["lead.changed",
                                                                 "job.completed"],
                                                      "secret": "ünïcödé-secret-16+"},
                        expect=201)
    assert extra["secret_hint"] == "****-16+", extra
    api.call("DELETE", "/api/webhooks/{id}", {"id": extra["id"]}, token="member", expect=403)
    api.call("DELETE", "/api/webhooks/{id}", {"id": extra["id"]}, token="other", expect=404)
    api.call("DELETE", "/api/webhooks/{id}", {"id": extra["id"]}, expect=204)
    api.call("DELETE", "/api/webhooks/{id}", {"id": extra["id"]}, expect=404)

    # Cron preview.
    _, preview = api.call("GET", "/api/cron/preview", query={"expr": "0 9 * * 1-5",
                                                             "tz": "Europe/Stockholm", "n": "3",
                                                             "from": "2026-03-27T00:00:00Z"},
                          expect=200)
    assert len(preview["next_runs"]) == 3, preview
    api.call("GET", "/api/cron/preview", query={"schedule_cron": "@daily"}, expect=200)
    api.call("GET", "/api/cron/preview", expect=400, request_valid=None)
    api.call("GET", "/api/cron/preview", query={"expr": "0 9 * * *", "n": "0"}, expect=400,
             request_valid=False)
    api.call("GET", "/api/cron/preview", query={"expr": "99 * * * *"}, expect=400,
             request_valid=None)

    # Leads without a domain: the search provider finds one, or fails the item with the
    # candidates; the user accepts or corrects the found domain on the lead (issue 12).
    _, named = api.call("POST", "/api/leads", body=[{"company_name": "Tepotten HB"},
                                                    {"company_name": "Okänt Företag AB"}],
                        expect=201)
    tepotten, okant = [l["id"] for l in named["leads"]]
    _, found_job = api.call("POST", jobs, body={
        "job_name": "Hitta domäner", "job_type": "ecommerce_detection",
        "lead_ids": [tepotten, okant],
        "analysis_config": {"find_domain": True, "search_country": "se"}}, expect=201)
    api.call("POST", jobs, body={"job_type": "ecommerce_detection", "lead_ids": [tepotten],
                                 "analysis_config": {"search_country": "sverige"}},
             expect=400, request_valid=False)
    wait_final(api, found_job["job_id"])
    _, fdetail = api.call("GET", job_t, {"id": found_job["job_id"]}, expect=200)
    fitems = {i["lead_id"]: i for i in fdetail["job"]["items"]}
    assert fitems[tepotten]["status"] == "completed", fitems
    assert fitems[tepotten]["error_details"] is None, fitems
    assert fitems[okant]["error_code"] == "domain_not_found", fitems
    cands = fitems[okant]["error_details"]["candidates"]
    assert {c["domain"] for c in cands} >= {"allabolag.se", "okantforetag-recensioner.test"}, cands
    _, flines = api.call("GET", job_t + "/results", {"id": found_job["job_id"]}, expect=200)
    fresult = [l for l in flines if l["lead_id"] == tepotten][0]["result"]
    assert fresult["domain_source"] == "search" and fresult["domain"] == "tepotten.test", fresult
    assert fresult["domain_confidence"] >= 60, fresult
    _, flist = api.call("GET", "/api/leads", query={"search": "Tepotten"}, expect=200)
    suggestion = flist["leads"][0]["domain_suggestion"]
    assert suggestion["status"] == "suggested" and suggestion["domain"] == "tepotten.test", flist
    _, fpage = api.call("GET", "/api/leads/{id}", {"id": okant}, expect=200)
    assert fpage["lead"]["domain_suggestion"]["status"] == "not_found", fpage
    decide = "/api/leads/{id}/domain-suggestion"
    api.call("POST", decide, {"id": okant}, body={"decision": "accept"}, expect=409)
    api.call("POST", decide, {"id": okant}, body={"decision": "maybe"}, expect=400,
             request_valid=False)
    api.call("POST", decide, {"id": okant}, body={"decision": "accept", "why": "x"},
             expect=400, request_valid=False)
    api.call("POST", decide, {"id": okant}, body={"decision": "accept", "domain": "x.test"},
             expect=400, request_valid=None)
    api.call("POST", decide, {"id": okant}, body={"decision": "correct"}, expect=400,
             request_valid=None)
    api.call("POST", decide, {"id": okant}, body={"decision": "correct", "domain": "http://[::1"},
             expect=400, request_valid=None)
    api.call("POST", decide, {"id": okant}, body="{", expect=400, request_valid=None)
    api.call("POST", decide, {"id": nowhere}, body={"decision": "accept"}, expect=404)
    api.call("POST", decide, {"id": kaffe}, body={"decision": "accept"}, expect=404)
    api.call("POST", decide, {"id": tepotten}, body={"decision": "accept"}, token="other",
             expect=404)
    _, accepted = api.call("POST", decide, {"id": tepotten}, body={"decision": "accept"},
                           expect=200)
    assert accepted["lead"]["domain"] == "tepotten.test", accepted
    assert accepted["lead"]["domain_suggestion"]["status"] == "accepted", accepted
    _, corrected = api.call("POST", decide, {"id": okant},
                            body={"decision": "correct", "domain": "Okant.test"},
                            expect=200)
    assert corrected["lead"]["domain"] == "okant.test", corrected
    assert corrected["lead"]["domain_suggestion"]["status"] == "corrected", corrected

    # Answers outside the operations still use the error object.
    error = {"$ref": "#/components/schemas/Error"}
    for method, target, want in [("PUT", "/api/leads", 405), ("GET", "/api/nothing", 404)]:
        status, ctype, payload = api.raw(method, target)
        assert status == want, (method, target, status)
        assert not spec.errors(error, json.loads(payload)), payload
        spec.responses_checked += 1


if __name__ == "__main__":
    main()
