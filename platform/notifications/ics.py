"""An iCalendar (RFC 5545) feed of a person's calendar, written by hand: the format is small, and a
library would only add a dependency to the web process. Tests parse it with ``icalendar``.

What RFC 5545 asks and this does: CRLF line ends (3.1), lines folded at 75 octets without
splitting a UTF-8 character (3.1), TEXT values escaped (backslash, semicolon, comma, newline;
3.3.11), times in UTC with a trailing Z (3.3.5, form 2), and in every VEVENT a UID that stays the
same when the event's date moves, and a DTSTAMP (3.6.1). A due date is an instant: DTSTART with no
DTEND (the event ends when it starts, 3.6.1); an exam window has DTEND.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

from .calendar import CalendarEvent


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF + space, never inside a character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += n
    out.append(current)
    return "\r\n ".join(out)


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed(events: Iterable[CalendarEvent], *, name: str, now: datetime | None = None) -> str:
    """The VCALENDAR text of ``events``."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    stamp = utc(now or datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Liangzhi Lab//Due dates//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        summary = f"{event.course.local_title}: {event.title}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(event.start)}",
        ]
        if event.end is not None:
            lines.append(f"DTEND:{utc(event.end)}")
        lines += [
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(settings.SITE_URL + event.url)}",
            f"URL:{settings.SITE_URL + event.url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
