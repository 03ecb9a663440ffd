"""Start the demo system and the peer gateways, check they agree, then measure and print."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from deploy import _os
from deploy.infra import Infrastructure
from deploy.provision import deprovision
from deploy.system import System
from services.journal.domain.demo import current_school_day, demo_days
from services.kernel.demo import demo_today
from services.kernel.principal import ANONYMOUS, PRINCIPAL_HEADER, encode_principal_header
from services.kernel.tokens import verify_access_token
from tests.bench.gateway import node, queries
from tests.bench.gateway.load import Figures, measure
from tests.support import Infra, new_namespace, remove_dir, scratch_dir

PASSWORD = "Perspektiva-2026!"
# The demo journal is generated around today: its current school day (taught) and a month of it.
_DAYS = demo_days(demo_today())
DIARY_DAY = current_school_day(demo_today()).isoformat()
MONTH = (_DAYS[0].isoformat(), (_DAYS[0] + timedelta(days=30)).isoformat())
SECONDS = float(os.environ.get("SGO_BENCH_SECONDS", "6"))
PEERS = (("c  Apollo Gateway", "apollo.mjs"), ("d  Hive Gateway", "hive.mjs"))
LEVELS = (1, 30)  # one client shows the hop's cost; thirty show throughput under load


@dataclass
class Target:
    """One way to get the answer: a callable that sends one operation and checks its status."""

    name: str
    light: Callable[[], Awaitable[None]]
    heavy: Callable[[], Awaitable[None]]


@dataclass
class Demo:
    system: System
    http: httpx.AsyncClient
    parent_token: str
    teacher_token: str
    light_variables: dict[str, Any]
    heavy_variables: dict[str, Any]

    def principal_header(self, token: str) -> str:
        principal = verify_access_token(token, self.system.public_key)
        return encode_principal_header(principal, self.system.internal_secret)


async def _post(http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]):
    headers = {"content-type": "application/json"} | headers
    response = await http.post(url, content=orjson.dumps(body), headers=headers)
    response.raise_for_status()
    result = orjson.loads(response.content)
    if result.get("errors"):
        raise RuntimeError(f"{url}: {result['errors']}")
    return result["data"]


@asynccontextmanager
async def _demo_system(infra: Infra) -> AsyncIterator[System]:
    data_dir = scratch_dir("sgo-bench-")
    prefix = f"bench_{infra.run_id}"
    infrastructure = await Infrastructure.start(
        data_dir, admin_url=infra.database_url, nats_url=infra.nats_url, prefix=prefix
    )
    system = infrastructure.system(
        namespace=new_namespace(),
        demo=True,
        free_ports=True,
        extra_env={"SGO_DEMO_PASSWORD": PASSWORD, "SGO_LOG_LEVEL": "WARNING"},
    )
    await system.start()
    try:
        yield system
    finally:
        await system.stop()
        await deprovision(infra.database_url, prefix=prefix)
        remove_dir(data_dir)


async def _login(http: httpx.AsyncClient, url: str, login: str) -> str:
    data = await _post(
        http,
        url,
        {
            "query": "mutation($l: String!, $p: String!) "
            "{ login(login: $l, password: $p) { accessToken } }",
            "variables": {"l": login, "p": PASSWORD},
        },
        {"content-type": "application/json"},
    )
    return data["login"]["accessToken"]


async def _prepare(system: System, http: httpx.AsyncClient) -> Demo:
    """Wait for the demo school, then find a parent's child and a teacher's class and subject."""
    url = system.graphql_url
    deadline = asyncio.get_running_loop().time() + 180
    while True:
        try:
            teacher = await _login(http, url, "teacher")
            load = await _post(
                http,
                url,
                {"query": "{ teachingLoad { schoolClass { id } subject { id } } }"},
                {"authorization": f"Bearer {teacher}"},
            )
            if load["teachingLoad"]:
                break
        except (RuntimeError, httpx.HTTPError):
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the demo school did not load")
        await asyncio.sleep(0.5)
    await _settle(http, url, await _login(http, url, "director"), first_class(load))
    parent = await _login(http, url, "parent")
    children = await _post(
        http, url, {"query": "{ myChildren { id } }"}, {"authorization": f"Bearer {parent}"}
    )
    first = load["teachingLoad"][0]
    return Demo(
        system=system,
        http=http,
        parent_token=parent,
        teacher_token=teacher,
        light_variables={"student": children["myChildren"][0]["id"], "day": DIARY_DAY},
        heavy_variables={
            "class": first["schoolClass"]["id"],
            "subject": first["subject"]["id"],
            "from": MONTH[0],
            "to": MONTH[1],
        },
    )


def first_class(load: dict[str, Any]) -> str:
    return load["teachingLoad"][0]["schoolClass"]["id"]


async def _settle(http: httpx.AsyncClient, url: str, token: str, class_id: str) -> None:
    """Measure an idle system: wait until reports has caught up with the demo's marks (its
    consumers would otherwise share the CPU with the requests being timed)."""
    query = {
        "query": "query($id: ID!) { classAverages(schoolClassId: $id) { marksCount } }",
        "variables": {"id": class_id},
    }
    headers = {"authorization": f"Bearer {token}"}
    loop = asyncio.get_running_loop()
    deadline, last, stable_since = loop.time() + 300, -1, loop.time()
    while loop.time() < deadline:
        rows = (await _post(http, url, query, headers))["classAverages"]
        count = sum(r["marksCount"] for r in rows)
        if count != last:
            last, stable_since = count, loop.time()
        elif count > 0 and loop.time() - stable_since > 5:
            return
        await asyncio.sleep(0.5)
    print("the demo's events were still arriving after 300 s; figures include that work")


def _through_gateway(demo: Demo, name: str, url: str, *, signed: bool) -> Target:
    """sgo's gateway takes the bearer token; the Node gateways pass on a header signed here."""

    def headers(token: str) -> dict[str, str]:
        base = {"content-type": "application/json"}
        if signed:
            return base | {PRINCIPAL_HEADER: demo.principal_header(token)}
        return base | {"authorization": f"Bearer {token}"}

    light_headers, heavy_headers = headers(demo.parent_token), headers(demo.teacher_token)
    light = {"query": queries.LIGHT, "variables": demo.light_variables}
    heavy = {"query": queries.HEAVY, "variables": demo.heavy_variables}

    async def send_light() -> None:
        await _post(demo.http, url, light, light_headers)

    async def send_heavy() -> None:
        await _post(demo.http, url, heavy, heavy_headers)

    return Target(name, send_light, send_heavy)


def _direct(demo: Demo) -> Target:
    """The owning subgraphs called as the gateway calls them, without a gateway in between."""
    people = f"{demo.system.service_url('people')}/graphql"
    journal = f"{demo.system.service_url('journal')}/graphql"
    parent = {
        "content-type": "application/json",
        PRINCIPAL_HEADER: demo.principal_header(demo.parent_token),
    }
    teacher = {
        "content-type": "application/json",
        PRINCIPAL_HEADER: demo.principal_header(demo.teacher_token),
    }
    diary = {"query": queries.LIGHT_JOURNAL, "variables": demo.light_variables}
    me = {"query": queries.LIGHT_PEOPLE}
    journal_month = {"query": queries.HEAVY_JOURNAL, "variables": demo.heavy_variables}

    async def send_light() -> None:
        await asyncio.gather(
            _post(demo.http, people, me, parent), _post(demo.http, journal, diary, parent)
        )

    async def send_heavy() -> None:
        month = (await _post(demo.http, journal, journal_month, teacher))["classJournal"]
        representations = [{"__typename": "SchoolClass", "id": month["schoolClass"]["id"]}]
        representations += [{"__typename": "Student", "id": s["id"]} for s in month["students"]]
        names = {"query": queries.HEAVY_PEOPLE, "variables": {"representations": representations}}
        await _post(demo.http, people, names, teacher)

    return Target("a  subgraphs direct", send_light, send_heavy)


async def _subgraph_sdls(demo: Demo) -> list[dict[str, str]]:
    header = encode_principal_header(ANONYMOUS, demo.system.internal_secret)
    result = []
    for name in demo.system.services:
        url = f"{demo.system.service_url(name)}/graphql"
        data = await _post(
            demo.http, url, {"query": "{ _service { sdl } }"}, {PRINCIPAL_HEADER: header}
        )
        result.append({"name": name, "url": url, "sdl": data["_service"]["sdl"]})
    return result


async def _agree(demo: Demo, urls: dict[str, str]) -> None:
    """Every gateway must return the same data before any timing counts."""
    answers = {}
    for name, url in urls.items():
        signed = not name.startswith("b")
        h_parent = (
            {PRINCIPAL_HEADER: demo.principal_header(demo.parent_token)}
            if signed
            else {"authorization": f"Bearer {demo.parent_token}"}
        )
        h_teacher = (
            {PRINCIPAL_HEADER: demo.principal_header(demo.teacher_token)}
            if signed
            else {"authorization": f"Bearer {demo.teacher_token}"}
        )
        light = await _post(
            demo.http, url, {"query": queries.LIGHT, "variables": demo.light_variables}, h_parent
        )
        heavy = await _post(
            demo.http, url, {"query": queries.HEAVY, "variables": demo.heavy_variables}, h_teacher
        )
        answers[name] = (light, heavy)
    reference_name, reference = next(iter(answers.items()))
    for name, answer in answers.items():
        if answer != reference:
            raise RuntimeError(f"{name} answers differently from {reference_name}")
    light, heavy = reference
    lessons = sum(len(day["lessons"]) for day in light["diary"])
    print(
        f"all gateways agree: diary {lessons} lessons; journal "
        f"{len(heavy['classJournal']['students'])} students x "
        f"{len(heavy['classJournal']['lessons'])} lessons"
    )


def _row(name: str, figures: Figures) -> str:
    return (
        f"{name:<22} {figures.throughput:>9.0f} {figures.p50_ms:>9.2f} {figures.p99_ms:>9.2f}"
        f" {figures.requests:>8}"
    )


async def run(infra: Infra) -> None:
    reason = node.unavailable()
    async with AsyncExitStack() as stack:
        system = await stack.enter_async_context(_demo_system(infra))
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30, limits=limits))
        demo = await _prepare(system, http)
        urls = {"b  sgo gateway": system.graphql_url}
        if reason is None:
            cache = await asyncio.to_thread(node.install)
            supergraph = Path(cache) / "supergraph.graphql"
            sdls = await _subgraph_sdls(demo)
            supergraph.write_text(await asyncio.to_thread(node.compose, sdls))
            for name, script in PEERS:
                urls[name] = await stack.enter_async_context(
                    node.gateway(script, supergraph, _os.free_port())
                )
        else:
            print(f"Apollo Gateway and Hive Gateway skipped: {reason}")
        await _agree(demo, urls)
        targets = [_direct(demo)] + [
            _through_gateway(demo, name, url, signed=not name.startswith("b"))
            for name, url in urls.items()
        ]
        print(f"{SECONDS:.0f} s per figure after warm-up; medians and p99 of every request")
        results: dict[tuple[str, str, int], Figures] = {}
        for query in ("light", "heavy"):
            for level in LEVELS:
                print(f"\n{query} query, {level} client{'s' if level > 1 else ''}")
                print(f"{'':<22} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>8}")
                for target in targets:
                    # A fresh signature per figure: the subgraphs accept one for five minutes.
                    target = _refresh(demo, target, urls)
                    call = target.light if query == "light" else target.heavy
                    figures = await measure(call, concurrency=level, seconds=SECONDS, warmup=1.0)
                    results[(target.name, query, level)] = figures
                    print(_row(target.name, figures))
        _print_ratios(results, list(urls))


def _refresh(demo: Demo, target: Target, urls: dict[str, str]) -> Target:
    if target.name.startswith("a"):
        return _direct(demo)
    return _through_gateway(
        demo, target.name, urls[target.name], signed=not target.name.startswith("b")
    )


def _print_ratios(results: dict[tuple[str, str, int], Figures], gateways: list[str]) -> None:
    direct, ours = "a  subgraphs direct", "b  sgo gateway"
    print("\nratios (b/a latency at 1 client; b/c and b/d throughput at 30 clients)")
    for query in ("light", "heavy"):
        a1, b1 = results[(direct, query, 1)], results[(ours, query, 1)]
        line = (
            f"{query}: overhead b-a p50 {b1.p50_ms - a1.p50_ms:+.2f} ms "
            f"(b/a p50 {b1.p50_ms / a1.p50_ms:.2f})"
        )
        b30 = results[(ours, query, 30)]
        for peer in gateways[1:]:
            peer30 = results[(peer, query, 30)]
            line += f"; b/{peer[0]} throughput {b30.throughput / peer30.throughput:.2f}"
        print(line)
