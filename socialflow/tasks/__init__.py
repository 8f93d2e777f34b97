"""Celery: the app factory and socialflow's tasks."""

from socialflow.tasks.celery_app import make_celery

__all__ = ["make_celery"]
