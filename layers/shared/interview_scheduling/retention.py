"""How long personal data is kept: `RetentionDays` after the end of the interview it was
collected for, then DynamoDB's TTL deletes the item (`expires_at`, epoch seconds).

- A session, and its interview, expire that long after the session's end; a reschedule moves both.
- A candidate expires that long after the end of their latest interview, or after they were
  added if they are never booked; an interview's session never lowers it.
- Resume PDFs are expired by the bucket's lifecycle rules (template.yaml), a margin later.

TTL deletes an expired item within days, not at the second. The interviews table's stream
carries each TTL deletion to create_session, which erases what the interview left elsewhere
(interview_scheduling.erasure.expire_interview); sessions and candidates have no stream.
"""

from datetime import datetime, timedelta

from interview_scheduling.settings import retention_settings


def expires_after(moment: datetime) -> datetime:
    """When data kept for something that ends at `moment` is to be deleted."""
    return moment + timedelta(days=retention_settings().retention_days)
