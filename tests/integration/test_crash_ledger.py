"""Crash ledger: SIGKILL the server again and again while clients inject
mail, then check that every acknowledged message was delivered exactly once.

Client threads send single-recipient messages (unique token in the
Message-ID, a header and the body) to three users over smtplib and keep a
ledger of every message answered with "250 ... queued as ID". The main
thread kills the server with SIGKILL at random moments and restarts it.
After the last restart the queue must drain, and through the CLI
(`mailbox list`, `fetch`): every ledger token is in its user's INBOX exactly
once, no token is stored twice anywhere, nothing unknown or misdelivered is
stored. Messages whose session broke before the 250 may or may not arrive,
but never twice.

Tunables (environment): CRASH_MESSAGES (acked messages, default 2000),
CRASH_KILLS (default 20), CRASH_CLIENTS (client threads, default 6),
CRASH_SEED (random seed).
"""
import concurrent.futures
import json
import os
import random
import re
import smtplib
import subprocess
import threading
import time
import unittest

from harness import POSTINO, Node

USERS = [f"crash{i}@example.test" for i in range(3)]
TARGET_ACKED = int(os.environ.get("CRASH_MESSAGES", "2000"))
MIN_KILLS = int(os.environ.get("CRASH_KILLS", "20"))
CLIENTS = int(os.environ.get("CRASH_CLIENTS", "6"))
MAX_ACKED = TARGET_ACKED * 21 // 20  # bounds the read-back time: clients pause here
INJECT_DEADLINE = 170.0      # seconds for the kill/inject phase
DRAIN_DEADLINE = 90.0        # seconds for the queue to drain afterwards
FETCH_WORKERS = 4
CONFIG = """[queue]
retry_schedule = ["1s"]
"""
TOKEN_RE = re.compile(rb"ct-[0-9a-f]{8}-\d+-\d+")
QUEUED_RE = re.compile(r"queued as (\S+)")
RECEIVED_ID_RE = re.compile(rb"with E?SMTPS? id (\S+)")


class Ledger:
    """Shared client bookkeeping."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempted = {}   # token -> user (MAIL FROM was about to be sent)
        self.acked = {}       # token -> (user, queue id) after a 250 to DATA
        self.rejected = {}    # token -> reply: a clean non-250 to DATA/RCPT
        self.broken = 0       # sessions that broke (server killed)
        self.connect_failures = 0

    def n_acked(self):
        with self.lock:
            return len(self.acked)


class Client(threading.Thread):
    def __init__(self, index, node, ledger, nonce, stop, seed):
        super().__init__(name=f"client-{index}", daemon=True)
        self.index = index
        self.node = node
        self.ledger = ledger
        self.nonce = nonce
        self.stop = stop
        self.rng = random.Random(seed)
        self.seq = 0
        self.error = None

    def message(self, token, user):
        return (f"From: Crash Client {self.index} <client{self.index}@remote.example>\r\n"
                f"To: <{user}>\r\n"
                f"Subject: crash ledger {token}\r\n"
                f"Message-ID: <{token}@remote.example>\r\n"
                f"X-Crash-Token: {token}\r\n"
                f"\r\n"
                f"token {token}\r\n"
                + "".join(f"filler line {i} for {token}\r\n" for i in range(self.rng.randint(0, 40)))).encode()

    def connect(self):
        port = self.node.ports["smtp"]  # re-read: the harness may re-pick ports on restart
        s = smtplib.SMTP("127.0.0.1", port, local_hostname=f"client{self.index}.remote.example", timeout=15)
        code, _ = s.ehlo()
        if code != 250:
            s.close()
            raise smtplib.SMTPException(f"EHLO {code}")
        return s

    def run(self):
        try:
            self.loop()
        except BaseException as e:  # surfaced by the test
            self.error = repr(e)

    def loop(self):
        led = self.ledger
        while not self.stop.is_set():
            if led.n_acked() >= MAX_ACKED:  # enough mail: the kills go on
                time.sleep(0.05)
                continue
            try:
                s = self.connect()
            except (OSError, smtplib.SMTPException):
                with led.lock:
                    led.connect_failures += 1
                time.sleep(0.02)
                continue
            try:
                # a few messages per session, as a real MTA would send
                for _ in range(self.rng.randint(1, 8)):
                    if self.stop.is_set() or led.n_acked() >= MAX_ACKED:
                        break
                    self.seq += 1
                    token = f"ct-{self.nonce}-{self.index}-{self.seq}"
                    user = self.rng.choice(USERS)
                    with led.lock:
                        led.attempted[token] = user
                    code, reply = s.mail(f"client{self.index}@remote.example")
                    if code != 250:
                        raise smtplib.SMTPResponseException(code, reply)
                    code, reply = s.rcpt(user)
                    if code != 250:
                        with led.lock:
                            led.rejected[token] = f"RCPT {code} {reply!r}"
                        s.rset()
                        continue
                    code, reply = s.data(self.message(token, user))
                    text = reply.decode("utf-8", "replace")
                    if code == 250:
                        m = QUEUED_RE.search(text)
                        with led.lock:
                            led.acked[token] = (user, m.group(1) if m else "?")
                    else:
                        with led.lock:
                            led.rejected[token] = f"DATA {code} {text}"
                try:
                    s.quit()
                except (OSError, smtplib.SMTPException):
                    pass
            except (OSError, smtplib.SMTPException):
                with led.lock:
                    led.broken += 1
                try:
                    s.close()
                except OSError:
                    pass


def cli_json(node, *args):
    out = node.cli("-f", "json", *args)
    if out.returncode != 0:
        raise RuntimeError(f"postino {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if out.stdout.strip() else []


def fetch_raw(config, user, uid):
    out = subprocess.run([POSTINO, "--config", config, "fetch", "-u", user, "INBOX", str(uid)],
                         capture_output=True, timeout=60)
    return out.returncode, out.stdout, out.stderr


def log_lines_for(log, needles, limit=40):
    lines = [line for line in log.splitlines() if any(n in line for n in needles)]
    return "\n".join(lines[:limit])


class CrashLedgerTest(unittest.TestCase):
    def test_acked_mail_survives_sigkill_exactly_once(self):
        seed = int(os.environ.get("CRASH_SEED", str(random.randrange(1 << 30))))
        rng = random.Random(seed)
        t0 = time.monotonic()
        with Node(extra_config=CONFIG) as node:
            for user in USERS:
                node.add_user(user, "pw")
            node.start()

            ledger = Ledger()
            stop = threading.Event()
            nonce = f"{rng.randrange(1 << 32):08x}"
            clients = [Client(i, node, ledger, nonce, stop, rng.randrange(1 << 30)) for i in range(CLIENTS)]
            for c in clients:
                c.start()

            # -- kill / restart loop ------------------------------------------
            kills = 0
            restart_failure = None
            sequence = []  # (seconds since start, acked at kill time)
            inject_deadline = time.monotonic() + INJECT_DEADLINE
            while time.monotonic() < inject_deadline:
                if kills >= MIN_KILLS and ledger.n_acked() >= TARGET_ACKED:
                    break
                # spread the kills over the expected injection; a few long
                # gaps let the queue runner get busy between kills
                time.sleep(rng.choice([rng.uniform(0.05, 0.4), rng.uniform(0.3, 1.5)]))
                sequence.append((round(time.monotonic() - t0, 2), ledger.n_acked()))
                node.kill()
                kills += 1
                if rng.random() < 0.3:
                    time.sleep(rng.uniform(0.0, 0.3))
                try:
                    node.start()
                except RuntimeError as e:
                    restart_failure = f"restart after kill #{kills} failed: {e}"
                    break
            stop.set()
            for c in clients:
                c.join(timeout=30)
            inject_elapsed = time.monotonic() - t0
            if restart_failure:
                self.fail(restart_failure + "\nkill sequence: " + repr(sequence))
            client_errors = [f"{c.name}: {c.error}" for c in clients if c.error]
            client_errors += [f"{c.name}: still running" for c in clients if c.is_alive()]

            # -- drain the queue ----------------------------------------------
            # Wait until nothing is pending; an entry whose recipients are all
            # done must then leave the queue within a few seconds.
            drain_deadline = time.monotonic() + DRAIN_DEADLINE
            queue = cli_json(node, "queue", "list")
            idle_since = None
            last_flush = time.monotonic()
            while queue and time.monotonic() < drain_deadline:
                if any("(pending)" in r for q in queue for r in q["recipients"]):
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > 5.0:
                    break
                if time.monotonic() - last_flush > 5.0:
                    node.cli("queue", "flush")  # deferred ones: due now
                    last_flush = time.monotonic()
                time.sleep(0.5)
                queue = cli_json(node, "queue", "list")
            drain_elapsed = time.monotonic() - t0 - inject_elapsed

            # -- read every mailbox through the CLI -----------------------------
            t_read = time.monotonic()
            jobs = []  # (user, mailbox, uid)
            for user in USERS:
                for row in cli_json(node, "mailbox", "list", "-u", user):
                    jobs += [(user, row["mailbox"], int(uid)) for uid in row["uids"]]
            found = {}           # token -> list of (user, uid, queue id)
            tokenless = []       # (user, uid, detail)
            fetch_errors = []
            with concurrent.futures.ThreadPoolExecutor(FETCH_WORKERS) as pool:
                futures = {pool.submit(fetch_raw, node.config, user, uid): (user, box, uid)
                           for user, box, uid in jobs if box == "INBOX"}
                for fut in concurrent.futures.as_completed(futures):
                    user, box, uid = futures[fut]
                    code, raw, err = fut.result()
                    if code != 0:
                        fetch_errors.append(f"{user} uid {uid}: exit {code}: {err.decode(errors='replace')}")
                        continue
                    tokens = set(TOKEN_RE.findall(raw))
                    qid = RECEIVED_ID_RE.search(raw)
                    qid = qid.group(1).decode() if qid else "?"
                    if len(tokens) != 1:
                        tokenless.append((user, uid, f"tokens={sorted(tokens)!r} head={raw[:200]!r}"))
                        continue
                    found.setdefault(tokens.pop().decode(), []).append((user, uid, qid))
            other_boxes = [j for j in jobs if j[1] != "INBOX"]
            read_elapsed = time.monotonic() - t_read
            log = node.server_log()
            node.stop()

        # -- verdict ------------------------------------------------------------
        acked, attempted = ledger.acked, ledger.attempted
        duplicates = {t: locs for t, locs in found.items() if len(locs) > 1}
        lost = {t: v for t, v in acked.items() if t not in found}
        misdelivered = {t: locs for t, locs in found.items()
                        if t in attempted and any(u != attempted[t] for u, _, _ in locs)}
        unexpected = {t: locs for t, locs in found.items() if t not in attempted}
        unacked_arrived = sum(1 for t in found if t in attempted and t not in acked)
        stored = sum(len(v) for v in found.values())
        elapsed = time.monotonic() - t0
        log_events = {}  # warn/error events in the server log, by name
        for line in log.splitlines():
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("warn", "error"):
                key = parts[1] + " " + parts[2]
                log_events[key] = log_events.get(key, 0) + 1
        print(f"\ncrash ledger (seed {seed}): attempted={len(attempted)} acked={len(acked)} "
              f"rejected={len(ledger.rejected)} broken_sessions={ledger.broken} "
              f"connect_failures={ledger.connect_failures} kills={kills}\n"
              f"  stored={stored} distinct={len(found)} arrived_without_ack={unacked_arrived} "
              f"duplicates={len(duplicates)} lost={len(lost)} misdelivered={len(misdelivered)} "
              f"unexpected={len(unexpected) + len(tokenless)} fetch_errors={len(fetch_errors)} "
              f"queue_left={len(queue)}\n"
              f"  elapsed={elapsed:.1f}s (inject {inject_elapsed:.1f}s, drain {drain_elapsed:.1f}s, "
              f"read {read_elapsed:.1f}s for {len(jobs)} messages)\n"
              f"  server warn/error events: {log_events or 'none'}"
              + (f"\n  refusals (allowed): {list(ledger.rejected.values())[:5]}" if ledger.rejected else ""))

        problems = []
        if len(acked) < TARGET_ACKED:
            problems.append(f"only {len(acked)} messages acked in {INJECT_DEADLINE:.0f}s (want {TARGET_ACKED})")
        if kills < MIN_KILLS:
            problems.append(f"only {kills} kills (want {MIN_KILLS})")
        if client_errors:
            problems.append("client threads failed: " + "; ".join(client_errors))
        # a refusal is allowed (say, 451 during a restart); storing the
        # refused message anyway is not: the client would send it again
        refused_stored = {t: found[t] for t in ledger.rejected if t in found}
        if refused_stored:
            problems.append(f"{len(refused_stored)} refused messages were stored anyway, e.g. "
                            f"{[(t, ledger.rejected[t], v) for t, v in list(refused_stored.items())[:5]]}")
        if lost:
            sample = list(lost.items())[:10]
            problems.append(f"{len(lost)} acked messages LOST, e.g. {sample}\nlog:\n" +
                            log_lines_for(log, [q for _, (_, q) in sample]))
        if duplicates:
            sample = list(duplicates.items())[:10]
            problems.append(f"{len(duplicates)} tokens stored more than once, e.g. {sample}\nlog:\n" +
                            log_lines_for(log, [q for _, locs in sample for _, _, q in locs]))
        if misdelivered:
            problems.append(f"{len(misdelivered)} misdelivered, e.g. {list(misdelivered.items())[:10]}")
        if unexpected or tokenless:
            problems.append(f"unexpected messages: {list(unexpected.items())[:10]} {tokenless[:10]}")
        if other_boxes:
            problems.append(f"messages outside INBOX: {other_boxes[:10]}")
        if fetch_errors:
            problems.append(f"{len(fetch_errors)} fetch errors, e.g. {fetch_errors[:5]}")
        if queue:
            states = {}
            for q in queue:
                key = ",".join(sorted({r.rsplit(" ", 1)[-1] for r in q["recipients"]}))
                states[key] = states.get(key, 0) + 1
            sample = queue[:5]
            stranded = "no recipient pending: entries left behind" if all(
                "(pending)" not in r for q in queue for r in q["recipients"]) else "still pending"
            problems.append(f"queue not empty after the drain wait ({stranded}): {len(queue)} entries "
                            f"by recipient state {states}, e.g. {sample}\nlog:\n" +
                            log_lines_for(log, [q["id"] for q in sample]))
        if problems:
            self.fail("\n\n".join(problems) + f"\nkill sequence (t, acked): {sequence}")


if __name__ == "__main__":
    unittest.main()
