"""Runs the system on one machine against an embedded AWS, from template.yaml."""
