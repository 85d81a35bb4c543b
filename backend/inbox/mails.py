"""Texts sent to caseworkers (the weekday digest e-mail, the SMS login code), each in the language
the caseworker chose for the inbox. No personal data: counts and the inbox address only."""

from __future__ import annotations

from dataclasses import dataclass

from backend.inbox.i18n import N_, ngettext, translate, use_language

# NOTE: Subject of the daily e-mail to caseworkers about applications waiting in the inbox.
DIGEST_SUBJECT = N_("Housing benefit: applications are waiting")
# NOTE: Subject of the daily e-mail when no application waits but the caseworker has overdue tasks.
DIGEST_TASKS_SUBJECT = N_("Housing benefit: overdue follow-up tasks")
# NOTE: SMS with a caseworker's one-time login code for the inbox. {code} is six digits; keep it last.
LOGIN_CODE_TEXT = N_("inissiaq login code (valid for 10 minutes): {code}")


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str


def digest(language: str, *, count: int, inbox_url: str, overdue_tasks: int = 0) -> Mail:
    """The digest e-mail in `language` (da, kl or en): the applications waiting (when any) and the
    caseworker's own overdue tasks (when any), as counts in the plural form each count needs."""
    lines = []
    with use_language(language):
        if count:
            lines.append(
                # NOTE: The daily e-mail to caseworkers. {count} is a number, {inbox_url} the inbox's address.
                ngettext(
                    "{count} housing-benefit application is waiting to be processed. Open the inbox: {inbox_url}",
                    "{count} housing-benefit applications are waiting to be processed. Open the inbox: {inbox_url}",
                    count,
                    inbox_url=inbox_url,
                )
            )
        if overdue_tasks:
            lines.append(
                # NOTE: A line of the daily e-mail to one caseworker. {count} is a number, {tasks_url} the
                # address of the caseworker's "My tasks" page.
                ngettext(
                    "You have {count} overdue follow-up task: {tasks_url}",
                    "You have {count} overdue follow-up tasks: {tasks_url}",
                    overdue_tasks,
                    tasks_url=f"{inbox_url}/tasks",
                )
            )
    return Mail(
        subject=translate(language, DIGEST_SUBJECT if count else DIGEST_TASKS_SUBJECT),
        text="\n\n".join(lines),
    )


def login_code(language: str, code: str) -> str:
    """The SMS with a login code, in `language`."""
    return translate(language, LOGIN_CODE_TEXT, code=code)
