"""Do pages get slower under `yiwang serve` (uvicorn) than under waitress?

In one run, on SQLite, one process each: the bare view (`/api/v1/_bench/bare`: Django and
the server, nothing else) and a real page (the home page) asked with 4 client threads over
keep-alive connections, under

- waitress, 8 threads (the server before live updates),
- `yiwang serve`: uvicorn, the Django WSGI application in a pool of 8 threads (yiwang.asgi),
- uvicorn with Django's own ASGI handler (the alternative not taken).

Two rounds, so the order does not decide; requests per second and the ratio to waitress.

    PYTHONPATH=src .venv/bin/python -m bench.halls.server [--requests 2000]
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time

from bench._load import free_port, line, measure

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WAITRESS = (
    "import sys; from waitress import serve; from yiwang.wsgi import application; "
    "serve(application, port=int(sys.argv[1]), threads=8, ident='yiwang')"
)
DJANGO_ASGI = (
    "import sys, uvicorn, django; from django.core.asgi import get_asgi_application; "
    "uvicorn.run(get_asgi_application(), port=int(sys.argv[1]), log_config=None, "
    "access_log=False, proxy_headers=False)"
)

SERVERS = {
    "waitress": lambda port: [sys.executable, "-c", WAITRESS, str(port)],
    "yiwang serve": lambda port: [
        sys.executable,
        "-m",
        "yiwang.cli",
        "serve",
        "--port",
        str(port),
        "--threads",
        "8",
    ],
    "django asgi": lambda port: [sys.executable, "-c", DJANGO_ASGI, str(port)],
}


def start(command, env, port):
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/_bench/bare")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{command} did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "src"), ROOT]),
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        YIWANG_DATA_DIR=tempfile.mkdtemp(prefix="yiwang-bench-server-"),
        YIWANG_BENCH="1",
        YIWANG_WEB_THREADS="8",
    )
    subprocess.run([sys.executable, "-m", "yiwang.cli", "migrate", "-v0"], env=env, check=True)
    paths = {"bare view": ("/api/v1/_bench/bare", args.requests), "home page": ("/", 400)}
    rps: dict[tuple[str, str], list[float]] = {}
    for round_ in (1, 2):
        for name, command in SERVERS.items():
            port = free_port()
            process = start(command(port), env, port)
            try:
                for label, (path, count) in paths.items():
                    measure(port, [path] * 50, args.threads)  # warm up
                    figures = measure(port, [path] * count, args.threads)
                    rps.setdefault((name, label), []).append(figures["rps"])
                    print(f"round {round_}  {name:13} {label:9}  {line(figures)}", flush=True)
            finally:
                process.terminate()
                process.wait()
    print()
    for label in paths:
        base = sum(rps[("waitress", label)]) / 2
        for name in SERVERS:
            mean = sum(rps[(name, label)]) / 2
            print(f"{label:9}  {name:13} {mean:6.0f} req/s  {mean / base:.2f}× waitress")


if __name__ == "__main__":
    main()
