"""Slack calls over kept-alive connections (bot.slack_http): a handful of connections however
many calls, and every answer and failure as slack_sdk's own transport gives it."""

from __future__ import annotations

import socket
import threading
import urllib.error
from dataclasses import replace

import pytest
from slack_sdk.errors import SlackApiError

from bot.runtime import make_web_client
from bot.telemetry import CountingWebClient, counting


def test_many_posts_open_one_connection(settings, slack):
    before = slack.fake.connections_opened
    for n in range(40):
        # A client per call, as the clock makes one per delivery: the pool is the process's.
        client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
        client.chat_postMessage(channel=slack.channel, text=f"post {n}")
    assert len(slack.fake.messages(slack.channel)) == 40
    assert slack.fake.connections_opened - before <= 1


def test_kept_connections_send_without_waiting_for_acks(settings, slack):
    """TCP_NODELAY (http.client sets it, as urllib3 did): a body of several segments never
    waits on the server's delayed ACK (up to 40 ms a call on a real network)."""
    from bot.slack_http import origin_for

    client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
    client.chat_postMessage(channel=slack.channel, text="x" * 3000)
    origin, path = origin_for(slack.fake.api_url + "chat.postMessage", None)
    assert path == "/api/chat.postMessage"
    connection = origin.take(timeout=1)
    try:
        assert connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        origin.give_back(connection)


def test_threads_share_a_bounded_set_of_connections(settings, slack):
    before = slack.fake.connections_opened
    errors: list[Exception] = []

    def post(n: int) -> None:
        try:
            for m in range(10):
                client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
                client.chat_postMessage(channel=slack.channel, text=f"{n}.{m}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(slack.fake.messages(slack.channel)) == 40
    assert slack.fake.connections_opened - before <= 4  # one per thread at most


def test_a_429_keeps_its_status_and_retry_after(settings, slack):
    slack.fake.fail("chat.postMessage", status=429, retry_after=7)
    client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=slack.channel, text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel=slack.channel, text="again")  # the connection still serves
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["again"]


def test_a_server_error_and_a_slack_error_are_slack_api_errors(settings, slack):
    client = make_web_client(settings, slack.bot_token, wait_on_rate_limit=False)
    slack.fake.fail("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=slack.channel, text="hi")
    assert raised.value.response.status_code == 503
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOSUCH", text="hi")
    assert raised.value.response["error"] == "channel_not_found"
    assert raised.value.response.status_code == 200


def test_a_timeout_is_a_urllib_timeout_and_the_next_call_works(settings, slack):
    client = make_web_client(replace(settings, slack_timeout=0.3), slack.bot_token)
    slack.fake.fail("chat.postMessage", delay=0.6, times=1)
    with pytest.raises(urllib.error.URLError) as raised:
        client.chat_postMessage(channel=slack.channel, text="slow")
    assert isinstance(raised.value.reason, TimeoutError)  # the sender's "uncertain"
    client.chat_postMessage(channel=slack.channel, text="fine")
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["fine"]


def test_a_refused_connection_is_a_urllib_error(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    client = make_web_client(
        replace(settings, slack_api_url=f"http://127.0.0.1:{port}/api/"), "xoxb-1"
    )
    with pytest.raises(urllib.error.URLError) as raised:
        client.auth_test()
    assert not isinstance(raised.value.reason, TimeoutError)  # retried later, not "uncertain"


def test_a_restarted_server_is_reconnected_to(settings, slack):
    from bot.fakeslack import FakeSlack

    client = make_web_client(settings, slack.bot_token)
    client.chat_postMessage(channel=slack.channel, text="one")
    with FakeSlack() as other:  # a kept connection to a stopped fake is hung up on
        team = other.add_team(name="Other")
        token = other.install_bot(team["id"])
        channel = other.add_channel(team["id"], name="x", members=[])["id"]
        other.join(channel, other.bot_user_id(token))
        other_client = make_web_client(replace(settings, slack_api_url=other.api_url), token)
        other_client.chat_postMessage(channel=channel, text="elsewhere")
    slack.fake.stop()
    slack.fake.start()  # a new port: the client follows the new base URL
    client = make_web_client(replace(settings, slack_api_url=slack.fake.api_url), slack.bot_token)
    client.chat_postMessage(channel=slack.channel, text="two")
    assert [m["text"] for m in slack.fake.messages(slack.channel)] == ["one", "two"]


def test_bolt_clients_are_counted_and_pooled(settings, slack):
    from slack_sdk import WebClient

    wrapped = counting(WebClient(token=slack.bot_token, base_url=slack.fake.api_url))
    assert isinstance(wrapped, CountingWebClient)
    before = slack.fake.connections_opened
    for n in range(5):
        wrapped.chat_postMessage(channel=slack.channel, text=str(n))
    assert slack.fake.connections_opened - before <= 1


def _self_signed(directory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_https_calls_keep_one_verified_connection(tmp_path):
    """Slack is HTTPS: the TLS handshake happens once, the certificate is checked, and a
    client that does not trust it is refused before anything is sent."""
    import json
    import ssl
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bot.slack_http import PooledWebClient, clear_pools

    cert, key = _self_signed(tmp_path)
    seen = {"connections": 0, "posts": []}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            seen["connections"] += 1
            super().setup()

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["posts"].append((self.path, json.loads(body)["text"]))
            answer = json.dumps({"ok": True, "channel": "C0TLS", "ts": "1.000001"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    server.socket = serving.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/api/"
    try:
        trusting = ssl.create_default_context(cafile=cert)
        for n in range(5):
            client = PooledWebClient(token="xoxb-1", base_url=url, ssl=trusting)
            assert client.chat_postMessage(channel="C0TLS", text=f"tls {n}")["ts"] == "1.000001"
        assert seen["posts"] == [("/api/chat.postMessage", f"tls {n}") for n in range(5)]
        assert seen["connections"] == 1

        stranger = PooledWebClient(token="xoxb-1", base_url=url, ssl=ssl.create_default_context())
        with pytest.raises(urllib.error.URLError) as raised:
            stranger.chat_postMessage(channel="C0TLS", text="unverified")
        assert isinstance(raised.value.reason, ssl.SSLCertVerificationError)
        assert len(seen["posts"]) == 5
    finally:
        server.shutdown()
        server.server_close()
        clear_pools()
