"""What of site-packages a worker may import: what the function's build on Lambda would have."""

from local_runtime.lambda_.site_modules import importable_modules, requirement_names, with_dependencies
from local_runtime.template import StackTemplate


def test_requirement_names_are_the_distributions_a_file_names():
    lines = [
        "# a comment",
        "aws-lambda-powertools==3.37.0",
        "",
        "PyJWT[crypto]>=2  # with an extra",
        "Jinja2 ; python_version >= '3.9'",
        "-r other.txt",
        "  zope.interface",
    ]
    assert requirement_names(lines) == ["aws-lambda-powertools", "pyjwt", "jinja2", "zope-interface"]


def test_dependencies_come_along_but_not_those_of_extras_nobody_asked_for():
    found = with_dependencies(["boto3"])
    # boto3 needs botocore and s3transfer, botocore urllib3; awscrt only with boto3[crt].
    assert {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil"} <= found
    assert "awscrt" not in found


def test_a_function_of_the_template_gets_its_layers_requirements_and_the_runtimes_sdk():
    modules = importable_modules(StackTemplate().functions["SendEmailFunction"])
    # The shared layer's requirements and what they need, and the runtime's boto3.
    assert {"pydantic", "pydantic_core", "icalendar", "jinja2", "markupsafe", "pynamodb", "boto3"} <= modules
    # Installed here for the tools only: moto, the SAM CLI, the CRT and pyOpenSSL.
    assert not {"moto", "samcli", "awscrt", "OpenSSL", "cryptography", "pytest"} & modules
