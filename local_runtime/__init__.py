"""Runs the system on one machine against an embedded AWS, from template.yaml.

`python -m local_runtime` (`make run`) starts everything; `launcher.RuntimeProcess` starts it as
a subprocess on free ports for tests and benchmarks, and `apigw.tokens.TokenIssuer` mints the
JWTs it accepts. One subpackage per part of AWS it stands in for, pure rules apart from I/O:

    aws/          the embedded AWS
      embedded          moto's server, one request at a time
      moto_transactions DynamoDB transactions all-or-nothing, streams included
      resources         the template's tables, buckets, queues, secrets, schedule groups created in it
      outbox            mail SES accepted, as .eml files and console lines
      s3_post_policy    S3's checks of a presigned POST upload: signature and policy
      credentials       the only credentials it knows
      state             tables, buckets, secrets, schedules saved on exit, loaded at start (--persist)
    apigw/        API Gateway's HTTP API
      http_api          the WSGI gateway: authorize, invoke, answer
      events            route selection, payload 2.0 events and responses (no I/O)
      jwt_authorizer    the JWT authorizer's decision
      tokens            the local signing key and the JWTs it signs
    lambda_/      the Lambda service
      function_pool     each function's worker processes
      worker            one execution environment (runs with `python -I`)
      invocation        what an invocation returned
      invoke_api        the Invoke API on localhost
      async_invoke      async event queues, retries and on-failure destinations
    streams/      DynamoDB stream event source mappings
      poller            reads the shards through the Streams API
      batches           a batch through the function: retries, bisection, discards (no I/O)
      records           GetRecords records as Lambda event records (no I/O)
      event_filter      FilterCriteria patterns (no I/O)
    scheduler/    EventBridge Scheduler
      timing            when an at() schedule is due; the retry policy; the movable clock (no I/O)
      poller            fires due schedules into their targets; retries, dead letters, deletion
      control           the clock's control endpoint (local only)
    demo/         demo data
      data              a job, a candidate with a resume, slots, through the HTTP API
      pdf               a small text PDF
      http_client       a standard-library HTTP client and presigned POST upload
    runtime       the wiring: everything started and stopped in order
    shutdown      Ctrl-C: accepted work finished within a bound, the rest named (no I/O)
    config        settings of one run
    template      template.yaml as data
    servers       a WSGI app on a background thread
    launcher      the runtime as a subprocess, for tests and benchmarks
    console       one short console line per event
    __main__      the command line
"""
