"""Group commit for the SMTP receiver: mails arriving together share one commit.

Every accepted mail must be on disk before its 250. Committed one by one,
concurrent senders queue behind each other's log sync (SQLite has one writer,
and a sync costs the same for one mail or twenty). The writer takes every
mail waiting when the previous commit ends and commits them together, then
answers each sender; nothing waits on a timer, so a lone mail goes through
at once. A failed commit fails every mail of its batch (each sender gets a
451 and retries), never some of them silently.
"""

from __future__ import annotations

import asyncio

from gateway.storage import spool
from gateway.storage.db import Database
from gateway.storage.spool import Arrival

MAX_BATCH = 64


class SpoolWriter:
    """Owned by one event loop (the receiver's); ``enqueue`` returns the spool id."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._queue: asyncio.Queue[tuple[Arrival, asyncio.Future]] | None = None
        self._task: asyncio.Task | None = None

    async def enqueue(self, arrival: Arrival) -> int:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._write_forever())
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((arrival, future))
        return await future

    async def _write_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[tuple[Arrival, asyncio.Future]]) -> None:
        try:
            ids = await asyncio.to_thread(spool.enqueue_many, self.database, [arrival for arrival, _ in batch])
        except Exception as error:  # every sender of the batch gets a temporary failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), spool_id in zip(batch, ids):
            if not future.done():
                future.set_result(spool_id)
