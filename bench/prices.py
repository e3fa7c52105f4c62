"""AWS list prices the cost figure uses: one region (us-east-1), arm64, on-demand, no free tier.

As published on the services' pricing pages in 2025 (DynamoDB's on-demand prices after the
November 2024 reduction), read on 2026-12-01; check them before quoting a figure. The request
unit model below is this system's, stated so the arithmetic can be followed.
"""

from __future__ import annotations

PRICES_DATE = "2025 list prices, us-east-1, read 2026-12-01"

LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
HTTP_API_PER_REQUEST = 1.00 / 1e6
DYNAMODB_PER_WRITE_UNIT = 0.625 / 1e6
DYNAMODB_PER_READ_UNIT = 0.125 / 1e6
SES_PER_EMAIL = 0.10 / 1000
SCHEDULER_PER_INVOCATION = 1.00 / 1e6  # creating, updating and deleting schedules is not charged
SECRETS_MANAGER_PER_CALL = 0.05 / 10_000
S3_PER_GET = 0.0004 / 1000
EVENTBRIDGE_PER_EVENT = 1.00 / 1e6  # custom events put on a bus, per 64 KB chunk; archive storage aside

# Request units per request, for items of the sizes this system writes (sessions hold the resume
# text: about 2 KB; the rest under 1 KB). Transactions cost twice per item; strongly consistent
# reads one read unit per item under 4 KB.
WRITE_UNITS = {
    "dynamodb.TransactWriteItems": 2 * (1 + 1 + 1),  # booking: interview, candidate, slot
    "dynamodb.UpdateItem": 2,  # the session's ledger entry, on a ~2 KB item
    "dynamodb.PutItem": 2,
}
# The ~2 KB session put, the interview's expiry and the candidate's retention (sessions.py).
SESSION_TRANSACTION_WRITE_UNITS = 2 * 2 + 2 * 1 + 2 * 1
READ_UNITS_PER_BATCH_GET_ITEM = 1
