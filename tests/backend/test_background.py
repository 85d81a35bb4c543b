import asyncio

import pytest

from backend.background import repeat


async def test_repeat_survives_a_failing_round_sweeps_and_stops_on_cancel() -> None:
    rounds: list[str] = []
    sweeps: list[int] = []

    async def round_() -> int:
        rounds.append("round")
        if len(rounds) == 1:
            raise RuntimeError("database went away")
        return 0

    async def sweep() -> None:
        sweeps.append(1)

    task = asyncio.create_task(repeat("test", round_, sweep=sweep, sweep_every=3600, idle=0.01))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(rounds) > 2  # the failure did not stop the loop
    assert sweeps == [1]  # swept once, then not again within sweep_every
