"""The shipped deploy/nginx.conf in front of the real `yiwang serve` (uvicorn): the site sees
HTTPS and each client's own address through nginx, nobody who reaches the server directly
can claim either with a forged header, and live update streams pass through unbuffered.

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3, …: all of
127.0.0.0/8 is this machine), so nginx sees really different peers."""

import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
HOST = "gov.example"
PASSWORD = "Proxy-test-pass-29"
RIGHT_BEHIND_NGINX, OTHER_CLIENT, DIRECT_CLIENT = "127.0.0.2", "127.0.0.3", "127.0.0.5"


@pytest.fixture(scope="module", autouse=True)
def _nginx_installed():
    if not os.path.exists(NGINX):
        message = f"the proxy chain test needs nginx at {NGINX} (Debian package `nginx`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def nginx_config(folder: Path, listen: int, upstream: int) -> Path:
    """The TLS server block of deploy/nginx.conf as shipped, with only its port, certificate
    and upstream port changed, inside a main config an unprivileged nginx can run."""
    shipped = SHIPPED.read_text()
    blocks = re.findall(r"^server \{.*?^\}", shipped, flags=re.S | re.M)
    (server,) = [block for block in blocks if "ssl_certificate" in block]
    cert, key = self_signed_certificate(folder)
    substitutions = [
        (r"listen 443 ssl[^;]*;", f"listen 127.0.0.1:{listen} ssl;"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"proxy_pass http://127\.0\.0\.1:8000;", f"proxy_pass http://127.0.0.1:{upstream};"),
    ]
    for pattern, replacement in substitutions:
        server, count = re.subn(pattern, replacement, server)
        assert count >= 1, f"deploy/nginx.conf no longer has {pattern!r}"
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    as_root = "user root;" if os.geteuid() == 0 else ""  # workers would drop to `nobody`
    config = folder / "nginx.conf"
    config.write_text(
        f"""
{as_root}
daemon off;
master_process on;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log {folder / "access.log"};
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{server}
}}
"""
    )
    return config


def yiwang(*args, env, log: Path | None = None, wait=True):
    command = [sys.executable, "-m", "yiwang.cli", *args]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """`yiwang serve` trusting 127.0.0.1, and nginx on 127.0.0.1 in front of it."""
    folder = tmp_path_factory.mktemp("proxy-chain")
    database = folder / "yiwang.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "YIWANG_DATA_KEY"}
        and not k.startswith(("YIWANG_", "AXES_"))
    }
    env.update(
        YIWANG_ENV="development",
        YIWANG_DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{database}",
        ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        YIWANG_TRUSTED_PROXIES="127.0.0.1",
        YIWANG_HSTS_SECONDS="3600",
    )
    yiwang("migrate", "--verbosity", "0", env=env)
    yiwang(
        "shell",
        "-c",
        "from yiwang.identity.models import User\n"
        f"for name in ('alice', 'bob'): User.objects.create_user(name, password={PASSWORD!r})",
        env=env,
    )
    server_port, nginx_port = free_port(), free_port()
    server_log = folder / "server.log"
    server = yiwang(
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(server_port),
        "--threads",
        "4",
        env=env,
        log=server_log,
        wait=False,
    )
    nginx = None
    try:
        wait_for_port(server_port, server, server_log)
        config = nginx_config(folder, nginx_port, server_port)
        nginx_log = folder / "nginx.out"
        nginx = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
            stdout=nginx_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(nginx_port, nginx, nginx_log)
        yield {"nginx": nginx_port, "server": server_port, "database": database}
    finally:
        if nginx is not None:
            stop(nginx)
        stop(server)


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        body = response.read()
        self.json = json.loads(body) if body else None


def request(port, source, method, path, body=None, tls=True, **headers) -> Answer:
    options = {"source_address": (source, 0), "timeout": 30}
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # our own certificate, made for this test
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, **options)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, **options)
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Host": HOST, "Content-Type": "application/json", **headers}
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        return Answer(connection.getresponse())
    finally:
        connection.close()


def sign_in(port, source, username, password=PASSWORD, tls=True, **headers) -> Answer:
    body = {"username": username, "password": password}
    return request(port, source, "POST", "/api/v1/auth/token", body, tls=tls, **headers)


def issued_to(database: Path, username: str) -> list[str]:
    """The addresses the audit log recorded for the user's token sign-ins, oldest first."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT ip FROM audit_auditevent WHERE action = 'identity.token_issued'"
            " AND actor_name = ? ORDER BY seq",
            (username,),
        ).fetchall()
    return [ip for (ip,) in rows]


FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_through_nginx_the_site_knows_it_is_https(chain):
    answer = request(chain["nginx"], RIGHT_BEHIND_NGINX, "GET", "/api/v1/")
    assert answer.status == 200
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=3600")
    links = list(answer.json.values())
    assert links and all(link.startswith(f"https://{HOST}/") for link in links)


def test_through_nginx_two_clients_are_two_addresses(chain):
    port = chain["nginx"]
    # A forged X-Forwarded-For travels in front of the address nginx appends: not believed.
    assert sign_in(port, RIGHT_BEHIND_NGINX, "bob", **FORGED).status == 200
    assert sign_in(port, OTHER_CLIENT, "bob").status == 200
    assert issued_to(chain["database"], "bob")[-2:] == [RIGHT_BEHIND_NGINX, OTHER_CLIENT]


def test_through_nginx_a_lockout_stays_with_the_address_that_earned_it(chain):
    port = chain["nginx"]
    codes = [
        sign_in(port, RIGHT_BEHIND_NGINX, "alice", password="wrong").json["code"]
        for _attempt in range(5)
    ]
    assert codes[-1] == "locked_out"
    assert sign_in(port, RIGHT_BEHIND_NGINX, "alice").status == 429
    assert sign_in(port, OTHER_CLIENT, "alice").status == 200


def test_directly_at_the_server_forged_headers_are_not_believed(chain):
    port = chain["server"]
    answer = request(port, DIRECT_CLIENT, "GET", "/api/v1/", tls=False, **FORGED)
    assert answer.status == 200
    assert "Strict-Transport-Security" not in answer.headers
    assert all(link.startswith("http://") for link in answer.json.values())

    assert sign_in(port, DIRECT_CLIENT, "bob", tls=False, **FORGED).status == 200
    assert issued_to(chain["database"], "bob")[-1] == DIRECT_CLIENT


def test_directly_at_the_server_a_new_forged_address_each_try_still_locks_out(chain):
    port = chain["server"]
    codes = [
        sign_in(
            port,
            DIRECT_CLIENT,
            "carol",
            "wrong",
            tls=False,
            **{"X-Forwarded-For": f"198.51.100.{n}"},
        ).json["code"]
        for n in range(5)
    ]
    assert codes[-1] == "locked_out"


def test_through_nginx_a_live_event_arrives_at_once(chain):
    """nginx neither buffers the stream nor holds the event back (X-Accel-Buffering)."""
    from yiwang.core import live
    from yiwang.core.live.backends import LocalBackend

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own certificate, made for this test
    connection = http.client.HTTPSConnection(
        "127.0.0.1", chain["nginx"], context=context, timeout=10
    )
    try:
        connection.request("GET", "/live/hall:1", headers={"Host": HOST})
        response = connection.getresponse()
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.readline() == b"retry: 2000\n"
        sent = time.monotonic()
        LocalBackend(chain["database"].parent / "live").send(live.encode("hall:1", {"n": 1}))
        lines = [response.readline() for _ in range(3)]
        assert time.monotonic() - sent < 2
    finally:
        connection.close()
    assert lines[1].startswith(b"id: ")
    assert lines[2] == b'data: {"n":1}\n'
