"""Scheduled jobs (yiwang.core.schedule); each must be safe to run twice."""
