"""Scheduled jobs of supervision orders; each must be safe to run twice."""
