"""Sample arguments for every registered response, shaped as the actions send them."""

from __future__ import annotations

from typing import Any

SAMPLE_ARGUMENTS: dict[str, Any] = {
    "now_datetime": "2026-11-23T14:05:00+00:00",
    "period_month": "2026-11",
    "tenant_name": "Aviaja Lyberth",
    "tenant_cpr_masked": "070886-xxxx",
    "tenant_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
    "dwelling_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
    "rooms": 3,
    "rent_amount": "6450.00",
    "landlord": "INI A/S",
    "move_in_date": "2019-03-01",
    "tenant_number": "INI-104233",
    "household_list": ["Aviaja Lyberth", "Hans Lyberth", "Ivalo Lyberth"],
    "register_phone": "+299551234",
    "phone": "+299551234",
    "dwelling_confirmed": True,
    "household_confirmed": False,
    "reference": "BS-2026-000123",
    "status": "received",
    "decision": "granted",
    "decided_on_date": "2026-12-04",
    "timeline": [
        {"status": "submitted", "at": "2026-11-23T14:07:30+00:00"},
        {"status": "received", "at": "2026-11-24T09:12:00+00:00"},
    ],
    "started_date": "2026-12-03",
    "submitted_datetime": "2026-11-23T14:07:30Z",
    "sent_datetime": "2026-11-25T09:00:00Z",
    "message_text": "Vi har modtaget din ansøgning.",
    "login_url": "http://127.0.0.1:8000/auth/login?c=abc",
    "sms_to": "+299 55 12 34",
    "email_to": "aviaja@example.gl",
    "contact": "aviaja@example.gl",
    "manual_form_url": "https://www.sullissivik.gl/Forms/Boligsikring",
}
