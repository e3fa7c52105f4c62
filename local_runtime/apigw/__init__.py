"""Stands in for API Gateway's HTTP API: routes, the JWT authorizer and payload format 2.0 events."""
