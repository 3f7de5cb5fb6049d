"""A service's start and stop hooks run in the order the handlers rely on."""

from __future__ import annotations

from services.runtime.http import ServiceRuntime
from services.runtime.settings import ServiceSettings


class TestStopHooks:
    """What a handler used until its last event is closed only after consumers stopped."""

    async def test_after_stop_hooks_run_last_in_the_order_registered(self) -> None:
        runtime = ServiceRuntime("unit-hooks", ServiceSettings(), messaging=False)
        ran: list[str] = []

        async def note(name: str) -> None:
            ran.append(name)

        async def first_closed(rt: ServiceRuntime) -> None:
            await note("after_stop 1")

        async def second_closed(rt: ServiceRuntime) -> None:
            await note("after_stop 2")

        async def stopping(rt: ServiceRuntime) -> None:
            await note("on_stop")

        runtime.after_stop(first_closed)
        runtime.after_stop(second_closed)
        runtime.on_stop(stopping)
        await runtime.start()
        assert ran == []
        await runtime.stop()
        assert ran == ["on_stop", "after_stop 1", "after_stop 2"]
