"""How long after the journal has published the demo school's events reports has applied them:
the system as ``sgo up --demo`` starts it, timed on the JetStream stream and the reports
consumer (the catch-up the issue asks to finish within 15 s)."""

from __future__ import annotations

import asyncio
import time

from deploy.infra import Infrastructure
from deploy.provision import deprovision
from services.kernel.events import stream_name
from services.kernel.nats import connect
from tests.support import Infra, new_namespace, remove_dir, scratch_dir

QUIET_SECONDS = 10.0  # the journal stream stands still this long: its demo load is done
TIMEOUT = 600.0


async def run(infra: Infra) -> None:
    data_dir = scratch_dir("sgo-bench-demo-")
    prefix = f"bench_{infra.run_id}"
    namespace = new_namespace()
    infrastructure = await Infrastructure.start(
        data_dir, admin_url=infra.database_url, nats_url=infra.nats_url, prefix=prefix
    )
    system = infrastructure.system(
        namespace=namespace,
        demo=True,
        free_ports=True,
        extra_env={"SGO_DEMO_PASSWORD": "Perspektiva-2026!", "SGO_LOG_LEVEL": "WARNING"},
    )
    nc = await connect(infra.nats_url, name="bench-reports-demo")
    js = nc.jetstream()
    stream = stream_name(namespace, "journal")
    started = time.perf_counter()
    await system.start()
    try:
        last_seq, last_change, caught_at = 0, time.perf_counter(), None
        behind_max = 0
        while time.perf_counter() - started < TIMEOUT:
            await asyncio.sleep(0.25)
            try:
                seq = (await js.stream_info(stream)).state.last_seq
                info = await js.consumer_info(stream, "reports-from-journal")
            except Exception:  # not created yet
                continue
            now = time.perf_counter()
            if seq != last_seq:
                last_seq, last_change = seq, now
            behind = seq - info.delivered.stream_seq + info.num_ack_pending
            behind_max = max(behind_max, behind)
            if info.num_pending == 0 and info.num_ack_pending == 0 and behind == 0:
                caught_at = caught_at or now
            else:
                caught_at = None
            if seq and caught_at is not None and now - last_change >= QUIET_SECONDS:
                break
        print(f"journal events of the demo: {last_seq}")
        if caught_at is None:
            print("reports did not catch up within the timeout")
            return
        done = last_change - started
        print(f"{'journal published its last demo event after (s)':<60} {done:>8.1f}")
        print(f"{'most events reports was ever behind':<60} {behind_max:>8d}")
        lag = max(0.0, caught_at - last_change)
        print(f"{'reports caught up after the journal finished (s, <= 15)':<60} {lag:>8.2f}")
    finally:
        await nc.close()
        await system.stop()
        await deprovision(infra.database_url, prefix=prefix)
        remove_dir(data_dir)
