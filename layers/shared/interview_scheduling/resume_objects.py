"""Where resume PDFs are kept in S3: every upload of a candidate under one prefix of its own.

Each upload gets a new key (a new upload replaces the resume without overwriting the old
object), so erasing a candidate's resume is deleting everything under the prefix, every
version of it if the bucket keeps versions (ListObjectVersions lists plain objects as the
version "null" when it does not).
"""

from dataclasses import dataclass

from interview_scheduling import aws_clients
from interview_scheduling.ids import new_id
from interview_scheduling.settings import data_settings


@dataclass(frozen=True)
class StoredVersion:
    key: str
    version_id: str


def prefix(org: str, job_id: str, candidate_id: str) -> str:
    # The closing slash keeps one candidate's prefix from matching another id that starts alike.
    return f"resumes/{org}/{job_id}/{candidate_id}/"


def new_key(org: str, job_id: str, candidate_id: str) -> str:
    """The key of a new upload, chosen by the server."""
    return f"{prefix(org, job_id, candidate_id)}{new_id()}.pdf"


def stored_versions(key_prefix: str) -> list[StoredVersion]:
    """Every stored version and delete marker under the prefix."""
    pages = aws_clients.s3().get_paginator("list_object_versions")
    found = []
    for page in pages.paginate(Bucket=data_settings().resumes_bucket, Prefix=key_prefix):
        for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            found.append(StoredVersion(version["Key"], version["VersionId"]))
    return found


def delete(versions: list[StoredVersion]) -> None:
    """Deletes each version for good; deleting one that is gone already is not an error in S3."""
    bucket = data_settings().resumes_bucket
    for version in versions:
        aws_clients.s3().delete_object(Bucket=bucket, Key=version.key, VersionId=version.version_id)
