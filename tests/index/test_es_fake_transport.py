"""`ElasticStore` through the real client against a loopback server that plays canned
Elasticsearch responses (no cluster can run here): start-up calls, per-item bulk
errors, the audit append, and the start-up error for an unreachable cluster."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cluewatch.errors import StoreError
from index.elastic import ElasticStore
from tests.factories import make_post

REJECTED_SITE = "refused-by-es"


class FakeElasticsearch(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests: list[tuple[str, str, dict[str, list[str]], bytes]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        self.requests.append((self.command, url.path, parse_qs(url.query), raw))
        parts = [p for p in url.path.split("/") if p]
        if not parts:
            self._reply(200, {"version": {"number": "8.15.3"}, "tagline": "You Know, for Search"})
        elif parts[0] == "_nodes":
            self._reply(200, {"nodes": {"n1": {"plugins": []}}})
        elif self.command == "HEAD":
            self._reply(404)
        elif parts[0] == "_index_template" or (
            self.command == "PUT" and len(parts) == 1 and not parts[0].startswith("_")
        ):
            self._reply(200, {"acknowledged": True})
        elif parts[-1] == "_mget":
            ids = json.loads(raw)["ids"]
            self._reply(200, {"docs": [{"_id": i, "found": False} for i in ids]})
        elif parts[-1] == "_bulk":
            self._reply(200, self._bulk(raw))
        elif parts[-1] == "_msearch":
            searches = [line for line in raw.splitlines() if line.strip()][1::2]
            self._reply(200, {"responses": [{"hits": {"hits": []}} for _ in searches]})
        elif parts[-1] == "_search":
            self._reply(200, {"hits": {"total": {"value": 0}, "hits": []}})
        elif len(parts) == 3 and parts[1] == "_doc" and self.command == "GET":
            self._reply(404, {"_index": parts[0], "_id": parts[2], "found": False})
        elif len(parts) == 3 and parts[1] == "_create":
            self._reply(
                201, {"_id": parts[2], "result": "created", "_seq_no": 0, "_primary_term": 1}
            )
        else:
            self._reply(400, {"error": {"type": "unexpected", "reason": self.path}})

    def _bulk(self, raw: bytes) -> dict[str, Any]:
        lines = [json.loads(line) for line in raw.splitlines() if line.strip()]
        items = []
        for header, source in zip(lines[::2], lines[1::2], strict=True):
            ((op, meta),) = header.items()
            refused = (source.get("post") or {}).get("site") == REJECTED_SITE
            if refused:
                error = {
                    "type": "document_parsing_exception",
                    "reason": "[1:80] failed to parse field [post.captured_at] of type [date]",
                }
                items.append({op: {"_id": meta.get("_id"), "status": 400, "error": error}})
            else:
                result = {"_id": meta.get("_id"), "status": 201, "result": "created"}
                items.append({op: {**result, "_seq_no": 0, "_primary_term": 1}})
        return {
            "took": 1,
            "errors": any("error" in next(iter(i.values())) for i in items),
            "items": items,
        }

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle


@pytest.fixture
def fake_es() -> Iterator[tuple[str, list[tuple[str, str, dict[str, list[str]], bytes]]]]:
    requests: list[tuple[str, str, dict[str, list[str]], bytes]] = []
    handler = type("Handler", (FakeElasticsearch,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_bulk_item_errors_are_rejected_and_the_rest_is_written(fake_es) -> None:  # type: ignore[no-untyped-def]
    url, requests = fake_es
    store = ElasticStore(url, prefix="cwfake", request_timeout=5)
    try:
        assert store.analyzer == "cjk"
        created = [path for method, path, _, _ in requests if method == "PUT" and "-v1" in path]
        assert "/cwfake-posts-v1" in created and len(created) == 11
        requests.clear()
        invalid = make_post(2).model_dump(mode="json")
        invalid["post"]["url"] = "ftp://nowhere"
        result = store.write_posts([make_post(1), invalid, make_post(3, site=REJECTED_SITE)])
    finally:
        store.close()
    assert (result.new, result.changed, result.unchanged) == (1, 0, 0)
    assert result.new_ids == [make_post(1).post.id]
    assert [position for position, _ in result.rejected] == [1, 2]
    assert result.rejected[0][1].startswith("post.url:")
    assert "post.captured_at" in result.rejected[1][1] and "status 400" in result.rejected[1][1]

    bulks = [(query, body) for _, path, query, body in requests if path == "/_bulk"]
    posts_query, posts_body = bulks[0]
    assert posts_query["refresh"] == ["wait_for"] and posts_query["require_alias"] == ["true"]
    headers = [json.loads(line) for line in posts_body.splitlines()[::2]]
    assert headers == [
        {"create": {"_index": "cwfake-posts", "_id": make_post(1).post.id}},
        {"create": {"_index": "cwfake-posts", "_id": make_post(3, site=REJECTED_SITE).post.id}},
    ]
    # The registered post's audit event: head created first, then the event with id = seq.
    head = [p for m, p, _, _ in requests if m == "PUT" and p.endswith("/_create/audit-head")]
    assert head == ["/cwfake-meta/_create/audit-head"]
    _, audit_body = bulks[-1]
    header, event = (json.loads(line) for line in audit_body.splitlines())
    assert header == {"create": {"_index": "cwfake-audit", "_id": "1"}}
    assert (event["seq"], event["action"], event["prev_hash"]) == (1, "register", "")


def test_an_unreachable_cluster_is_a_store_error_naming_the_url_without_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreError) as info:
        ElasticStore(f"http://elastic:s3cr3t@127.0.0.1:{port}", prefix="cwfake", request_timeout=2)
    message = str(info.value)
    assert f"http://elastic:***@127.0.0.1:{port}" in message
    assert "s3cr3t" not in message and "CLUEWATCH_ES_URL" in message
