"""Background work of imports (Django's tasks API; ``chexian db_worker`` runs it)."""

from django_tasks import task


@task()
def run_import(job_id: int) -> str:
    """Run a queued import job; returns its final status."""
    from chexian.imports.services import run_import_job

    return run_import_job(job_id).status
