"""Runs the system on one machine against an embedded AWS, from template.yaml.

`python -m local_runtime` (`make run`) starts everything; `LocalRuntime` (in-process) and
`launcher.RuntimeProcess` (subprocess, free ports) do the same for tests and benchmarks, and
`tokens.TokenIssuer` mints the JWTs it accepts.

    template, resources      template.yaml as data; its tables, bucket and queues in AWS
    embedded_aws, outbox     moto's server, one request at a time; sent mail as .eml files
    function_pool,           each function's worker processes (lambda_worker runs inside one)
      lambda_worker
    http_api, apigw_events,  API Gateway: routes, JWT authorizer, payload 2.0 events
      jwt_authorizer
    invoke_api, async_invoke Lambda's Invoke API; async retries and on-failure destinations
    stream_poller,           DynamoDB stream event source mappings: polling, filters, batches,
      event_filter,          retries, bisection and on-failure destinations
      stream_batches,
      stream_records
    runtime, config,         wiring, settings, console and the command line
      console, __main__
    demo, pdf, http_client   demo data through the HTTP API, with a real PDF resume
"""
