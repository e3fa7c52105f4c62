"""boto3 clients, made on first use and kept for the life of the execution environment.

Endpoints come from the standard AWS_ENDPOINT_URL* variables, so local runs need no code path.
"""

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from pynamodb.connection import Connection

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

# Standard mode retries throttling with backoff and shares a retry quota across calls.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)


@lru_cache(maxsize=1)
def dynamodb() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=_CONFIG)


@lru_cache(maxsize=1)
def s3() -> "S3Client":
    # Presigned POST policies are signed with SigV4.
    return boto3.client("s3", config=_CONFIG.merge(Config(signature_version="s3v4")))


@lru_cache(maxsize=1)
def lambda_() -> "LambdaClient":
    return boto3.client("lambda", config=_CONFIG)


@lru_cache(maxsize=1)
def scheduler() -> "EventBridgeSchedulerClient":
    return boto3.client("scheduler", config=_CONFIG)


@lru_cache(maxsize=1)
def sesv2() -> "SESV2Client":
    # Throttling is retried by the invoke itself (Lambda's async retries), not held here.
    return boto3.client(
        "sesv2", config=_CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": 1}))
    )


@lru_cache(maxsize=1)
def events() -> "EventBridgeClient":
    return boto3.client("events", config=_CONFIG)


@lru_cache(maxsize=1)
def sqs() -> "SQSClient":
    return boto3.client("sqs", config=_CONFIG)


@lru_cache(maxsize=1)
def transactions() -> Connection:
    """The connection pynamodb transactions go through; a new one per call would cost a new client."""
    return Connection()


def reset_clients() -> None:
    for factory in (dynamodb, s3, lambda_, scheduler, sesv2, events, sqs, transactions):
        factory.cache_clear()
