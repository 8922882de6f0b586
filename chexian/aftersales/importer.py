"""Importing service orders (工单) from the DMS export — and the cars the store
has not seen yet, with their owners.

The template (``COLUMNS``): one row per work order, the DMS's Chinese headers
with English aliases and the other names DMS exports use (进厂日期 for 开单日期,
钣喷 for 事故维修 …). Reading the file, the error list and the transaction are
``imports.tabular``'s; this module decides what a row does:

- the order's key is (store, 工单号): an order already imported is compared with
  the row — the same, nothing is written; different, it is updated through
  ``services.save_service_order`` (only the columns the file carries are
  compared, and an order never moves to another vehicle);
- a new order's vehicle is found in the store by VIN, else by plate; a car not in
  the books is added through ``customers.services`` (``save_customer``,
  ``save_vehicle``) with its owner from the row's name and mobile — a car
  serviced here but not insured here is exactly the 在修不在保 prospect;
- new orders pass every rule (``services.prepare_service_order``) row by row
  and are inserted a chunk at a time with their audit entries; then the
  vehicles' last visit date moves up in one statement.

The chunk's orders, vehicles and owners are fetched with one query each.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chexian.aftersales import services
from chexian.aftersales.choices import ServiceKind, ServiceSource
from chexian.aftersales.models import ServiceOrder
from chexian.core.audit import audit_actor, log_created
from chexian.core.validators import is_new_energy_plate, vin_check_digit
from chexian.customers import services as customer_services
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType
from chexian.customers.models import Customer, Vehicle
from chexian.imports import cells
from chexian.imports.tabular import (
    CHOICE,
    COUNT,
    DATE,
    IDENTIFIER,
    MONEY,
    TEXT,
    Column,
    ImportRow,
    RowFailure,
    TabularImporter,
    Template,
    field_error,
)


def _example_vin() -> str:
    body = "LVGBE40K2M0012345"
    return body[:8] + vin_check_digit(body) + body[9:]


COLUMNS: tuple[Column, ...] = (
    Column(
        "number", "工单号", ("工单编号", "工单号码", "维修单号", "委托书号", "order_no", "order number"), IDENTIFIER,
        True, "WX202603010012", gettext_lazy("As the DMS numbers it: with the store, the order's key."),
    ),
    Column(
        "opened_on", "开单日期", ("进厂日期", "进店日期", "开单时间", "进厂时间", "open_date"), DATE, True,
        "2026-03-01", gettext_lazy("The day the car came in: 2026-03-01, 2026/3/1, 2026年3月1日 or a date cell."),
    ),
    Column(
        "closed_on", "结算日期", ("出厂日期", "结算时间", "出厂时间", "完工日期", "close_date"), DATE, False,
        "2026-03-01", gettext_lazy("Empty while the order is open; not before the day it was opened."),
    ),
    Column(
        "vin", "车架号", ("VIN", "车辆识别代号", "车架号码", "vin码", "底盘号"), IDENTIFIER, False, _example_vin(),
        gettext_lazy("Finds the vehicle in the store (17 characters, GB 16735); needed for a car not yet in "
                     "the books. The VIN or the plate is needed."),
    ),
    Column(
        "plate", "车牌号", ("车牌号码", "号牌号码", "车牌"), IDENTIFIER, False, "粤A12345",
        gettext_lazy("Finds the vehicle when there is no VIN."),
    ),
    Column(
        "kind", "工单类型", ("维修类型", "业务类型", "维修性质", "工单性质", "service_type"), CHOICE, False, "保养",
        gettext_lazy("保养, 一般维修 (机修), 事故维修 (事故车, 钣喷), 洗车, 美容 (装潢) or 其他; empty: 其他."),
    ),
    Column(
        "amount", "结算金额", ("金额", "总金额", "工单金额", "应收金额", "结算总额", "实收金额"), MONEY, True,
        "680.00", gettext_lazy("Yuan, with VAT, at most two decimals."),
    ),
    Column("labour_amount", "工时费", ("工时费用", "工时金额", "labour"), MONEY, False, "200.00"),
    Column(
        "parts_amount", "材料费", ("配件费", "材料费用", "配件金额", "材料金额", "parts"), MONEY, False, "480.00",
        gettext_lazy("With the labour, at most the amount."),
    ),
    Column("mileage", "里程", ("进厂里程", "行驶里程", "公里数", "表显里程"), COUNT, False, "35000",
           gettext_lazy("Kilometres, a whole number.")),
    Column("advisor", "服务顾问", ("接待顾问", "服务接待", "接待员", "SA"), TEXT, False, "李娜"),
    Column(
        "customer_name", "客户名称", ("车主", "车主姓名", "客户姓名", "车主名称"), TEXT, False, "张三",
        gettext_lazy("The owner: needed for a car not yet in the books (a name with 公司 is a company)."),
    ),
    Column("mobile", "手机", ("手机号", "手机号码", "联系电话", "车主电话", "客户电话"), IDENTIFIER, False,
           "13812345678", gettext_lazy("Recognises an owner already in the books (with the name).")),
    Column("brand", "品牌", ("车辆品牌", "厂牌"), TEXT, False, "广汽丰田",
           gettext_lazy("For a car not yet in the books; empty: the store's brand.")),
    Column("series", "车系", ("车型系列",), TEXT, False, "凯美瑞"),
    Column("note", "备注", ("维修内容", "维修项目", "说明"), TEXT, False, "",
           gettext_lazy("Kept to its first 300 characters.")),
)
TEMPLATE = Template(
    COLUMNS,
    sheet_title="工单导入",
    no_header=gettext_lazy(
        "No header row found in the first %(rows)s rows: name the columns as in the template "
        "(工单号, 开单日期, 车架号, 结算金额 …)."
    ),
    # A DMS total line says 合计 in its first cell (often the 工单号 column) and names no vehicle.
    summary_fields=("vin", "plate"),
)
# Compared on a re-import, when the file carries them.
ORDER_FIELDS = ("kind", "opened_on", "closed_on", "amount", "labour_amount", "parts_amount", "mileage", "advisor",
                "note")
KIND_WORDS = {
    ServiceKind.MAINTENANCE: ("保养", "定期保养", "常规保养", "首保", "免费保养", "maintenance"),
    ServiceKind.REPAIR: ("一般维修", "机修", "维修", "普通维修", "机电维修", "电器维修", "保修", "索赔", "返修",
                         "repair"),
    ServiceKind.ACCIDENT_REPAIR: ("事故维修", "事故车", "事故", "钣喷", "钣金", "喷漆", "钣金喷漆", "保险维修",
                                  "accident_repair", "accident"),
    ServiceKind.WASH: ("洗车", "精洗", "普洗", "wash"),
    ServiceKind.BEAUTY: ("美容", "装潢", "美容装潢", "精品", "精品加装", "贴膜", "beauty"),
    ServiceKind.OTHER: ("其他", "其它", "other"),
}
_KINDS = {cells.normalize_key(word): value.value for value, words in KIND_WORDS.items() for word in words}
TEXT_LIMITS = {
    "advisor": ServiceOrder._meta.get_field("advisor").max_length,
    "customer_name": Customer._meta.get_field("name").max_length,
    "brand": Vehicle._meta.get_field("brand").max_length,
    "series": Vehicle._meta.get_field("series").max_length,
}
NOTE_LENGTH = ServiceOrder._meta.get_field("note").max_length
# Service error keys → the import field (and so the column) they are about.
STAGE_FIELDS = {
    "customer": {"name": "customer_name", "mobile": "mobile", "kind": "customer_name",
                 NON_FIELD_ERRORS: "customer_name"},
    "vehicle": {"vin": "vin", "plate": "plate", "brand": "brand", "series": "series", "energy_type": "plate",
                "owner": "customer_name", "mileage": "mileage", NON_FIELD_ERRORS: "vin"},
    "order": {"number": "number", "kind": "kind", "opened_on": "opened_on", "closed_on": "closed_on",
              "amount": "amount", "labour_amount": "labour_amount", "parts_amount": "parts_amount",
              "mileage": "mileage", "advisor": "advisor", "note": "note", "vehicle": "vin",
              "customer": "customer_name", "store": "number", NON_FIELD_ERRORS: "number"},
}
_PLATE_UNIQUE = next(c for c in Vehicle._meta.constraints if "plate" in c.name)


class ServiceOrderImporter(TabularImporter):
    """Reads the DMS's work orders and saves them through ``aftersales.services``,
    adding unknown cars through ``customers.services``."""

    template = TEMPLATE
    STAGE_FIELDS = STAGE_FIELDS
    identifier_limits = {"number": ServiceOrder._meta.get_field("number").max_length}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Order number → the row of this file that saved it: a number twice in one file is an error.
        self.seen: dict[str, int] = {}
        # New orders pass every rule row by row and are inserted a chunk at a time.
        self.pending: list[tuple[ImportRow, ServiceOrder]] = []
        self.orders: dict[str, ServiceOrder] = {}
        self.by_vin: dict[str, Vehicle | None] = {}
        self.by_plate: dict[str, Vehicle | None] = {}
        self.owners: dict[tuple[str, str], Customer | None] = {}

    # ------------------------------------------------------------ parsing
    def check_identifier(self, field_name: str, value: str) -> str:
        if field_name == "number":
            value = value.upper()
        return super().check_identifier(field_name, value)

    def parse_text(self, field_name: str, value: str):
        if field_name == "kind":
            return self.choice(_KINDS, value, _("Unknown kind of order: write 保养, 一般维修, 事故维修, 洗车, 美容 "
                                                "or 其他."), "kind_unknown")
        if field_name == "note":
            return value[:NOTE_LENGTH]  # the DMS's work description can be longer: its start is enough here
        limit = TEXT_LIMITS.get(field_name)
        if limit is not None and len(value) > limit:
            raise ValidationError(_("At most %(limit)s characters.") % {"limit": limit}, code="max_length")
        return value

    def complete_row(self, row: ImportRow) -> None:
        if not row.has("vin") and not row.has("plate") and not any(e.field in ("vin", "plate") for e in row.errors):
            self._add_error(row, "vin", _("Give the VIN (车架号) or the plate (车牌号): they find the vehicle."),
                            "vehicle_required")

    # ------------------------------------------------------------ saving
    def _save_chunk(self, rows: list[ImportRow]):
        good = [row for row in rows if not row.errors]
        self._prefetch(good)
        for row in rows:
            if row.errors:
                self._fail(row)
                continue
            self._save_row(row)
        self._flush()

    def _prefetch(self, rows: list[ImportRow]):
        """One query per kind for the chunk: the orders, vehicles and owners its rows name."""
        numbers = {row.values["number"] for row in rows}
        vins = {row.values["vin"] for row in rows if row.has("vin")}
        plates = {row.values["plate"] for row in rows if row.has("plate")}
        mobiles = {row.values["mobile"] for row in rows if row.has("mobile")}
        self.orders = {
            order.number: order
            for order in ServiceOrder.objects.filter(store=self.store, number__in=numbers).select_related("vehicle")
        }
        self.by_vin = dict.fromkeys(vins)
        self.by_plate = dict.fromkeys(plates)
        vehicles = Vehicle.objects.filter(store=self.store).filter(Q(vin__in=vins) | Q(plate__in=plates))
        for vehicle in vehicles.select_related("owner"):
            if vehicle.vin in self.by_vin:
                self.by_vin[vehicle.vin] = vehicle
            if vehicle.plate in self.by_plate:
                self.by_plate[vehicle.plate] = vehicle
        self.owners = {}
        for customer in Customer.objects.filter(store=self.store, merged_into__isnull=True, mobile__in=mobiles):
            self.owners.setdefault((customer.mobile, customer.name), customer)
        # One update of the store's counter for the chunk's new vehicles (a row rolled
        # back leaves a gap in the numbering, never a duplicate).
        new = {row.values["vin"] for row in rows if row.values["number"] not in self.orders and row.has("vin")
               and self.by_vin[row.values["vin"]] is None
               and (not row.has("plate") or self.by_plate[row.values["plate"]] is None)}
        self.archive_numbers = iter(
            customer_services.reserve_archive_numbers(self.store.pk, len(new)) if new else ())

    def _save_row(self, row: ImportRow):
        number = row.values["number"]
        if number in self.seen:
            self._add_error(row, "number", _(
                "Service order %(number)s is also on row %(row)s of this file: one row per order."
            ) % {"number": number, "row": self.seen[number]}, "duplicate_in_file")
            self._fail(row)
            return
        outcome = self.save_in_savepoint(row, "number", lambda: self._save(row, number))
        if outcome is None:
            return
        self.seen[number] = row.number
        setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)

    def _save(self, row: ImportRow, number: str) -> str:
        existing = self.orders.get(number)
        if existing is not None:
            return self._update(row, existing)
        vehicle = self._vehicle(row)
        data = {name: row.values[name] for name in ORDER_FIELDS if row.has(name)}
        data.update(store=self.store, vehicle=vehicle, customer=vehicle.owner, number=number,
                    source=ServiceSource.IMPORT)
        data.setdefault("kind", ServiceKind.OTHER)
        try:
            # The number was checked against the store's orders and this file's rows.
            order = services.prepare_service_order(data=data, check_constraints=False)
        except ValidationError as exc:
            raise RowFailure("order", exc) from None
        self.pending.append((row, order))
        self.orders[number] = order
        return "created"

    def _update(self, row: ImportRow, order: ServiceOrder) -> str:
        """A re-imported row: the columns it carries that differ, through the service."""
        if row.has("vin") and row.values["vin"] != order.vehicle.vin or (
                not row.has("vin") and row.values["plate"] != order.vehicle.plate):
            raise RowFailure("order", field_error("vehicle", _(
                "Service order %(number)s is recorded for the vehicle %(vehicle)s; it cannot move to another."
            ) % {"number": order.number, "vehicle": order.vehicle}, "vehicle_changed"))
        changes = {name: row.values[name] for name in ORDER_FIELDS
                   if row.has(name) and row.values[name] != getattr(order, name)}
        if not changes:  # the common case of a re-import: nothing to write
            return "unchanged"
        try:
            self.orders[order.number] = services.save_service_order(actor=self.actor, data=changes, order=order)
        except ValidationError as exc:
            raise RowFailure("order", exc) from None
        return "updated"

    def _vehicle(self, row: ImportRow) -> Vehicle:
        """The store's vehicle with the row's VIN, else its plate; else a new one with its owner."""
        vin, plate = row.get("vin", ""), row.get("plate", "")
        vehicle = self._known(self.by_vin, vin, "vin") if vin else None
        if vehicle is None and plate:
            by_plate = self._known(self.by_plate, plate, "plate")
            if by_plate is not None and vin and by_plate.vin != vin:
                raise RowFailure("vehicle", field_error("plate", _(
                    "The plate %(plate)s belongs to another vehicle of the store (VIN %(vin)s)."
                ) % {"plate": plate, "vin": by_plate.vin}, "plate_other_vehicle"))
            vehicle = by_plate
        if vehicle is not None:
            return vehicle
        if not vin:
            raise RowFailure("vehicle", field_error("plate", _(
                "No vehicle with this plate in the store: give its VIN (车架号) to add it."
            ), "vehicle_unknown"))
        owner = self._owner(row)
        energy = EnergyType.BEV if plate and is_new_energy_plate(plate) else EnergyType.FUEL
        brand = row.get("brand", "")
        data = {"store": self.store, "owner": owner, "vin": vin, "plate": plate, "brand": brand or self.store.brand,
                # A 4S store's workshop serves its own brand; a brand named and different is another.
                "is_own_brand": not brand or brand == self.store.brand, "series": row.get("series", ""),
                "energy_type": energy, "mileage": row.get("mileage")}
        try:
            vehicle = customer_services.save_vehicle(
                actor=self.actor, data=data, ownership_start=min(row.values["opened_on"], self.today),
                archive_no=next(self.archive_numbers, None),
            )
        except ValidationError as exc:
            raise RowFailure("vehicle", exc) from None
        self.by_vin[vin] = vehicle
        if plate:
            self.by_plate[plate] = vehicle
        return vehicle

    def _known(self, cache: dict, value: str, field_name: str) -> Vehicle | None:
        if value in cache:
            return cache[value]
        # A row rolled back since the chunk's prefetch: read it again.
        cache[value] = Vehicle.objects.filter(store=self.store, **{field_name: value}).select_related("owner").first()
        return cache[value]

    def _owner(self, row: ImportRow) -> Customer:
        """The owner of a car new to the books: the store's customer with the row's mobile and name, else new."""
        name, mobile = row.get("customer_name", ""), row.get("mobile", "")
        if not name:
            raise RowFailure("customer", field_error("name", _(
                "A car not yet in the store's books needs its owner's name (客户名称)."
            ), "owner_required"))
        key = (mobile, name)
        if mobile and key in self.owners:
            return self.owners[key]
        kind = CustomerKind.COMPANY if "公司" in name else CustomerKind.PERSON
        try:
            owner = customer_services.save_customer(actor=self.actor, data={
                "store": self.store, "kind": kind, "name": name, "mobile": mobile, "source": CustomerSource.AFTERSALES,
            })
        except ValidationError as exc:
            raise RowFailure("customer", exc) from None
        if mobile:
            self.owners[key] = owner
        return owner

    def _forget(self, row: ImportRow):
        """A rolled-back row may have added a vehicle or owner now gone: read them again when next needed."""
        self.by_vin.pop(row.get("vin", ""), None)
        self.by_plate.pop(row.get("plate", ""), None)
        self.owners.pop((row.get("mobile", ""), row.get("customer_name", "")), None)
        order = self.orders.get(row.values["number"])
        if order is not None and order.pk is not None:
            order.refresh_from_db()  # the service set the row's values on it before refusing them

    def _flush(self):
        """Insert the chunk's new orders in one statement with their audit entries,
        then move their vehicles' last visit date up (one statement)."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        orders = self.insert_pending(ServiceOrder, pending, field_name="number", message=_(
            "Another user saved this service order number while the file was being imported."
        ))
        with audit_actor(self.actor):
            log_created(orders)
        services.refresh_last_visit({order.vehicle_id for order in orders})

    def error_target(self, row: ImportRow, stage: str, key: str, message: str) -> str | None:
        # A constraint message says which column it is about even though Django files it as non-field.
        if stage == "vehicle" and key == NON_FIELD_ERRORS and message == str(
            _PLATE_UNIQUE.get_violation_error_message()
        ):
            return "plate"
        if key == "vehicle" and not row.has("vin"):
            return "plate"
        return None
