"""Stands in for Lambda's DynamoDB stream event source mappings: polling, filters, batches and retries."""
