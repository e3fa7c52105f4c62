"""Stands in for AWS: moto's server one request at a time, the template's resources, the outbox."""
