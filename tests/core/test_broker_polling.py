"""The embedded SQLite broker is polled every CELERY_BROKER_POLL_SECONDS, not kombu's default second.

The poll interval was half of a student's wait on an idle queue. kombu's SQLAlchemy transport hands
unknown transport options to ``create_engine`` (which refuses ``polling_interval``), so the settings
set it on the transport class: these tests make a real connection to a real SQLite broker file with
the options the settings give, send a message and receive it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue
from kombu.transport import sqlalchemy

from config.broker import set_sqlite_polling, transport_options


def test_the_settings_poll_the_embedded_broker_faster_than_kombus_default() -> None:
    assert 0 < settings.CELERY_BROKER_POLL_SECONDS < 1
    if settings.CELERY_BROKER_URL.startswith("sqla+"):
        assert sqlalchemy.Transport.polling_interval == settings.CELERY_BROKER_POLL_SECONDS


def test_a_connection_with_the_settings_options_polls_at_the_interval_and_delivers(tmp_path: Path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    before = sqlalchemy.Transport.polling_interval
    try:
        set_sqlite_polling(url, 0.05)
        queue = Queue("grading", Exchange("grading"), routing_key="grading")
        with Connection(url, transport_options=transport_options(url, settings.CELERY_BROKER_TIMEOUT)) as conn:
            assert conn.transport.polling_interval == 0.05
            conn.Producer().publish({"job": 7}, exchange=queue.exchange, routing_key="grading", declare=[queue])
            got: list[object] = []
            with conn.Consumer(queue, callbacks=[lambda body, message: (got.append(body), message.ack())]):
                conn.drain_events(timeout=30)
            assert got == [{"job": 7}]
    finally:
        sqlalchemy.Transport.polling_interval = before


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/1", "amqp://guest@127.0.0.1//"])
def test_brokers_that_push_are_left_alone(url: str) -> None:
    before = sqlalchemy.Transport.polling_interval
    set_sqlite_polling(url, 0.01)
    assert sqlalchemy.Transport.polling_interval == before
    assert "polling_interval" not in transport_options(url, 1.5)
