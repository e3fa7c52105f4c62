"""The request create_session sends to send_email: which message of which interview to send.

Each message is named by its kind and the interview revision it announces, so a message is
sent once however often the request is delivered, and a later change makes a new message.
"""

import json

from pydantic import BaseModel, ConfigDict, Field

from interview_scheduling import aws_clients, email_ledger
from interview_scheduling.enums import MessageKind
from interview_scheduling.settings import session_settings


class EmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    interview_id: str = Field(min_length=1, max_length=64)
    kind: MessageKind
    revision: int = Field(ge=0)
    # Which reminder: minutes before the start (reminders only).
    reminder_minutes: int | None = Field(default=None, ge=1)
    # Which resend: named after the request that asked for it (resends only).
    resend: str | None = Field(default=None, pattern=r"^[0-9a-f]{1,32}$")

    @property
    def message_key(self) -> str:
        which = self.reminder_minutes if self.reminder_minutes is not None else self.resend
        return email_ledger.message_key(self.kind, self.revision, which)


def request_email(request: EmailRequest) -> None:
    """Asks send_email to send the message, asynchronously: Lambda keeps and retries the event."""
    aws_clients.lambda_().invoke(
        FunctionName=session_settings().send_email_function,
        InvocationType="Event",
        Payload=json.dumps(request.model_dump(mode="json")).encode(),
    )
