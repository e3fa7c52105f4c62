"""Stands in for EventBridge Scheduler: fires the one-time schedules moto only stores, on a clock
that tests and developers can move forward (never in AWS)."""
