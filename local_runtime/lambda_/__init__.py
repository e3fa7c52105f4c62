"""Stands in for the Lambda service: execution environments, the Invoke API and async event queues."""
