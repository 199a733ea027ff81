#!/usr/bin/env python3
"""Load generator for bench/submission_relay: authenticated SMTP submission.

Two phases. Login: N sessions each connect, read the 220, EHLO, STARTTLS
(or implicit TLS on a 465-style port), EHLO, AUTH PLAIN (RFC 4616, initial
response), at most --login-concurrency at once. Then "go": every session
sends messages back to back, each taken from a shared counter, MAIL FROM /
RCPT TO / DATA in one write when the server offers PIPELINING (RFC 2920),
until --messages have been accepted in total; with --per-session K a session
QUITs after K messages and logs in again (then logins are on the clock).
Postfix's smtp-source cannot authenticate, hence this.

Output lines, times being time.monotonic() (CLOCK_MONOTONIC, the same clock
as the driver's): "go <time> <login seconds>" when the measured phase
starts, "progress <time> <accepted>" every --progress seconds, "finished
<time>" when the last message is accepted, "result <json>" at the end. Any
reply other than the expected one stops the run with exit status 1 (a
benchmark that silently counts refusals would measure the wrong thing).

Python 3 standard library only; one asyncio loop in one thread, so its CPU
use (measured by the driver) shows whether it limits the run.
"""
import argparse
import asyncio
import base64
import json
import ssl
import sys
import time

LINE_LIMIT = 4096


class SmtpError(Exception):
    pass


def build_message(sender, rcpt, size, serial):
    """A message of about `size` bytes (CRLF lines, dot-stuffing not needed:
    no line starts with '.'), already terminated by CRLF.CRLF."""
    head = (f"From: Bench Sender <{sender}>\r\n"
            f"To: <{rcpt}>\r\n"
            f"Subject: submission relay bench {serial}\r\n"
            f"Message-ID: <bench.{serial}.{time.monotonic_ns()}@{sender.split('@', 1)[1]}>\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n")
    body = []
    left = max(0, size - len(head))
    line = "The quick brown fox jumps over the lazy dog, and the dog does not mind it. "
    while left > 0:
        chunk = line[: max(1, min(len(line), left - 2))]
        body.append(chunk + "\r\n")
        left -= len(chunk) + 2
    return (head + "".join(body) + ".\r\n").encode()


class Counter:
    def __init__(self, total):
        self.total = total
        self.handed_out = 0
        self.accepted = 0
        self.connections = 0
        self.last_accept = None
        self.go = None  # monotonic time the measured phase began

    def take(self):
        if self.handed_out >= self.total:
            return False
        self.handed_out += 1
        return True


async def read_reply(reader, timeout):
    """One SMTP reply: (code, [lines])."""
    lines = []
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise SmtpError("connection closed by server" + (f" after {lines!r}" if lines else ""))
        if len(line) > LINE_LIMIT or len(line) < 4:
            raise SmtpError(f"bad reply line {line[:100]!r}")
        lines.append(line.rstrip(b"\r\n").decode("utf-8", "replace"))
        if line[3:4] != b"-":
            return int(line[:3]), lines


async def expect(reader, code, what, timeout):
    got, lines = await read_reply(reader, timeout)
    if got != code:
        raise SmtpError(f"{what}: expected {code}, got {lines}")
    return lines


async def ehlo(reader, writer, name, timeout):
    writer.write(f"EHLO {name}\r\n".encode())
    lines = await expect(reader, 250, "EHLO", timeout)
    return {l[4:].split(" ", 1)[0].upper() for l in lines[1:]}


class Connection:
    def __init__(self, reader, writer, pipelining):
        self.reader, self.writer, self.pipelining = reader, writer, pipelining
        self.sent = 0

    async def quit(self, timeout):
        try:
            self.writer.write(b"QUIT\r\n")
            await expect(self.reader, 221, "QUIT", timeout)
        finally:
            await self.close()

    async def close(self):
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass  # servers may close without a TLS close_notify


async def open_session(args, counter, ctx, auth_line):
    """Connect, EHLO, STARTTLS (unless implicit), EHLO, AUTH PLAIN."""
    t = args.timeout
    if args.implicit_tls:
        reader, writer = await asyncio.open_connection(args.host, args.port, ssl=ctx, server_hostname=None)
    else:
        reader, writer = await asyncio.open_connection(args.host, args.port)
    counter.connections += 1
    try:
        await expect(reader, 220, "greeting", t)
        caps = await ehlo(reader, writer, args.helo, t)
        if not args.implicit_tls:
            if "STARTTLS" not in caps:
                raise SmtpError("server does not offer STARTTLS")
            writer.write(b"STARTTLS\r\n")
            await expect(reader, 220, "STARTTLS", t)
            await writer.start_tls(ctx, server_hostname=None)
            caps = await ehlo(reader, writer, args.helo, t)
        writer.write(auth_line)
        await expect(reader, 235, "AUTH PLAIN", t)
    except BaseException:
        writer.close()
        raise
    return Connection(reader, writer, "PIPELINING" in caps and not args.no_pipelining)


async def send_one(args, conn, counter, body):
    t = args.timeout
    envelope = f"MAIL FROM:<{args.sender}>\r\n".encode(), f"RCPT TO:<{args.rcpt}>\r\n".encode(), b"DATA\r\n"
    if conn.pipelining:
        conn.writer.write(b"".join(envelope))
        await expect(conn.reader, 250, "MAIL", t)
        await expect(conn.reader, 250, "RCPT", t)
        await expect(conn.reader, 354, "DATA", t)
    else:
        for cmd, code, what in zip(envelope, (250, 250, 354), ("MAIL", "RCPT", "DATA")):
            conn.writer.write(cmd)
            await expect(conn.reader, code, what, t)
    conn.writer.write(body)
    await expect(conn.reader, 250, "end of data", t)
    conn.sent += 1
    counter.accepted += 1
    counter.last_accept = time.monotonic()
    if counter.accepted == counter.total:
        print(f"finished {counter.last_accept:.6f}", flush=True)


async def session(args, index, counter, ctx, auth_line, login_gate, logged_in, go):
    """Logs in (at most --login-concurrency at once), waits for every session
    to be ready, then sends messages taken one at a time from the shared
    counter, reconnecting after --per-session messages if that is set."""
    async with login_gate:
        conn = await open_session(args, counter, ctx, auth_line)
    logged_in()
    await go.wait()
    serial = 0
    try:
        while counter.take():
            if conn is None:
                conn = await open_session(args, counter, ctx, auth_line)
            serial += 1
            body = build_message(args.sender, args.rcpt, args.size, f"{args.tag}s{index}-{serial}")
            await send_one(args, conn, counter, body)
            if args.per_session and conn.sent >= args.per_session:
                await conn.quit(args.timeout)
                conn = None
        if conn is not None:
            await conn.quit(args.timeout)
            conn = None
    finally:
        if conn is not None:
            await conn.close()


async def progress(counter, every):
    while True:
        await asyncio.sleep(every)
        print(f"progress {time.monotonic():.6f} {counter.accepted}", flush=True)


async def main_async(args):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # private instances with self-signed certificates
    password = sys.stdin.readline().rstrip("\n") if args.password == "-" else args.password
    token = base64.b64encode(b"\0" + args.user.encode() + b"\0" + password.encode()).decode()
    auth_line = f"AUTH PLAIN {token}\r\n".encode()
    counter = Counter(args.messages)
    login_gate = asyncio.Semaphore(args.login_concurrency)
    go = asyncio.Event()
    ready = {"n": 0}
    all_ready = asyncio.get_running_loop().create_future()

    def logged_in():
        ready["n"] += 1
        if ready["n"] == args.sessions and not all_ready.done():
            all_ready.set_result(None)

    t_start = time.monotonic()
    tasks = [asyncio.ensure_future(session(args, i, counter, ctx, auth_line, login_gate, logged_in, go))
             for i in range(args.sessions)]
    ticker = None
    error = None
    try:
        # Every session logs in before the clock starts: the login phase is
        # bound by the password hash (one yescrypt verification per login).
        waiter = asyncio.ensure_future(asyncio.wait([all_ready, *tasks], return_when=asyncio.FIRST_COMPLETED))
        await waiter
        if all_ready.done():
            counter.go = time.monotonic()
            print(f"go {counter.go:.6f} {counter.go - t_start:.3f}", flush=True)
            ticker = asyncio.ensure_future(progress(counter, args.progress))
            go.set()
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception():
                error = f"{type(task.exception()).__name__}: {task.exception()}"
                break
        for task in pending:
            task.cancel()
    finally:
        if ticker:
            ticker.cancel()
    result = {"accepted": counter.accepted, "connections": counter.connections,
              "login_seconds": round((counter.go or time.monotonic()) - t_start, 3),
              "accept_seconds": round(counter.last_accept - counter.go, 3) if counter.last_accept else None,
              "error": error}
    print("result " + json.dumps(result), flush=True)
    return 1 if error else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--implicit-tls", action="store_true", help="TLS from the start (465) instead of STARTTLS")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", default="-", help="'-': read it from the first line of stdin")
    ap.add_argument("--sender", required=True)
    ap.add_argument("--rcpt", required=True)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--messages", type=int, default=1000, help="messages in total")
    ap.add_argument("--per-session", type=int, default=0,
                    help="messages per connection (one login each); 0: sessions stay logged in to the end")
    ap.add_argument("--login-concurrency", type=int, default=4,
                    help="logins at once in the login phase before the clock starts")
    ap.add_argument("--size", type=int, default=4096, help="message bytes (header + body)")
    ap.add_argument("--helo", default="client.bench.example")
    ap.add_argument("--tag", default="")
    ap.add_argument("--no-pipelining", action="store_true")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for any one reply")
    ap.add_argument("--progress", type=float, default=0.2, help="seconds between progress lines")
    args = ap.parse_args()
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
