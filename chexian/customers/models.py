from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.core import crypto
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.core.validators import (
    is_new_energy_plate,
    normalize_mobile,
    normalize_plate,
    validate_mobile,
    validate_plate,
    validate_uscc,
    validate_vin,
)
from chexian.customers.choices import (
    NEW_ENERGY_TYPES,
    CustomerKind,
    CustomerSource,
    EnergyType,
    OwnershipReason,
    VehicleUsage,
)


class CustomerQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(merged_into__isnull=True)


class Customer(AuditedModel, TimeStampedModel):
    """A person or company the store insures or may insure (客户).

    The resident ID number is never stored in clear: ``id_number_encrypted`` holds
    it under MultiFernet, ``id_number_hash`` is a keyed hash for exact lookup and
    ``id_number_masked`` is what screens show. A customer merged into another
    keeps its row (``merged_into``) so old audit entries still resolve.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="customers", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    mobile_tail = models.CharField(
        _("mobile last 4"), max_length=4, blank=True, editable=False, help_text=_("For search by mobile tail.")
    )
    mobile2 = models.CharField(_("second mobile"), max_length=11, blank=True)
    id_number_encrypted = models.TextField(_("identity number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("identity number hash"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True, editable=False)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, help_text=_("For company customers (GB 32100).")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    area = models.CharField(
        _("area"), max_length=50, blank=True, help_text=_("District or town the customer lives in.")
    )
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, default=CustomerSource.OTHER)
    portrait_tags = models.CharField(
        _("portrait tags"), max_length=200, blank=True, help_text=_("客户画像: comma-separated tags.")
    )
    visit_habits = models.CharField(_("visit habits"), max_length=200, blank=True)
    preferred_contact_time = models.CharField(_("preferred contact time"), max_length=50, blank=True)
    # PIPL: renewal and marketing outreach need consent; a quote or policy rests on the contract.
    consent_outreach = models.BooleanField(_("consents to renewal and marketing contact"), default=False)
    consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    owner_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner staff"),
    )
    note = models.TextField(_("note"), blank=True)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_from", verbose_name=_("merged into")
    )

    objects = CustomerQuerySet.as_manager()
    permission_object = "customer"
    audit_exclude = ("created_at", "updated_at", "id_number_encrypted", "id_number_hash", "mobile_tail")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["store", "name"], name="cust_store_name_idx"),
            models.Index(fields=["store", "mobile_tail"], name="cust_store_mobile_tail_idx"),
            models.Index(fields=["store", "mobile"], name="cust_store_mobile_idx"),
            # Hash first (a lookup by ID number alone), then the store: the duplicate check and the
            # import name both, and the planner takes this index even before statistics exist.
            models.Index(fields=["id_number_hash", "store"], name="cust_id_hash_store_idx"),
            # Companies are found by their credit code (imports, the duplicate check).
            models.Index(fields=["store", "uscc"], name="cust_store_uscc_idx"),
        ]

    def __str__(self):
        return self.name

    # -- identity number -------------------------------------------------
    @property
    def id_number(self) -> str:
        """The clear identity number. Reading it for display goes through
        ``services.unmask_id_number`` so that it is audited."""
        return crypto.decrypt(self.id_number_encrypted)

    def set_id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        self.id_number_encrypted = crypto.encrypt(value)
        self.id_number_hash = crypto.blind_index(value)
        self.id_number_masked = crypto.mask_identifier(value)

    def clean_fields(self, exclude=None):
        # Normalise first, so "+86 138-1234-5678" is checked as 13812345678, not refused for its length.
        self.name = (self.name or "").strip()
        self.mobile = normalize_mobile(self.mobile)
        self.mobile2 = normalize_mobile(self.mobile2)
        self.uscc = (self.uscc or "").strip().upper().replace(" ", "")
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        if self.owner_staff_id and self.store_id:
            from chexian.org.models import StaffRole

            if not StaffRole.objects.filter(user_id=self.owner_staff_id, store_id=self.store_id).exists():
                errors["owner_staff"] = [_("The owner staff member does not work in this store.")]
        if self.mobile:
            try:
                self.mobile = validate_mobile(self.mobile)
            except ValidationError as exc:
                errors["mobile"] = exc.error_list
        if self.mobile2:
            try:
                self.mobile2 = validate_mobile(self.mobile2)
            except ValidationError as exc:
                errors["mobile2"] = exc.error_list
        if self.uscc:
            try:
                self.uscc = validate_uscc(self.uscc)
            except ValidationError as exc:
                errors["uscc"] = exc.error_list
        if self.kind == CustomerKind.COMPANY and self.id_number_hash:
            errors["id_number"] = [_("A company customer has a unified social credit code, not a resident ID.")]
        if self.kind == CustomerKind.PERSON and self.uscc:
            errors.setdefault("uscc", []).append(_("A person has a resident ID, not a unified social credit code."))
        if self.uscc and self.store_id and "uscc" not in errors:
            duplicate = Customer.objects.filter(
                store_id=self.store_id, uscc=self.uscc, merged_into__isnull=True
            ).exclude(pk=self.pk)
            if duplicate.exists():
                errors["uscc"] = [
                    _("A customer with this unified social credit code already exists in this store: %(name)s.")
                    % {"name": duplicate.first().name}
                ]
        if self.id_number_hash and self.store_id:
            duplicate = Customer.objects.filter(
                store_id=self.store_id, id_number_hash=self.id_number_hash, merged_into__isnull=True
            ).exclude(pk=self.pk)
            if duplicate.exists():
                errors["id_number"] = [
                    _("A customer with this identity number already exists in this store: %(name)s.")
                    % {"name": duplicate.first().name}
                ]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.mobile_tail = self.mobile[-4:] if self.mobile else ""
        super().save(*args, **kwargs)


class Vehicle(AuditedModel, TimeStampedModel):
    """A vehicle in the store's books, with one archive (一车一档) and its owners over time.

    A new car may have no plate yet: it is insured by VIN and engine number and
    the plate is added later.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="vehicles", verbose_name=_("store"))
    owner = models.ForeignKey(Customer, models.PROTECT, related_name="vehicles", verbose_name=_("owner"))
    archive_no = models.CharField(_("archive number"), max_length=30, unique=True, editable=False)
    plate = models.CharField(_("plate number"), max_length=8, blank=True)
    # The plate without its province character, so "B12345" finds 粤B12345.
    plate_key = models.CharField(_("plate without province"), max_length=7, blank=True, editable=False)
    vin = models.CharField(_("VIN"), max_length=17)
    # Staff ask for "车架号后六位": the last six characters, indexed for exact lookup.
    vin_tail = models.CharField(_("VIN last 6"), max_length=6, editable=False)
    engine_no = models.CharField(_("engine number"), max_length=30, blank=True)
    brand = models.CharField(_("brand"), max_length=50)
    series = models.CharField(_("series"), max_length=50, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    is_own_brand = models.BooleanField(
        _("own brand"), default=True, help_text=_("本品牌: renewal KPIs leave other brands out (seed-002 §4.5.2).")
    )
    energy_type = models.CharField(_("energy type"), max_length=10, choices=EnergyType.choices, default=EnergyType.FUEL)
    is_new_energy = models.BooleanField(_("new-energy vehicle"), default=False, editable=False)
    first_registration_date = models.DateField(_("first registration date"), null=True, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    sold_here = models.BooleanField(_("sold by this store"), default=False)
    usage = models.CharField(_("usage"), max_length=20, choices=VehicleUsage.choices, default=VehicleUsage.FAMILY)
    seats = models.PositiveSmallIntegerField(_("seats"), default=5)
    new_car_price = models.DecimalField(_("new-car price"), max_digits=12, decimal_places=2, null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    last_visit_date = models.DateField(_("last visit date"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "vehicle"
    audit_exclude = ("created_at", "updated_at", "plate_key", "vin_tail")

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "vin"],
                name="%(app_label)s_%(class)s_unique_store_vin",
                violation_error_message=_("A vehicle with this VIN already exists in this store."),
            ),
            models.UniqueConstraint(
                fields=["store", "plate"],
                condition=~Q(plate=""),
                name="%(app_label)s_%(class)s_unique_store_plate",
                violation_error_message=_("A vehicle with this plate already exists in this store."),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "plate_key"], name="veh_store_plate_key_idx"),
            models.Index(fields=["store", "vin_tail"], name="veh_store_vin_tail_idx"),
        ]

    def __str__(self):
        return self.plate or self.vin

    def clean_fields(self, exclude=None):
        # Normalise first: "粤A·D12345" is 8 characters once the dot goes.
        self.vin = (self.vin or "").strip().upper().replace(" ", "")
        self.plate = normalize_plate(self.plate)
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        try:
            self.vin = validate_vin(self.vin)
        except ValidationError as exc:
            errors["vin"] = exc.error_list
        if self.plate:
            try:
                self.plate = validate_plate(self.plate)
            except ValidationError as exc:
                errors["plate"] = exc.error_list
            else:
                if is_new_energy_plate(self.plate) and self.energy_type not in NEW_ENERGY_TYPES:
                    errors["energy_type"] = [
                        _("An 8-character green plate belongs to a new-energy vehicle: choose its energy type.")
                    ]
        if self.owner_id and self.store_id and self.owner.store_id != self.store_id:
            errors["owner"] = [_("The owner is a customer of another store.")]
        if self.owner_id and self.owner.merged_into_id:
            errors["owner"] = [_("This customer was merged into another; choose that one.")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.plate_key = self.plate[1:] if self.plate else ""
        self.vin_tail = self.vin[-6:]
        self.is_new_energy = self.energy_type in NEW_ENERGY_TYPES
        super().save(*args, **kwargs)


class OwnershipQuerySet(RestrictedQuerySet):
    store_field = "vehicle__store"


class VehicleOwnership(AuditedModel, TimeStampedModel):
    """One period in which a customer owned a vehicle; the open one has no end date."""

    vehicle = models.ForeignKey(Vehicle, models.PROTECT, related_name="ownerships", verbose_name=_("vehicle"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="ownerships", verbose_name=_("customer"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=OwnershipReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = OwnershipQuerySet.as_manager()
    permission_object = "vehicle"

    class Meta:
        verbose_name = _("vehicle ownership")
        verbose_name_plural = _("vehicle ownerships")
        ordering = ["vehicle", "-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(end_date__isnull=True), name="%(app_label)s_%(class)s_one_open_owner"
            )
        ]

    def __str__(self):
        return f"{self.vehicle} · {self.customer} · {self.start_date}"

    def audit_store_id(self):
        return self.vehicle.store_id
