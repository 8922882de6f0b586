"""Workflows of imports: upload a file as a job, run it, save column mappings,
and the one policy change an import makes — correcting a policy it imported
before. Pages, the API, the ``import`` command and the background task call
these.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor
from chexian.imports import progress, registry
from chexian.imports.choices import ImportKind, ImportStatus
from chexian.imports.models import ImportJob, ImportMapping
from chexian.imports.readers import check_suffix, open_reader
from chexian.imports.reports import ErrorCollector
from chexian.imports.tabular import HEADER_SCAN_ROWS, ImportCounts, RowError, message_of, pick_mapping
from chexian.org.permissions import can
from chexian.policies.choices import PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.services import (
    PolicyInput,
    _check_money,  # the rules live in policies.services; a correction must pass the same ones
    _check_period,
    clause_family_for,
    commission_for,
    derive_business_type,
)

logger = logging.getLogger(__name__)
# Larger uploads are refused before they are stored (about 300,000 policy rows as .xlsx).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
HASH_CHUNK = 1024 * 1024


# ---------------------------------------------------------------- correcting an imported policy
@transaction.atomic
def update_imported_policy(*, actor, policy: Policy, data: PolicyInput, fields: list[str]) -> tuple[Policy, list]:
    """Apply a re-imported row to the policy it names (same insurer and number).

    Only ``fields`` — the ones the file carries — are compared. Nothing differs:
    nothing is written. Otherwise the changed values pass the issuing rules
    again (money, period, one CTPL per vehicle and period), the contract is the
    one in force on the issue date, the commission is recomputed from it and
    the business type re-derived. The line, the vehicle and the policyholder of
    a policy do not change by import: that is an endorsement or a new policy.
    Returns the policy and the names of the changed fields.
    """
    from chexian.insurers.services import contract_in_force

    if not (can(actor, "policy.import", policy.store_id) or can(actor, "policy.change", policy.store_id)):
        raise PermissionDenied(_("Your role may not import policies in this store."))
    errors: dict[str, list] = {}
    if data.line != policy.line:
        errors["line"] = [
            ValidationError(
                _("Policy %(number)s is recorded as %(line)s; a re-import cannot change its line.")
                % {"number": policy.number, "line": policy.get_line_display()},
                code="line_changed",
            )
        ]
    if data.vehicle.pk != policy.vehicle_id:
        errors["vehicle"] = [
            ValidationError(
                _("Policy %(number)s is recorded for the vehicle %(vehicle)s; a re-import cannot move it to another.")
                % {"number": policy.number, "vehicle": policy.vehicle},
                code="vehicle_changed",
            )
        ]
    if data.policyholder.pk != policy.policyholder_id:
        errors["policyholder"] = [
            ValidationError(
                _("Policy %(number)s has another policyholder; a change of owner is an endorsement.")
                % {"number": policy.number},
                code="policyholder_changed",
            )
        ]
    if errors:
        raise ValidationError(errors)
    changed = [name for name in fields if getattr(data, name) != getattr(policy, name)]
    if not changed:  # the common case of a re-import: nothing to lock, nothing to write
        return policy, []
    # Lock the policy and compare again: a page endorsing it at the same moment must not be overwritten.
    policy = Policy.objects.select_for_update().select_related("vehicle", "store").get(pk=policy.pk)
    changed = [name for name in fields if getattr(data, name) != getattr(policy, name)]
    if not changed:
        return policy, []
    if policy.status == PolicyStatus.CANCELLED:
        raise ValidationError(
            {"number": [ValidationError(_("Policy %(number)s is cancelled; an import does not change it.")
                                        % {"number": policy.number}, code="policy_cancelled")]}
        )
    # The checks read the policy as it would be after the change.
    merged = PolicyInput(
        vehicle=policy.vehicle, policyholder=data.policyholder, insurer=policy.insurer, line=policy.line,
        number=policy.number, **{
            name: getattr(data, name) if name in changed else getattr(policy, name)
            for name in ("start_date", "end_date", "premium", "premium_without_vat", "vat", "vehicle_tax",
                         "short_term_reason", "issued_on")
        },
    )
    _check_money(merged, errors)
    _check_period(merged, errors)
    if policy.line == PolicyLine.CTPL and "end_date" not in errors and {"start_date", "end_date"} & set(changed):
        clash = (
            Policy.objects.filter(
                vehicle=policy.vehicle, line=PolicyLine.CTPL, start_date__lte=merged.end_date,
                end_date__gte=merged.start_date,
            )
            .exclude(status=PolicyStatus.CANCELLED)
            .exclude(pk=policy.pk)
            .first()
        )
        if clash:
            errors["start_date"] = [
                _(
                    "This vehicle already has a CTPL policy (%(number)s, %(start)s – %(end)s): "
                    "one per vehicle per period."
                )
                % {"number": clash.number, "start": clash.start_date, "end": clash.end_date}
            ]
    contract = policy.contract
    if "issued_on" in changed:
        contract = contract_in_force(policy.store, policy.insurer, merged.issued_on)
        if contract is None:
            errors["issued_on"] = [
                _("%(insurer)s has no active agency contract with this store on %(date)s: no policy can be issued.")
                % {"insurer": policy.insurer, "date": merged.issued_on.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)

    for name in changed:
        setattr(policy, name, getattr(data, name))
    policy.contract = contract
    policy.clause_family = clause_family_for(policy.vehicle, policy.line)
    rate, base, amount = commission_for(
        contract, policy.line, policy.clause_family, policy.premium, policy.premium_without_vat
    )
    policy.commission_rate, policy.commission_base_amount, policy.commission_amount = rate, base, amount
    if "start_date" in changed:
        policy.business_type = derive_business_type(
            policy.vehicle, policy.line, policy.start_date, exclude_pk=policy.pk
        )
    policy.full_clean()
    with audit_actor(actor):
        policy.save()
    return policy, changed


# ---------------------------------------------------------------- jobs
def import_stores(user, kind: str | None = None):
    """The stores in which ``user`` may import ``kind`` (policies, service orders…;
    any kind when None), as a Store queryset."""
    from chexian.org.models import Store

    stores = Store.objects.restrict(user, "view")
    ids = registry.store_ids(user, kind)
    return stores if ids is None else stores.filter(pk__in=ids)


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for block in iter(lambda: upload.read(HASH_CHUNK), b""):
        digest.update(block)
    upload.seek(0)
    return digest.hexdigest()


def create_import_job(*, actor, store, upload, mapping: ImportMapping | None = None, dry_run: bool = False,
                      all_or_nothing: bool = True, kind: str = ImportKind.POLICIES, enqueue: bool = True) -> ImportJob:
    """Store an uploaded file as a queued job and hand it to the background worker.

    The file is kept (under ``imports/``) with its SHA-256; the rows are read
    only when the job runs. ``enqueue=False`` leaves running it to the caller
    (the ``import`` command runs it in the foreground). ``kind`` says what the
    file holds (``registry.IMPORTS``); column mappings are for insurer exports.
    """
    spec = registry.require(actor, store, kind)
    name = PurePath(upload.name or "").name
    check_suffix(name)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}]}
        )
    if mapping is not None and not spec.mappings:
        raise ValidationError({"mapping": [_("Column mappings are for insurers' policy exports; this file is "
                                             "read by the template's headers.")]})
    if mapping is not None and not mappings_for(actor, store).filter(pk=mapping.pk).exists():
        raise ValidationError({"mapping": [_("This column mapping is not available for this store.")]})
    job = ImportJob(
        store=store,
        kind=kind,
        original_name=name[:255],
        sha256=_sha256(upload),
        mapping=mapping,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        language=translation.get_language() or "zh-hans",
        created_by=actor,
    )
    job.file.save(name, upload, save=False)
    with audit_actor(actor):
        job.save()
    if enqueue:
        # After the commit: a worker must find the job row when it picks the task up.
        transaction.on_commit(lambda: enqueue_import(job))
    return job


def enqueue_import(job: ImportJob):
    from chexian.imports.tasks import run_import

    return run_import.enqueue(job.pk)


def previous_import(job: ImportJob) -> ImportJob | None:
    """An earlier job of the same store with the same file that saved it."""
    return (
        ImportJob.objects.filter(store_id=job.store_id, kind=job.kind, sha256=job.sha256, dry_run=False,
                                 status__in=[ImportStatus.SUCCEEDED, ImportStatus.PARTIAL])
        .exclude(pk=job.pk)
        .filter(created_at__lt=job.created_at)
        .order_by("-created_at")
        .first()
    )


def _final_status(job: ImportJob, counts, file_failed: bool) -> str:
    has_errors = file_failed or counts.error_rows > 0
    if job.dry_run:
        return ImportStatus.DRY_RUN_FAILED if has_errors else ImportStatus.DRY_RUN_OK
    if not has_errors:
        return ImportStatus.SUCCEEDED
    if job.all_or_nothing or counts.created + counts.updated + counts.unchanged == 0:
        return ImportStatus.FAILED
    return ImportStatus.PARTIAL


def _auto_mapping(job: ImportJob, reader):
    """Without a chosen mapping: the store's (or group's) saved mapping whose headers
    all appear in one of the file's first rows, if any."""
    mappings = list(mappings_for(job.created_by, job.store).select_related("insurer"))
    if not mappings:
        return None
    rows = reader.rows()
    try:
        candidates = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    finally:
        rows.close()
    return pick_mapping(candidates, mappings)


def run_import_job(job_id: int, *, on_progress=None) -> ImportJob:
    """Run a queued job to the end and record what it did.

    Only a queued job runs (a task delivered twice imports once). Rows are read
    from the stored file; errors are collected with their row, column, value
    and rule; the first ones stay on the job and all of them go to the report
    workbook. ``on_progress(processed, total)`` is called after every chunk in
    addition to the published progress (the command prints it).
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("store", "created_by", "mapping", "mapping__insurer").get(pk=job_id)
    if not claimed:
        return job
    publisher = progress.ProgressPublisher(job)

    def publish(processed, total):
        publisher(processed, total)
        if on_progress is not None:
            on_progress(processed, total)

    collector = ErrorCollector()
    file_failed = False
    with translation.override(job.language):
        importer = None
        try:
            reader = _open_job_file(job)
            try:
                spec = registry.spec(job.kind)
                mapping = job.mapping or (_auto_mapping(job, reader) if spec.mappings else None)
                if mapping is not None and job.mapping_id is None:
                    job.mapping = mapping
                importer = spec.importer(
                    actor=job.created_by, store=job.store, mapping=mapping, dry_run=job.dry_run,
                    all_or_nothing=job.all_or_nothing, errors=collector, on_progress=publish,
                )
                importer.run(reader)
            finally:
                reader.close()
        except (ValidationError, PermissionDenied) as exc:
            file_failed = True
            error = exc if isinstance(exc, ValidationError) else ValidationError(str(exc), code="permission")
            header_row = importer.columns.header_row if importer and importer.columns else 1
            (importer or _FileErrors(collector)).file_error(error, row=header_row)
        except Exception:
            logger.exception("Import %s failed", job.pk)
            file_failed = True
            _FileErrors(collector).file_error(
                ValidationError(_("The import stopped on an unexpected error; the server log has the details."),
                                code="internal")
            )
        finally:
            publisher.close()
        _record_result(job, importer, collector, file_failed)
    return job


class _FileErrors:
    """``file_error`` for failures before the importer exists (an unreadable file)."""

    def __init__(self, collector):
        self.collector = collector

    def file_error(self, error: ValidationError, row: int = 1):
        for item in error.error_list:
            self.collector.add(RowError(row=row, column="", value="", message=message_of(item),
                                        code=item.code or "file"))


def _open_job_file(job: ImportJob):
    try:
        path = job.file.path
    except NotImplementedError:  # remote storage: read through a file object
        handle = job.file.open("rb")
        reader = open_reader(handle, job.original_name)
        previous_close = reader.close

        def close():
            previous_close()
            handle.close()

        reader.close = close
        return reader
    return open_reader(path, job.original_name)


def _record_result(job: ImportJob, importer, collector: ErrorCollector, file_failed: bool):
    counts = importer.counts if importer else ImportCounts()
    if importer is not None and importer.columns is not None:
        job.columns = importer.columns.as_json()
    job.status = _final_status(job, counts, file_failed)
    job.total_rows = counts.processed
    job.processed_rows = counts.processed
    job.created_rows = counts.created
    job.updated_rows = counts.updated
    job.unchanged_rows = counts.unchanged
    job.error_rows = counts.error_rows
    job.error_count = collector.count
    job.errors = collector.kept
    job.finished_at = timezone.now()
    report = collector.report_file(f"import-{job.pk}-errors.xlsx")
    if report is not None:
        with report:
            job.error_report.save(report.name, report, save=False)
    with audit_actor(job.created_by):
        job.save()


# ---------------------------------------------------------------- mappings
def mappings_for(user, store):
    """The column mappings ``user`` may use in ``store``: the store's own and the group's shared ones."""
    return ImportMapping.objects.restrict(user).filter(
        Q(store=store) | Q(store__isnull=True, group_id=store.group_id)
    )


@transaction.atomic
def save_mapping(*, actor, data: dict, mapping: ImportMapping | None = None) -> ImportMapping:
    """Create or change a column mapping for one store, or (``data["store"]`` None)
    shared by every store of the group where ``actor`` imports."""
    from chexian.customers.forms import stores_where

    mapping = mapping or ImportMapping(created_by=actor)
    store = data["store"] if "store" in data else mapping.store
    allowed = stores_where(actor, "policy.import")
    if store is not None:
        if not allowed.filter(pk=store.pk).exists():
            raise PermissionDenied(_("Your role may not import policies in this store."))
        mapping.group_id = store.group_id
    else:
        groups = set(allowed.values_list("group_id", flat=True))
        if mapping.group_id is None and len(groups) != 1:
            raise ValidationError({"store": [_("Choose the store the mapping is for.")]})
        group_id = mapping.group_id or groups.pop()
        if group_id not in set(allowed.values_list("group_id", flat=True)):
            raise PermissionDenied(_("Your role may not import policies in this group."))
        mapping.group_id = group_id
    mapping.store = store
    for name in ("name", "insurer", "mapping"):
        if name in data:
            setattr(mapping, name, data[name])
    mapping.full_clean()
    with audit_actor(actor):
        mapping.save()
    return mapping
