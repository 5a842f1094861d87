"""Stalls: how long the window's event loop is blocked while a slow server answers.

    python bench/bench_stall.py [--db URL] [--delay-ms 20] [--reps 5] [--users N] [--explain]

A scratch database is created beside the one named (as bench_users.py does) and dropped
afterwards; the demo practice is built in it. A small TCP proxy, started here in a process
of its own (so that its work takes no turns at this process's GIL), delays each chunk by
--delay-ms in each direction, and the app's URL points at it. The real window and sign-in
dialog then run on the real threaded OperationRunner while a 1 ms heartbeat on the window's
thread records the longest gap between its ticks, from the action's trigger until its result
has been shown (and 50 ms more, for the repaint). Three actions: selecting a user in the
list, saving an edited Title, and checking a sign-in with the right password. Each stall is
printed next to its floor, the same action's whole time through the proxy, measured in the
same run; the goal is no stall longer than one frame (16 ms). Prints one JSON document.

--explain samples, from a thread of its own, where the window's thread is while the
heartbeat is overdue, and prints those places to stderr (its sampling perturbs the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_users import StatementLog, scratch_database
from PySide6.QtCore import QEventLoop, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.access import Actor
from app.clock import utc_now
from app.db.database import Database, make_engine, upgrade
from app.db.server import server_clock
from app.practice.demo import create_demo_practice
from app.sections.registry import SECTIONS
from app.signin.flow import SignInFlow
from ui.main import build_window
from ui.operations import OperationRunner
from ui.pages.user_page import UserPage
from ui.signin.common import Operator
from ui.signin.sign_in_dialog import SignInDialog
from ui.window.window import UserSetupWindow

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_MS = 16.0  # one frame at 60 Hz
HEARTBEAT_MS = 1
SETTLE_S = 0.05  # kept watching after the result is shown: the repaint comes after it
LEAD_MS = 5  # heartbeats before the trigger, so the first gap starts before it
TIMEOUT_S = 60.0


# The proxy (run in its own process: python bench_stall.py --serve-proxy HOST:PORT)


async def _forward(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, sends: list[int]
) -> None:
    """Copy one direction, each chunk sent ``delay`` seconds after it came, in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def sender() -> None:
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()

    sending = asyncio.create_task(sender())
    try:
        while chunk := await reader.read(65536):
            sends[0] += 1
            queue.put_nowait((loop.time() + delay, chunk))
    except OSError:
        pass
    finally:
        queue.put_nowait((loop.time() + delay, b""))
        with contextlib.suppress(OSError):
            await sending
        writer.close()


async def _serve_proxy(upstream: str, delay: float) -> None:
    host, port = upstream.rsplit(":", 1)
    to_server = [0]  # chunks the clients sent: about one per request the app waits on

    async def connection(c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        s_reader, s_writer = await asyncio.open_connection(host, int(port))
        with contextlib.suppress(asyncio.CancelledError):  # cancelled: the proxy stops
            await asyncio.gather(
                _forward(c_reader, s_writer, delay, to_server),
                _forward(s_reader, c_writer, delay, [0]),
            )

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    control = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(control), sys.stdin)
    async with server:
        while await control.readline():  # each line asks how many; end of input: stop
            print(to_server[0], flush=True)


class Proxy:
    """The delaying proxy's process, and how many chunks the app has sent through it."""

    def __init__(self, upstream_host: str, upstream_port: int, delay_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-proxy", f"{upstream_host}:{upstream_port}",
             "--delay-ms", str(delay_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._in: TextIO = self.process.stdin  # type: ignore[assignment]
        self._out: TextIO = self.process.stdout  # type: ignore[assignment]
        self.port = int(self._out.readline())

    def sends(self) -> int:
        self._in.write("?\n")
        self._in.flush()
        return int(self._out.readline())

    def stop(self) -> None:
        self._in.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# `usersetup login`, the whole process


def run_process(argv: list[str], stdin: str = "") -> float:
    """Run a process to its end; its wall time in seconds (it must succeed)."""
    started = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    return time.perf_counter() - started


FLOOR_SCRIPT = """
import sys, psycopg
with psycopg.connect(sys.argv[1]) as connection:
    connection.execute("SELECT 1").fetchall()
"""


def bench_login_process(
    proxy: Proxy, proxied_url: str, direct_url: str, code: str, user_id: str, password: str,
    reps: int,
) -> dict[str, Any]:  # fmt: skip
    """`usersetup login` from process start to exit, through the proxy and direct. Floor: a
    Python process that connects with psycopg and runs one query, the same way."""

    def login(url: str) -> list[str]:
        return [sys.executable, "-m", "cli", "--db", url, "login", "--company", code, user_id,
                "--password-stdin"]  # fmt: skip

    def libpq(url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    figures: dict[str, list[float]] = {
        k: []
        for k in ("proxied", "direct", "floor_proxied", "floor_direct", "sends", "floor_sends")
    }
    for n in range(reps + 1):
        before = proxy.sends()
        proxied = run_process(login(proxied_url), password + "\n")
        sends = proxy.sends() - before
        direct = run_process(login(direct_url), password + "\n")
        before = proxy.sends()
        floor_proxied = run_process([sys.executable, "-c", FLOOR_SCRIPT, libpq(proxied_url)])
        floor_sends = proxy.sends() - before
        floor_direct = run_process([sys.executable, "-c", FLOOR_SCRIPT, libpq(direct_url)])
        if n:  # the first run fills the operating system's file cache
            for key, value in zip(figures, (proxied, direct, floor_proxied, floor_direct,
                                            sends, floor_sends), strict=True):  # fmt: skip
                figures[key].append(value)
    med = {k: statistics.median(v) for k, v in figures.items()}
    return {
        "round_trips": med["sends"], "round_trips_goal": 12,
        "round_trips_met": med["sends"] <= 12, "floor_round_trips": med["floor_sends"],
        "proxied_s": round(med["proxied"], 2), "direct_s": round(med["direct"], 2),
        "floor_proxied_s": round(med["floor_proxied"], 2),
        "floor_direct_s": round(med["floor_direct"], 2),
        "floor": "a Python process that connects with psycopg and runs one SELECT",
    }  # fmt: skip


# Watching the window's thread


class Heartbeat:
    """A 1 ms timer on the window's thread; a late tick is a blocked event loop."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[float] = []
        self.last = 0.0
        self.running = False
        self.on_tick: Callable[[float], None] = lambda _now: None

    def _tick(self) -> None:
        now = time.perf_counter()
        self.last = now
        self.ticks.append(now)
        self.on_tick(now)

    def start(self) -> None:
        self.ticks.clear()
        self.last = time.perf_counter()
        self.running = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.running = False


class StallWatch(threading.Thread):
    """--explain: samples where the window's thread (and the worker) are while a heartbeat
    is overdue by more than the goal."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        super().__init__(name="stall-watch", daemon=True)
        self.heartbeat = heartbeat
        self.main = threading.main_thread().ident
        self.action = ""
        self.samples: Counter[tuple[str, str, str]] = Counter()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.002):
            beat = self.heartbeat
            if not beat.running or time.perf_counter() - beat.last < GOAL_MS / 1000:
                continue
            frames = sys._current_frames()
            worker = next(
                (frames.get(t.ident or -1) for t in threading.enumerate()
                 if t.name.startswith("usersetup-db")), None,
            )  # fmt: skip
            main = frames.get(self.main or -1)
            self.samples[(self.action, _where(main), _where(worker, 1))] += 1

    def report(self) -> None:
        print("Where the window's thread was while the heartbeat was overdue:", file=sys.stderr)
        for (action, main, worker), count in self.samples.most_common(25):
            print(f"  {count:4d} x 2 ms  {action}\n    window: {main}", file=sys.stderr)
            print(f"    worker: {worker}", file=sys.stderr)


def _where(frame: FrameType | None, depth: int = 4) -> str:
    """The innermost frames of the project's own code (the first outside it, at the top)."""
    if frame is None:
        return "-"
    stack = traceback.extract_stack(frame)
    ours = [f for f in stack if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename]
    innermost = stack[-1]
    picked = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}" for f in ours[-depth:]]
    if ours and innermost is not ours[-1]:
        picked.append(f"-> {Path(innermost.filename).name}:{innermost.lineno} {innermost.name}")
    return " < ".join(reversed(picked))


@dataclass
class Sample:
    total_s: float  # from the trigger to the result shown
    longest_gap_s: float  # the longest the event loop went without a heartbeat meanwhile
    statements: int
    transactions: int
    client_sends: int  # chunks the app sent to the server through the proxy
    sql: list[str]  # what ran, e.g. ["SELECT users"]


@dataclass
class Measured:
    samples: list[Sample] = field(default_factory=list)

    def summary(self, first: Sample) -> dict[str, Any]:
        gaps = [s.longest_gap_s * 1000 for s in self.samples]
        totals = [s.total_s * 1000 for s in self.samples]
        return {
            "longest_stall_ms": round(max(gaps), 1),
            "median_longest_stall_ms": round(statistics.median(gaps), 1),
            "stalls_ms": [round(g, 1) for g in gaps],
            "floor_total_ms": round(statistics.median(totals), 1),
            "goal_ms": GOAL_MS, "met": max(gaps) <= GOAL_MS,
            "statements": max(s.statements for s in self.samples),
            "transactions": max(s.transactions for s in self.samples),
            # psycopg prepares nothing (make_engine); the median leaves out a one-off, such as
            # a connection opened anew.
            "client_sends_median": statistics.median(s.client_sends for s in self.samples),
            "sql": self.samples[-1].sql,
            "first_time": {"stall_ms": round(first.longest_gap_s * 1000, 1),
                           "total_ms": round(first.total_s * 1000, 1)},
        }  # fmt: skip


class Bench:
    def __init__(self, proxy: Proxy, log: StatementLog, explain: bool) -> None:
        self.proxy = proxy
        self.log = log
        self.heartbeat = Heartbeat()
        self.watch = StallWatch(self.heartbeat) if explain else None
        if self.watch is not None:
            self.watch.start()

    def measure(self, name: str, trigger: Callable[[], object], shown: SignalInstance) -> Sample:
        """Run the event loop with the heartbeat on; ``trigger()`` from it; stop once
        ``shown`` has been emitted and SETTLE_S has passed."""
        if self.watch is not None:
            self.watch.action = name
        loop = QEventLoop()
        started: list[float] = []
        done: list[float] = []

        def begin() -> None:
            self.log.reset()
            started.append(time.perf_counter())
            trigger()

        def finished(*_args: object) -> None:
            if not done:
                done.append(time.perf_counter())

        def tick(now: float) -> None:
            if done and now >= done[0] + SETTLE_S:
                loop.quit()

        sends = self.proxy.sends()
        shown.connect(finished)
        self.heartbeat.on_tick = tick
        QTimer.singleShot(int(TIMEOUT_S * 1000), loop.quit)
        self.heartbeat.start()
        QTimer.singleShot(LEAD_MS, begin)
        loop.exec()
        self.heartbeat.stop()
        shown.disconnect(finished)
        assert done, f"{name}: no result shown within {TIMEOUT_S:.0f} s"
        ticks = self.heartbeat.ticks
        # From the last heartbeat before the trigger to the first one after the settling.
        first = max((i for i, t in enumerate(ticks) if t <= started[0]), default=0)
        gaps = [b - a for a, b in itertools.pairwise(ticks[first:])]
        return Sample(
            done[0] - started[0], max(gaps), len(self.log.statements), self.log.transactions,
            self.proxy.sends() - sends, self.log.summary(),
        )  # fmt: skip

    def idle(self, seconds: float) -> float:
        """The longest gap of the heartbeat with nothing to do: what the timer itself gives."""
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        self.heartbeat.on_tick = lambda _now: None
        self.heartbeat.start()
        loop.exec()
        self.heartbeat.stop()
        ticks = self.heartbeat.ticks
        return max(b - a for a, b in itertools.pairwise(ticks))


def bench_sign_in(
    bench: Bench, runner: OperationRunner, flow_of: Callable[[], SignInFlow], code: str,
    user_id: str, password: str, reps: int,
) -> tuple[dict[str, Any], Operator]:  # fmt: skip
    """The sign-in dialog's password step, through the runner, with the right password."""
    measured = Measured()
    operator: Operator | None = None
    firsts: list[Sample] = []
    for n in range(reps + 1):
        dialog = SignInDialog(runner, flow_of(), code)
        dialog.show()
        dialog.user_id.setText(user_id)
        dialog.password.setText(password)
        QApplication.processEvents()
        sample = bench.measure("sign-in", dialog.ok_button.click, dialog.accepted)
        assert dialog.operator is not None, dialog.refusal.text()
        operator = dialog.operator
        (measured.samples if n else firsts).append(sample)
        dialog.deleteLater()
        QApplication.processEvents()
    assert operator is not None
    return measured.summary(firsts[0]), operator


def title_box(page: UserPage) -> QLineEdit:
    found = [w for w in page.findChildren(QLineEdit) if w.accessibleName() == "Title"]
    assert len(found) == 1, f"{len(found)} fields named Title"
    return found[0]


def open_every_section(window: UserSetupWindow) -> None:
    """Show each section once, as a person looking through them would: each page is built and
    reads its state; from then on a click on a user reads every section."""
    for s in SECTIONS:
        window.show_section(s.key)
        deadline = time.perf_counter() + TIMEOUT_S
        while (
            window.subject is None or s.key not in window.subject.states
        ) and time.perf_counter() < deadline:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    window.show_section(SECTIONS[0].key)
    QApplication.processEvents()


def with_goal(summary: dict[str, Any], round_trips: int) -> dict[str, Any]:
    """The round-trip goal beside what was measured (the chunks the app sent the server)."""
    sends = summary["client_sends_median"]
    return {**summary, "round_trips_goal": round_trips, "round_trips_met": sends <= round_trips}


def bench_select_and_save(
    bench: Bench, window: UserSetupWindow, reps: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    window.search.setText("")
    model = window.model
    page = window.page("user")
    assert isinstance(page, UserPage)
    shown = window.subject.record.pk if window.subject and window.subject.record else None
    pks = [pk for pk in (model.pk_at(r) for r in range(model.rowCount())) if pk != shown]
    step = max(1, len(pks) // (reps + 1))
    pks = [pks[(i * step) % len(pks)] for i in range(reps + 1)]
    selects, saves = Measured(), Measured()
    firsts: list[Sample] = []
    for n, pk in enumerate(pks):
        assert window.model.row_of(pk) is not None, "the user is hidden by the list's filter"
        sample = bench.measure(
            "select user", partial(window.select_user, pk), window.subject_loaded
        )
        assert window.subject and window.subject.record and window.subject.record.pk == pk
        (selects.samples if n else firsts).append(sample)

        title_box(page).setText(f"Stall title {n}")
        assert window.save_action.isEnabled(), "nothing to save"
        sample = bench.measure("save user", window.save_action.trigger, window.saved)
        assert not window.is_dirty(), "the save was refused"
        (saves.samples if n else firsts).append(sample)
    return selects.summary(firsts[0]), saves.summary(firsts[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL or MariaDB server URL")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added each way")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="where the stalls are, to stderr")
    parser.add_argument("--serve-proxy", metavar="HOST:PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_proxy:
        asyncio.run(_serve_proxy(args.serve_proxy, args.delay_ms / 1000))
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with scratch_database(args.db) as url:
        direct = make_engine(url)
        try:
            upgrade(direct)
            actor = Actor.database_administrator("bench")
            with Database.for_engine(direct, "bench").transaction() as session:
                demo = create_demo_practice(session, actor, utc_now, users=args.users)
            assert demo.admin_password is not None
        finally:
            direct.dispose()
        server = make_url(url)
        proxy = Proxy(server.host or "127.0.0.1", server.port or 5432, args.delay_ms)
        engine: Engine | None = None
        try:
            engine = make_engine(
                server.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
            )
            database = Database.for_engine(engine, "bench through the proxy")
            log = StatementLog(engine)
            clock = server_clock(database)
            runner = OperationRunner()  # one worker for the sign-in and the window, as run_window
            bench = Bench(proxy, log, args.explain)
            idle = bench.idle(0.5)
            host = socket.gethostname()

            def flow() -> SignInFlow:
                return SignInFlow(database, clock, host)

            code = demo.company.code
            sign_in, operator = bench_sign_in(
                bench, runner, flow, code, demo.admin_user_id, demo.admin_password, args.reps
            )
            window = build_window(database, code, operator.actor(host), operator, runner, clock)
            window.show()
            opened = bench.measure("window opens", lambda: None, window.subject_loaded)
            select, save = bench_select_and_save(bench, window, args.reps)
            open_every_section(window)
            select_all, save_all = bench_select_and_save(bench, window, args.reps)
            result = {
                "backend": engine.dialect.name, "delay_ms_each_way": args.delay_ms,
                "reps": args.reps, "users": demo.users, "heartbeat_ms": HEARTBEAT_MS,
                "idle_longest_gap_ms": round(idle * 1000, 1),
                "window_opens_stall_ms": round(opened.longest_gap_s * 1000, 1),
                "select_user": with_goal(select, 3),
                "select_user_every_section_open": with_goal(select_all, 5),
                "save": with_goal(save, 6), "save_every_section_open": with_goal(save_all, 6),
                "sign_in": sign_in,
                "floor": "floor_total_ms: the same action's whole time through the proxy, "
                "from the trigger to its result shown",
            }  # fmt: skip
            assert not window.is_dirty(), "closing would ask to save"
            window.close()
            runner.shut_down()
            window.deleteLater()
            app.processEvents()
            if bench.watch is not None:
                bench.watch.stopped.set()
                bench.watch.report()
            proxied_url = server.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
            if server.get_backend_name() == "postgresql":  # the floor process is psycopg's
                result["usersetup_login_process"] = bench_login_process(
                    proxy, proxied_url, url, code, demo.admin_user_id, demo.admin_password,
                    args.reps,
                )  # fmt: skip
        finally:
            if engine is not None:
                engine.dispose()
            proxy.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
