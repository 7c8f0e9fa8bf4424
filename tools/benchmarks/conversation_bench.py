"""Whole conversation turns through the REST channel, at 1, 20 and 100 concurrent citizens.

A turn is one POST /webhooks/rest/webhook, measured from request to full reply:
NLU, policies, the action server and its catalogue or dossier lookups, and the
tracker store writes. Each simulated citizen runs realistic ~6-turn conversations
one after the other, each under a new sender id (a fresh tracker, as real
conversations are: platform_notes.md shows a single long tracker slows every
turn), with no think time, so the server is kept busy by ``users`` conversations
at once. A level stops after a number of conversations or a time budget,
whichever comes first; turns not started by the deadline are not sent.

Errors are HTTP errors, timeouts, connection failures and empty replies (every
turn of these conversations expects an answer). Latency percentiles are over
turns that got an HTTP response; throughput counts successful turns only.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tools.stack import Stack

LEVELS = (1, 20, 100)
CONVERSATIONS_PER_LEVEL = {1: 25, 20: 200, 100: 600}
# Besides the saturation levels (the next message as soon as the answer arrives),
# PACED_USERS citizens who read the answer and type the next message: a pause of
# THINK_SECONDS between turns, as at a real phone.
PACED_USERS = 20
THINK_SECONDS = (2.0, 6.0)
LEVEL_SECONDS = 40.0
TURN_TIMEOUT = 30.0
WARM_UP_CONVERSATIONS = 3

GREETINGS = ("xin chào", "chào bạn", "chao ban", "alo", "hi ad", "chào em, cho chị hỏi chút", "xin chao")
QUESTIONS = (
    "làm hộ chiếu cần giấy tờ gì",
    "lam ho chieu can giay to j",
    "lam gks cho con can giay to gi",
    "đăng ký tạm trú mất bao lâu",
    "dang ky tam tru o dau",
    "thủ tục đăng ký kết hôn thế nào",
    "dk ket hon can mang gi",
    "chứng thực bản sao nộp ở đâu",
    "xin lý lịch tư pháp có làm online được không",
    "các bước đăng ký khai tử",
    "nhap ho khau cho con can nhung gi",
    "đổi cccd cần giấy tờ gì",
    "làm sổ đỏ lần đầu cần những gì",
    "mo ho kinh doanh can giay to gi",
    "doi bang lai xe het han lam sao",
    "đăng ký thường trú cần những giấy tờ gì",
    "rut bhxh 1 lan can gi",
)
FOLLOW_UPS = (
    "thế lệ phí bao nhiêu",
    "the le phi bao nhieu",
    "mất bao lâu vậy",
    "mat bao lau z",
    "nộp ở đâu ạ",
    "nop o dau",
    "làm online được không",
    "co lam online dc ko",
    "các bước thế nào",
    "can mang giay to j",
)
# Demo dossiers (procedures_db/seed/dossiers_demo.json) with their correct digits:
# wrong digits are slowed down on purpose, which is not what this measures.
DOSSIERS = (
    ("000.00.12.H48-251103-0021", "4321"),
    ("000.00.12.H48-251105-0012", "5678"),
    ("000.00.12.H48-251101-0007", "4567"),
    ("000.00.12.H48-251028-0003", "7890"),
    ("000.00.12.H48-251020-0015", "3456"),
    ("000.00.12.H48-251015-0009", "5432"),
)
LOOKUPS = (
    "tra cứu hồ sơ {code}",
    "tra cuu ho so {code}",
    "kiểm tra hồ sơ {code}",
    "hồ sơ {code} đến đâu rồi",
    "cho em tra ho so {code}",
)
THANKS = ("cảm ơn", "cam on ban", "cảm ơn em nhiều nhé", "ok thanks", "tks ad")


def conversation(rng: random.Random) -> list[str]:
    """Greeting, a procedure question, 1-2 follow-ups, a dossier lookup and its digits, thanks."""
    code, digits = rng.choice(DOSSIERS)
    return [
        rng.choice(GREETINGS),
        rng.choice(QUESTIONS),
        *rng.sample(FOLLOW_UPS, rng.randint(1, 2)),
        rng.choice(LOOKUPS).format(code=code),
        digits,
        rng.choice(THANKS),
    ]


@dataclass
class LevelStats:
    users: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    conversations: int = 0  # started; those running at the deadline end early
    turns: int = 0

    def summary(self, elapsed: float) -> dict:
        ok = self.turns - sum(self.errors.values())
        ordered = sorted(self.latencies_ms)
        return {
            "users": self.users,
            "conversations": self.conversations,
            "turns": self.turns,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
            "throughput_turns_s": round(ok / elapsed, 1) if elapsed else 0.0,
            "seconds": round(elapsed, 1),
        }


async def say(http: aiohttp.ClientSession, url: str, sender: str, text: str, stats: LevelStats | None) -> None:
    """One turn; its latency and any error go to ``stats`` (None: warm-up, not recorded)."""
    started = time.perf_counter()
    error = None
    try:
        async with http.post(url, json={"sender": sender, "message": text}) as reply:
            body = await reply.json(content_type=None) if reply.status == 200 else None
            if reply.status != 200:
                error = f"http_{reply.status}"
            elif not any(message.get("text") for message in body or []):
                error = "empty_reply"
    except asyncio.TimeoutError:
        error = "timeout"
    except (aiohttp.ClientError, ValueError) as exc:
        error = type(exc).__name__
    if stats is None:
        return
    stats.turns += 1
    if error:
        stats.errors[error] += 1
    if error != "timeout":
        stats.latencies_ms.append((time.perf_counter() - started) * 1000)


async def citizen(
    url: str,
    rng: random.Random,
    stats: LevelStats,
    budget: list[int],
    deadline: float,
    think: tuple[float, float] | None = None,
) -> None:
    """Run conversations one after the other while the level's budget and time last.

    Each conversation is a new citizen on their own connection (kept alive for
    its turns), as on real phones: a server with several worker processes gets
    each conversation's connection on whichever worker accepts it.
    """
    if think:  # paced citizens arrive one by one, not all in the same millisecond
        await asyncio.sleep(rng.uniform(0, think[1]))
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        stats.conversations += 1
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as http:
            for text in conversation(rng):
                if time.monotonic() >= deadline:
                    return
                await say(http, url, sender, text, stats)
                if think:
                    await asyncio.sleep(rng.uniform(*think))


async def run_level(url: str, users: int, seed: int, think: tuple[float, float] | None = None) -> dict:
    """``users`` citizens at once for at most LEVEL_SECONDS or CONVERSATIONS_PER_LEVEL conversations."""
    stats, budget = LevelStats(users), [CONVERSATIONS_PER_LEVEL[users]]
    started = time.monotonic()
    deadline = started + LEVEL_SECONDS
    citizens = [citizen(url, random.Random(seed * 1000 + i), stats, budget, deadline, think) for i in range(users)]
    await asyncio.wait_for(asyncio.gather(*citizens), timeout=LEVEL_SECONDS + TURN_TIMEOUT + 10)
    return stats.summary(time.monotonic() - started)


async def warm_up(url: str) -> None:
    """A few unrecorded conversations: the first turns load models and compile graphs."""
    rng = random.Random(0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        for _ in range(WARM_UP_CONVERSATIONS):
            sender = f"warm-{uuid.uuid4().hex[:12]}"
            for text in conversation(rng):
                await say(http, url, sender, text, None)


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children (Sanic's worker processes), from /proc."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            total += int(line.split()[1])
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return round(total / 1024 + sum(peak_rss_mb(int(child)) for child in children), 1)


def bench_stack(env: dict, model: str, log_path: Path, log=print, levels=LEVELS, paced: bool = True) -> dict:
    """Start the stack with ``model``, warm it up, run the levels, read the Rasa server's peak RSS."""
    url = f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"
    with open(log_path, "w", encoding="utf-8") as stack_log:
        stack = Stack(env=env, model=model, log=stack_log)
        started = time.monotonic()
        stack.start()
        try:
            stack.wait_healthy(timeout=300)
            startup = time.monotonic() - started
            asyncio.run(warm_up(url))
            results = {}
            runs = [(str(users), users, None) for users in levels]
            if paced:
                runs.append((f"{PACED_USERS} paced", PACED_USERS, THINK_SECONDS))
            for label, users, think in runs:
                results[label] = result = asyncio.run(run_level(url, users, seed=users, think=think))
                kinds = f" {result['error_kinds']}" if result["errors"] else ""
                log(
                    f"  {label:>9} users: {result['conversations']} conversations, {result['turns']} turns, "
                    f"{result['errors']} errors{kinds}, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                    f"{result['throughput_turns_s']} turns/s"
                )
            return {
                "startup_s": round(startup, 1),
                "rasa_peak_rss_mb": peak_rss_mb(stack.pids()["rasa"]),
                "levels": results,
            }
        finally:
            stack.stop()
