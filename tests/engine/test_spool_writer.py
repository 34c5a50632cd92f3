"""Group commit: concurrent arrivals share commits, each gets its own id, failures fail all."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.storage.db import Database
from gateway.models import InboundMail
from gateway.storage.spool import Arrival
from gateway.inbound.spool_writer import SpoolWriter


def test_concurrent_arrivals_are_all_stored_with_their_own_ids(database):
    writer = SpoolWriter(database)

    async def arrive_together():
        arrivals = [Arrival(f"Subject: {n}\n\ncorps {n}\n".encode(), f"s{n}@example.org", ("aplus@aplus.localhost",))
                    for n in range(40)]
        return await asyncio.gather(*(writer.enqueue(arrival) for arrival in arrivals))

    ids = asyncio.run(arrive_together())
    assert len(set(ids)) == 40
    with database.begin() as session:
        stored = {row.id: row for row in session.scalars(select(InboundMail))}
    for number, spool_id in enumerate(ids):  # each sender got the id of its own mail
        assert stored[spool_id].raw == f"Subject: {number}\n\ncorps {number}\n".encode()
        assert stored[spool_id].mail_from == f"s{number}@example.org"


def test_a_failed_commit_fails_every_mail_of_the_batch(tmp_path):
    writer = SpoolWriter(Database.connect(f"sqlite:///{tmp_path}/no/such/folder/aplus.db"))

    async def arrive():
        return await asyncio.gather(*(writer.enqueue(Arrival(b"Subject: x\n\ny\n")) for _ in range(5)),
                                    return_exceptions=True)

    results = asyncio.run(arrive())
    assert len(results) == 5 and all(isinstance(result, Exception) for result in results)
