"""Importing policies — and the customers and vehicles they name — from insurer exports.

The template (``COLUMNS``): one row per policy, Chinese headers with English
aliases; insurer exports with other headers are read through a saved
``ImportMapping``. Headers are matched ignoring width, case, spaces and marks
such as ``*`` or ``(元)``; the header row may sit below a title.

Each row goes through the same services as the pages: the customer is found by
the blind index of the identity number (or by the USCC) within the store, else
created with ``customers.services.save_customer``; the vehicle by VIN within the
store, else created with ``save_vehicle``; then the policy is issued with
``policies.services.issue_policy(source=IMPORT)`` — every rule of SPEC §3.3
applies, except the documents check, which an export cannot show.

Idempotent: the natural key of a policy is (insurer, policy number). A row
equal to what is stored changes nothing; a row that differs updates the policy
(``services.update_imported_policy``) and the customer or vehicle fields it
carries; a number another store holds is an error.

Rows are read, parsed and saved in chunks (``CHUNK_SIZE``): only one chunk's
rows and model instances are alive at a time, plus one small key per policy
seen, to catch a policy listed twice in the same file. The caller decides the
transaction (see ``PolicyImporter.run``).

The reading of headers and cells, the error list and the file's transaction are
shared with every import kind (``tabular.py``); this module holds what is the
policies': their template (``COLUMNS``, as a ``Template``: ``TEMPLATE``) and
``PolicyImporter``. The template's module-level names (``FIELDS``,
``validate_mapping``, ``match_headers``, ``find_header``, ``check_required`` …)
are thin aliases of it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chexian.core import crypto
from chexian.core.audit import audit_actor, log_created
from chexian.core.validators import is_new_energy_plate, validate_resident_id, validate_uscc, vin_check_digit
from chexian.customers import services as customer_services
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType
from chexian.customers.models import Customer, Vehicle
from chexian.imports import cells
from chexian.imports.tabular import (  # noqa: F401 (re-exported: the names this module always had)
    CHOICE,
    CHUNK_SIZE,
    DATE,
    HEADER_MIN_MATCHES,
    HEADER_SCAN_ROWS,
    IDENTIFIER,
    IGNORE,
    MONEY,
    SUMMARY_WORDS,
    TEXT,
    Column,
    ColumnMap,
    ImportCounts,
    ImportRow,
    RowError,
    RowFailure,
    TabularImporter,
    Template,
    message_of,
    pick_mapping,
)
from chexian.imports.tabular import field_error as _field_error
from chexian.insurers.models import Insurer
from chexian.policies.choices import PolicyLine, PolicySource, ShortTermReason
from chexian.policies.models import Policy
from chexian.policies.services import BatchIssueContext, PolicyInput, prepare_policy
from chexian.policies.signals import policies_recorded


def _example_vin() -> str:
    body = "LFV2A21K0G3012345"
    return body[:8] + vin_check_digit(body) + body[9:]


EXAMPLE_ID = "11010519491231002X"

COLUMNS: tuple[Column, ...] = (
    Column(
        "policy_number", "保单号", ("保单号码", "保险单号", "policy_no", "policy number"), IDENTIFIER, True,
        "PDZA202644010000001234", gettext_lazy("As the insurer printed it; with the insurer, the policy's key."),
    ),
    Column(
        "insurer", "保险公司", ("承保公司", "承保机构", "保险人", "insurer_code"), TEXT, True, "人保财险",
        gettext_lazy(
            "Name, short name or code (PICC); a branch such as 中国人民财产保险股份有限公司广州市分公司 is fine. "
            "Not needed when the column mapping names the insurer."
        ),
    ),
    Column(
        "line", "险种", ("险种类型", "险别", "险类", "policy_line"), CHOICE, True, "交强险",
        gettext_lazy("交强险, 商业险 or 非车险 (ctpl, commercial, non_motor)."),
    ),
    Column(
        "start_date", "起保日期", ("保险起期", "起保时间", "生效日期", "保险起始日期"), DATE, True, "2026-03-01",
        gettext_lazy("2026-03-01, 2026/3/1, 2026年3月1日, 20260301 or a date cell."),
    ),
    Column(
        "end_date", "终保日期", ("保险止期", "终保时间", "到期日期", "保险终止日期"), DATE, True, "2027-02-28",
        gettext_lazy("The last day of cover. \"2027-03-01 00:00\" (零时止) is read as 2027-02-28 24:00."),
    ),
    Column(
        "premium", "保费", ("总保费", "含税保费", "保费合计", "签单保费"), MONEY, True, "950.00",
        gettext_lazy("Yuan, with VAT, at most two decimals."),
    ),
    Column(
        "premium_without_vat", "不含税保费", ("净保费", "保费(不含税)", "net_premium"), MONEY, False, "896.23",
        gettext_lazy("Needed, or VAT: the other one is the premium minus it."),
    ),
    Column(
        "vat", "增值税", ("税额", "增值税额"), MONEY, False, "53.77",
        gettext_lazy("Needed, or the premium excluding VAT."),
    ),
    Column(
        "vehicle_tax", "车船税", ("代收车船税",), MONEY, False, "360.00",
        gettext_lazy("Collected with CTPL only; empty is 0."),
    ),
    Column(
        "issued_on", "出单日期", ("签单日期", "签单日", "承保日期", "issue_date"), DATE, False, "2026-02-25",
        gettext_lazy(
            "Decides the agency contract and the commission rate. Empty: the start date, or today for a "
            "policy that starts later."
        ),
    ),
    Column(
        "plate", "车牌号", ("车牌号码", "号牌号码", "车牌"), IDENTIFIER, False, "粤A12345",
        gettext_lazy("Empty for a new car without a plate yet (then the engine number is needed)."),
    ),
    Column(
        "vin", "车架号", ("车辆识别代号", "车架号码", "vin码", "vin_code"), IDENTIFIER, True, _example_vin(),
        gettext_lazy("17 characters with the position-9 check digit (GB 16735)."),
    ),
    Column("engine_no", "发动机号", ("发动机号码", "engine_number"), IDENTIFIER, False, "G3012345"),
    Column(
        "brand", "品牌", ("车辆品牌", "厂牌", "品牌型号", "厂牌型号"), TEXT, False, "一汽大众",
        gettext_lazy("Needed for a vehicle not yet in the store's books."),
    ),
    Column("series", "车系", ("车型系列",), TEXT, False, "迈腾"),
    Column(
        "energy_type", "新能源", ("能源类型", "燃料种类", "是否新能源", "energy"), CHOICE, False, "否",
        gettext_lazy(
            "是/否, or 燃油, 纯电, 插电混动, 燃料电池 (fuel, bev, phev, fcev). "
            "Empty: new energy when the plate is green."
        ),
    ),
    Column("first_registration_date", "初登日期", ("初次登记日期", "注册日期"), DATE, False, "2020-05-18"),
    Column(
        "customer_name", "投保人", ("车主", "客户名称", "客户姓名", "投保人名称", "policyholder", "owner", "name"),
        TEXT, True, "张三",
    ),
    Column(
        "id_number", "证件号", ("证件号码", "身份证号", "身份证号码", "投保人证件号", "统一社会信用代码"),
        IDENTIFIER, True, EXAMPLE_ID,
        gettext_lazy(
            "Resident ID (GB 11643) of a person or unified social credit code (GB 32100) of a company: how the "
            "customer is recognised. Format the column as text."
        ),
    ),
    Column("mobile", "手机", ("手机号", "手机号码", "联系电话", "投保人手机"), IDENTIFIER, False, "13812345678"),
    Column("insured_name", "被保险人", ("被保险人名称", "insured"), TEXT, False, "张三",
           gettext_lazy("Empty: the policyholder.")),
    Column(
        "short_term_reason", "短期原因", ("短期险原因",), CHOICE, False, "",
        gettext_lazy("Only for a CTPL shorter than one year: one of the four cases of Art 20."),
    ),
    Column("confirm_code", "投保确认码", ("确认码",), IDENTIFIER, False, ""),
    Column("payment_ref", "支付流水号", ("收费流水号", "缴费流水号"), IDENTIFIER, False, ""),
    Column("blank_form_serial", "单证流水号", ("单证号", "保单印刷号"), IDENTIFIER, False, ""),
)
TEMPLATE = Template(
    COLUMNS,
    sheet_title="保单导入",
    no_header=gettext_lazy(
        "No header row found in the first %(rows)s rows: name the columns as in the template "
        "(保单号, 保险公司, 车架号 …) or choose the column mapping of this insurer's export."
    ),
    summary_fields=("vin",),
)
FIELDS: dict[str, Column] = TEMPLATE.fields
# Filled from the policy on the page: a re-import compares them only when the file carries them.
POLICY_FIELDS = (
    "start_date", "end_date", "premium", "premium_without_vat", "vat", "vehicle_tax", "issued_on",
    "insured_name", "short_term_reason", "confirm_code", "payment_ref", "blank_form_serial",
)
_ALIASES: dict[str, str] = TEMPLATE.aliases

LINE_WORDS = {
    PolicyLine.CTPL: ("交强险", "交强", "交通强制险", "机动车交通事故责任强制保险", "ctpl", "compulsory"),
    PolicyLine.COMMERCIAL: ("商业险", "商业", "商业车险", "机动车商业保险", "新能源汽车商业保险", "commercial"),
    PolicyLine.NON_MOTOR: ("非车险", "非车", "驾乘险", "驾乘意外险", "non_motor", "nonmotor", "non-motor"),
}
# "是" says new energy without saying which kind: BEV stands for it. What matters for a
# policy is that the NEV clauses apply; the exact kind can be set on the vehicle page.
ENERGY_WORDS = {
    EnergyType.FUEL: ("否", "n", "no", "0", "false", "燃油", "汽油", "柴油", "油", "fuel", "混动", "油电混合", "hev"),
    EnergyType.BEV: ("是", "y", "yes", "1", "true", "新能源", "纯电", "纯电动", "电动", "bev", "ev"),
    EnergyType.PHEV: ("插电混动", "插混", "插电式混合动力", "增程", "增程式", "phev", "erev"),
    EnergyType.FCEV: ("燃料电池", "氢燃料", "氢能", "fcev"),
}


def _word_index(table: dict) -> dict[str, str]:
    return {cells.normalize_key(word): value for value, words in table.items() for word in words}


_LINES = _word_index(LINE_WORDS)
_ENERGIES = _word_index(ENERGY_WORDS)
_SHORT_TERM = {
    **{cells.normalize_key(value): value for value in ShortTermReason.values},
    **{cells.normalize_key(str(label)): value for value, label in ShortTermReason.choices},
}
_RESIDENT_ID_LIKE = re.compile(r"^\d{15,18}$|^\d{17}X$")
# Codes stored in columns of this length (Policy.number, Vehicle.engine_no …).
IDENTIFIER_LIMITS = {
    "policy_number": Policy._meta.get_field("number").max_length,
    "engine_no": Vehicle._meta.get_field("engine_no").max_length,
    "confirm_code": Policy._meta.get_field("confirm_code").max_length,
    "payment_ref": Policy._meta.get_field("payment_ref").max_length,
    "blank_form_serial": Policy._meta.get_field("blank_form_serial").max_length,
}


# ---------------------------------------------------------------- mappings and headers (the template's)
def validate_mapping(mapping) -> dict[str, str]:
    """A column mapping {file header: field}: known fields only, each at most once."""
    return TEMPLATE.validate_mapping(mapping)


def match_headers(cells_row: list, header_row: int, mapping: dict | None = None) -> ColumnMap:
    """Read a header row: the mapping first, then the template's headers and aliases."""
    return TEMPLATE.match_headers(cells_row, header_row, mapping)


def find_header(rows, mapping: dict | None = None) -> ColumnMap:
    """Consume rows up to the header row (within the first ``HEADER_SCAN_ROWS``) and read it."""
    return TEMPLATE.find_header(rows, mapping)


def check_required(columns: ColumnMap, default_insurer=None) -> None:
    TEMPLATE.check_required(columns, exempt=("insurer",) if default_insurer is not None else ())
    if "premium_without_vat" not in columns.index and "vat" not in columns.index:
        raise ValidationError(
            _("Give the premium excluding VAT (不含税保费) or the VAT (增值税): the other is the premium minus it."),
            code="missing_columns",
        )


# ---------------------------------------------------------------- insurers
class InsurerIndex:
    """Insurers by code, registered name, short name, or a branch of the registered name."""

    def __init__(self):
        self.insurers = list(Insurer.objects.all())
        self.exact: dict[str, Insurer] = {}
        for insurer in self.insurers:
            for name in (insurer.code, insurer.name, insurer.short_name):
                self.exact.setdefault(cells.normalize_key(name), insurer)
        self.cache: dict[str, Insurer] = {}

    def resolve(self, value) -> Insurer:
        key = cells.normalize_key(value)
        if key in self.cache:
            return self.cache[key]
        insurer = self.exact.get(key)
        if insurer is None and key:
            # "中国人民财产保险股份有限公司广州市分公司": a branch of the registered company.
            found = {i.pk: i for i in self.insurers if key.startswith(cells.normalize_key(i.name))}
            if len(found) == 1:
                insurer = next(iter(found.values()))
        if insurer is None:
            raise ValidationError(
                _("Unknown insurer: write its name, short name or code (e.g. 人保财险 or PICC)."),
                code="insurer_unknown",
            )
        self.cache[key] = insurer
        return insurer


# Service error keys → the import field (and so the column) they are about.
STAGE_FIELDS = {
    "customer": {"name": "customer_name", "mobile": "mobile", "id_number": "id_number", "uscc": "id_number",
                 "kind": "id_number", NON_FIELD_ERRORS: "customer_name"},
    "vehicle": {"vin": "vin", "plate": "plate", "energy_type": "energy_type", "brand": "brand",
                "engine_no": "engine_no", "series": "series", "owner": "customer_name",
                "first_registration_date": "first_registration_date", NON_FIELD_ERRORS: "vin"},
    "policy": {"policyholder": "customer_name", "line": "line", "vehicle": "engine_no", "number": "policy_number",
               "insurer": "insurer", "start_date": "start_date", "end_date": "end_date", "premium": "premium",
               "premium_without_vat": "premium_without_vat", "vat": "vat", "vehicle_tax": "vehicle_tax",
               "issued_on": "issued_on", "insured_name": "insured_name", "short_term_reason": "short_term_reason",
               "confirm_code": "confirm_code", "payment_ref": "payment_ref",
               "blank_form_serial": "blank_form_serial", NON_FIELD_ERRORS: "policy_number"},
}
# A constraint message says which column it is about even though Django files it as non-field.
_PLATE_UNIQUE = next(c for c in Vehicle._meta.constraints if "plate" in c.name)


class PolicyImporter(TabularImporter):
    """Reads policy rows and saves them through the services: the customer, the
    vehicle, then the policy (the file's transaction, the parsing and the error
    list are ``TabularImporter``'s)."""

    template = TEMPLATE
    STAGE_FIELDS = STAGE_FIELDS
    masked_fields = frozenset({"id_number"})
    identifier_limits = IDENTIFIER_LIMITS

    def __init__(self, *, mapping=None, **kwargs):
        super().__init__(mapping=mapping, **kwargs)
        self.insurers = InsurerIndex()
        self.default_insurer = getattr(mapping, "insurer", None)
        # (insurer id, policy number) → row, for the policies saved from this file.
        self.seen: dict[tuple[int, str], int] = {}
        # Customer and vehicle ids → the first row of this file that named them. A customer
        # or vehicle on several rows (a car's CTPL and commercial, a customer's two cars,
        # policies of several years) takes its details from the first; later rows do not
        # change it again, so importing the file twice changes nothing the second time.
        self.customers_named: dict[int, int] = {}
        self.vehicles_named: dict[int, int] = {}
        # New policies pass every rule row by row (``prepare_policy``) and are inserted
        # a chunk at a time; the context lets each row see the chunk's earlier ones.
        self.context = BatchIssueContext()
        self.pending: list[tuple[ImportRow, Policy]] = []

    # ------------------------------------------------------------ parsing
    def check_required(self, columns: ColumnMap) -> None:
        check_required(columns, self.default_insurer)

    def required_exempt(self, field_name: str) -> bool:
        return field_name == "insurer" and self.default_insurer is not None

    def complete_row(self, row: ImportRow) -> None:
        if not row.has("insurer") and self.default_insurer is not None:
            row.values["insurer"] = self.default_insurer
        self._complete_money(row)

    def parse_date(self, field_name: str, raw):
        return cells.parse_date(raw, end=field_name == "end_date")

    def parse_text(self, field_name: str, value: str):
        if field_name == "insurer":
            return self.insurers.resolve(value)
        if field_name == "line":
            return self.choice(_LINES, value, _("Unknown line: write 交强险, 商业险 or 非车险 (ctpl, commercial, "
                                                "non_motor)."), "line_unknown")
        if field_name == "energy_type":
            message = _("Unknown energy type: write 是/否, or 燃油, 纯电, 插电混动, 燃料电池.")
            return self.choice(_ENERGIES, value, message, "energy_unknown")
        if field_name == "short_term_reason":
            return self.choice(_SHORT_TERM, value, _("Unknown short-term case: use one of the four of Art 20: "
                                                     "%(cases)s.") % {"cases": "、".join(
                                                         str(label) for label in ShortTermReason.labels)},
                               "short_term_unknown")
        if field_name in ("customer_name", "insured_name") and len(value) > 100:
            raise ValidationError(_("A name has at most 100 characters."), code="max_length")
        return value

    def check_identifier(self, field_name: str, value: str) -> str:
        if field_name == "id_number":
            upper = value.upper()
            # Digits (and a final X) are a resident ID; letters make it a company's USCC.
            return validate_resident_id(upper) if _RESIDENT_ID_LIKE.match(upper) else validate_uscc(upper)
        return super().check_identifier(field_name, value)

    def _complete_money(self, row: ImportRow):
        premium = row.get("premium")
        if premium is None:
            return
        if row.get("premium_without_vat") is None and row.get("vat") is not None:
            row.values["premium_without_vat"] = premium - row.values["vat"]
        elif row.get("vat") is None and row.get("premium_without_vat") is not None:
            row.values["vat"] = premium - row.values["premium_without_vat"]
        elif row.get("vat") is None and row.get("premium_without_vat") is None:
            if not any(e.field in ("vat", "premium_without_vat") for e in row.errors):
                self._add_error(row, "premium_without_vat", _(
                    "Give the premium excluding VAT or the VAT: the other one is the premium minus it."
                ), "required")

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

    def _flush(self):
        """Insert the chunk's new policies in one statement, with their audit entries.

        Every rule was checked when each row was prepared, against the database and
        the rows before it. Only a policy saved by someone else since then (the same
        number, or on PostgreSQL an overlapping CTPL) can make the insert fail: then
        the policies are inserted one by one and the clashing rows reported
        (``insert_pending``).
        """
        pending, self.pending = self.pending, []
        if not pending:
            return
        policies = self.insert_pending(Policy, pending, field_name="policy_number", message=_(
            "Another user saved this policy number, or a CTPL for this vehicle and period, "
            "while the file was being imported."
        ))
        with audit_actor(self.actor):
            log_created(policies)
        policies_recorded.send(sender=Policy, vehicle_ids={policy.vehicle_id for policy in policies},
                                policies=policies)

    def _prefetch(self, rows: list[ImportRow]):
        """One query per kind for the chunk: the customers, vehicles and policies its rows name."""
        hashes, usccs, vins, numbers = set(), set(), set(), set()
        for row in rows:
            identity = row.values["id_number"]
            if _RESIDENT_ID_LIKE.match(identity):
                hashes.add(crypto.blind_index(identity))
            else:
                usccs.add(identity)
            vins.add(row.values["vin"])
            numbers.add(row.values["policy_number"])
        customers = Customer.objects.filter(store=self.store, merged_into__isnull=True)
        self.customers: dict[tuple[str, str], Customer | None] = {
            **{("id", h): None for h in hashes}, **{("uscc", u): None for u in usccs},
        }
        for customer in customers.filter(id_number_hash__in=hashes):
            self.customers[("id", customer.id_number_hash)] = customer
        for customer in customers.filter(uscc__in=usccs):
            self.customers[("uscc", customer.uscc)] = customer
        self.vehicles: dict[str, Vehicle | None] = dict.fromkeys(vins)
        # Locked as issue_policy locks one: a page issuing for the same car waits.
        for vehicle in Vehicle.objects.select_for_update().filter(store=self.store, vin__in=vins):
            self.vehicles[vehicle.vin] = vehicle
        self.context.load(vehicle.pk for vehicle in self.vehicles.values() if vehicle is not None)
        # One update of the store's counter for the chunk's new vehicles (a row rolled
        # back leaves a gap in the numbering, never a duplicate).
        new = sum(1 for vehicle in self.vehicles.values() if vehicle is None)
        self.archive_numbers = iter(customer_services.reserve_archive_numbers(self.store.pk, new) if new else ())
        self.policies: dict[tuple[int, str], Policy] = {
            (p.insurer_id, p.number): p for p in Policy.objects.filter(number__in=numbers)
        }

    def _save_row(self, row: ImportRow):
        key = (row.values["insurer"].pk, row.values["policy_number"])
        if key in self.seen:
            self._add_error(row, "policy_number", _(
                "Policy %(number)s of %(insurer)s is also on row %(row)s of this file: one row per policy."
            ) % {"number": key[1], "insurer": row.values["insurer"], "row": self.seen[key]}, "duplicate_in_file")
            self._fail(row)
            return
        saved = self.save_in_savepoint(row, "policy_number", lambda: self._save(row, key))
        if saved is None:
            return
        outcome, customer, vehicle = saved
        self.seen[key] = row.number
        self.customers_named.setdefault(customer.pk, row.number)
        self.vehicles_named.setdefault(vehicle.pk, row.number)
        setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)

    def _save(self, row: ImportRow, key) -> tuple[str, Customer, Vehicle]:
        from chexian.imports.services import update_imported_policy

        existing = self.policies.get(key)
        if existing is not None and existing.store_id != self.store.pk:
            raise RowFailure("policy", _field_error("number", _(
                "Policy %(number)s of %(insurer)s is recorded by another store: a policy belongs to one store."
            ) % {"number": key[1], "insurer": row.values["insurer"]}, "policy_other_store"))
        customer, customer_changed = self._customer(row)
        vehicle, vehicle_changed = self._vehicle(row, customer)
        data = self._policy_input(row, customer, vehicle, existing)
        try:
            if existing is None:
                policy = prepare_policy(actor=self.actor, data=data, vehicle=vehicle, source=PolicySource.IMPORT,
                                        context=self.context)
                self.pending.append((row, policy))
                self.policies[key] = policy
                return "created", customer, vehicle
            provided = [name for name in POLICY_FIELDS if row.has(name)]
            if "premium" in provided:  # the split is completed from the premium when one half is missing
                provided += [name for name in ("premium_without_vat", "vat") if name not in provided]
            policy, changed = update_imported_policy(actor=self.actor, policy=existing, data=data, fields=provided)
        except ValidationError as exc:
            raise RowFailure("policy", exc) from None
        self.policies[key] = policy
        outcome = "updated" if changed or customer_changed or vehicle_changed else "unchanged"
        return outcome, customer, vehicle

    def _customer(self, row: ImportRow) -> tuple[Customer, bool]:
        identity = row.values["id_number"]
        person = bool(_RESIDENT_ID_LIKE.match(identity))
        key = ("id", crypto.blind_index(identity)) if person else ("uscc", identity)
        if key in self.customers:
            customer = self.customers[key]
        else:  # a row rolled back since the chunk's prefetch: read it again
            lookup = {"id_number_hash": key[1]} if person else {"uscc": identity}
            customer = Customer.objects.filter(store=self.store, merged_into__isnull=True, **lookup).first()
        try:
            if customer is None:
                data = {"store": self.store, "kind": CustomerKind.PERSON if person else CustomerKind.COMPANY,
                        "name": row.values["customer_name"], "mobile": row.get("mobile", ""),
                        "source": CustomerSource.IMPORT}
                data["id_number" if person else "uscc"] = identity
                customer = customer_services.save_customer(actor=self.actor, data=data)
                changed = True
            elif customer.pk in self.customers_named:
                if row.values["customer_name"] != customer.name:
                    raise _field_error("name", _(
                        "This identity number is also on row %(row)s, under the name %(name)s: one person, one name."
                    ) % {"row": self.customers_named[customer.pk], "name": customer.name}, "customer_name_conflict")
                changed = False
            else:
                changes = {}
                if row.values["customer_name"] != customer.name:
                    changes["name"] = row.values["customer_name"]
                if row.has("mobile") and row.values["mobile"] != customer.mobile:
                    changes["mobile"] = row.values["mobile"]
                if changes:
                    customer_services.save_customer(actor=self.actor, data=changes, customer=customer)
                changed = bool(changes)
        except ValidationError as exc:
            raise RowFailure("customer", exc) from None
        self.customers[key] = customer
        return customer, changed

    def _vehicle(self, row: ImportRow, customer: Customer) -> tuple[Vehicle, bool]:
        vin = row.values["vin"]
        if vin in self.vehicles:
            vehicle = self.vehicles[vin]
        else:
            vehicle = Vehicle.objects.filter(store=self.store, vin=vin).first()
        energy = row.get("energy_type")
        try:
            if vehicle is None:
                plate = row.get("plate", "")
                if energy is None:
                    energy = EnergyType.BEV if plate and is_new_energy_plate(plate) else EnergyType.FUEL
                data = {"store": self.store, "owner": customer, "vin": vin, "plate": plate,
                        "engine_no": row.get("engine_no", ""), "brand": row.get("brand", ""),
                        "series": row.get("series", ""), "energy_type": energy,
                        "first_registration_date": row.get("first_registration_date")}
                vehicle = customer_services.save_vehicle(
                    actor=self.actor, data=data, ownership_start=min(row.values["start_date"], self.today),
                    archive_no=next(self.archive_numbers, None),
                )
                self.context.new_vehicle(vehicle)
                changed = True
            elif vehicle.pk in self.vehicles_named:
                changed = False  # set by an earlier row of this file
            else:
                changes = {
                    name: row.values[name]
                    for name in ("plate", "engine_no", "brand", "series", "first_registration_date")
                    if row.has(name) and row.values[name] != getattr(vehicle, name)
                }
                if energy is not None and energy != vehicle.energy_type:
                    changes["energy_type"] = energy
                if changes:
                    customer_services.save_vehicle(actor=self.actor, data=changes, vehicle=vehicle)
                changed = bool(changes)
        except ValidationError as exc:
            raise RowFailure("vehicle", exc) from None
        self.vehicles[vin] = vehicle
        return vehicle, changed

    def _policy_input(self, row: ImportRow, customer, vehicle, existing) -> PolicyInput:
        values = row.values
        start = values["start_date"]
        issued_on = row.get("issued_on") or (existing.issued_on if existing else min(start, self.today))
        return PolicyInput(
            vehicle=vehicle,
            policyholder=customer,
            insurer=values["insurer"],
            line=values["line"],
            number=values["policy_number"],
            start_date=start,
            end_date=values["end_date"],
            premium=values["premium"],
            premium_without_vat=values["premium_without_vat"],
            vat=values["vat"],
            vehicle_tax=row.get("vehicle_tax", Decimal("0.00")),
            insured_name=row.get("insured_name", ""),
            short_term_reason=row.get("short_term_reason", ""),
            confirm_code=row.get("confirm_code", ""),
            issued_on=issued_on,
            payment_ref=row.get("payment_ref", ""),
            blank_form_serial=row.get("blank_form_serial", ""),
        )

    def _forget(self, row: ImportRow):
        """A rolled-back row may have changed cached instances: read them again when next needed."""
        identity = row.values["id_number"]
        person = bool(_RESIDENT_ID_LIKE.match(identity))
        self.customers.pop(("id", crypto.blind_index(identity)) if person else ("uscc", identity), None)
        self.vehicles.pop(row.values["vin"], None)

    def error_target(self, row: ImportRow, stage: str, key: str, message: str) -> str | None:
        # A constraint message says which column it is about even though Django files it as non-field.
        if stage == "vehicle" and key == NON_FIELD_ERRORS and message == str(
            _PLATE_UNIQUE.get_violation_error_message()
        ):
            return "plate"
        if stage == "policy" and key == "vehicle" and not row.has("plate"):
            return "engine_no"
        return None


def raise_permission(actor, store):
    from chexian.org.permissions import can

    if not can(actor, "policy.import", store.pk):
        raise PermissionDenied(_("Your role may not import policies in this store."))
