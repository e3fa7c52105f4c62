"""Every botocore session of a function's process reads botocore's data files through one loader:
boto3's clients, pynamodb's connections in any thread, and the secret's provider."""

import threading

from botocore.loaders import Loader
from pynamodb.connection import Connection

from interview_scheduling import aws_clients, session_keys
from interview_scheduling.models import Interview


def shared_loader() -> Loader:
    loader: Loader = aws_clients.botocore_session().get_component("data_loader")
    return loader


def test_new_sessions_are_new_but_share_one_loader() -> None:
    first, second = aws_clients.botocore_session(), aws_clients.botocore_session()

    assert first is not second
    assert first.get_component("data_loader") is second.get_component("data_loader")


def test_pynamodb_connections_share_the_loader_in_every_thread() -> None:
    found: list[Loader] = []

    def in_a_new_thread() -> None:
        found.append(Interview._get_connection().connection.session.get_component("data_loader"))

    thread = threading.Thread(target=in_a_new_thread)
    thread.start()
    thread.join()
    here = Interview._get_connection().connection.session

    assert found == [shared_loader()]
    assert here.get_component("data_loader") is shared_loader()
    # Still a session of its own per connection and thread, as pynamodb wants.
    assert here is not Connection().session


def test_boto3_clients_come_from_a_session_with_the_loader() -> None:
    assert aws_clients._session()._session.get_component("data_loader") is shared_loader()


def test_the_secret_is_read_through_the_process_client() -> None:
    assert session_keys._secrets().client is aws_clients.secretsmanager()
