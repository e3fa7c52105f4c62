"""boto3 clients, made on first use and kept for the life of the execution environment.

Endpoints come from the standard AWS_ENDPOINT_URL* variables, so local runs need no code path.

Every client of the process, pynamodb's included, reads botocore's data files (endpoints,
partitions, each service's model and rules) through one loader. A botocore session with a loader
of its own parses them again: about 75 ms of CPU for its first DynamoDB client, against about
12 ms with the shared loader (botocore 1.43, measured on the development machine). pynamodb
makes a session for each model's connection, and for each thread that first uses one.
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
import botocore.loaders
import botocore.session
import pynamodb.connection.base
from botocore.config import Config
from pynamodb.connection import Connection

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

# Standard mode retries throttling with backoff and shares a retry quota across calls.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)


@lru_cache(maxsize=1)
def _data_loader() -> botocore.loaders.Loader:
    # Read-only once loaded: a loader only caches the files it has parsed.
    loader: botocore.loaders.Loader = botocore.session.get_session().get_component("data_loader")
    return loader


def botocore_session(env_vars: dict[str, Any] | None = None) -> botocore.session.Session:
    """A new botocore session (as botocore.session.get_session makes) that reads botocore's data
    files through the process's one loader."""
    session = botocore.session.get_session(env_vars)
    session.register_component("data_loader", _data_loader())
    return session


# pynamodb has no setting for its sessions: it calls this module's get_session for each connection
# and thread (its sessions stay per thread, as it wants; only the parsed files are shared).
pynamodb.connection.base.get_session = botocore_session  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _session() -> boto3.Session:
    return boto3.Session(botocore_session=botocore_session())


@lru_cache(maxsize=1)
def dynamodb() -> "DynamoDBClient":
    return _session().client("dynamodb", config=_CONFIG)


@lru_cache(maxsize=1)
def s3() -> "S3Client":
    # Presigned POST policies are signed with SigV4.
    return _session().client("s3", config=_CONFIG.merge(Config(signature_version="s3v4")))


@lru_cache(maxsize=1)
def lambda_() -> "LambdaClient":
    return _session().client("lambda", config=_CONFIG)


@lru_cache(maxsize=1)
def scheduler() -> "EventBridgeSchedulerClient":
    return _session().client("scheduler", config=_CONFIG)


@lru_cache(maxsize=1)
def sesv2() -> "SESV2Client":
    # Throttling is retried by the invoke itself (Lambda's async retries), not held here.
    return _session().client(
        "sesv2", config=_CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": 1}))
    )


@lru_cache(maxsize=1)
def events() -> "EventBridgeClient":
    return _session().client("events", config=_CONFIG)


@lru_cache(maxsize=1)
def sqs() -> "SQSClient":
    return _session().client("sqs", config=_CONFIG)


@lru_cache(maxsize=1)
def secretsmanager() -> "SecretsManagerClient":
    return _session().client("secretsmanager", config=_CONFIG)


@lru_cache(maxsize=1)
def transactions() -> Connection:
    """The connection pynamodb transactions go through; a new one per call would cost a new client."""
    return Connection()


def reset_clients() -> None:
    factories = (_session, dynamodb, s3, lambda_, scheduler, sesv2, events, sqs, secretsmanager, transactions)
    for factory in factories:
        factory.cache_clear()
