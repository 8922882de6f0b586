"""Print docs/permissions.md from the permission matrix in chexian/org/permissions.py.

Run from the repository root:

    .venv/bin/python docs/_gen_permissions.py > docs/permissions.md

The matrix in code is the truth; this page is only its picture. Regenerate it
whenever MATRIX or OWNER_ACTIONS changes. An action without a description below
is still listed (with "—") and named on stderr, so a new action never goes
missing from the page silently.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chexian.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from chexian.org.choices import GROUP_WIDE_ROLES, Role  # noqa: E402
from chexian.org.permissions import ALL_ACTIONS, MATRIX, OWNER_ACTIONS  # noqa: E402

# Chinese role names as SPEC §1 uses them.
ROLE_ZH = {
    Role.GROUP_OFFICE: "集团保险管理科",
    Role.AUDITOR: "审计",
    Role.STORE_MANAGER: "店长",
    Role.SUPERVISOR: "保险主管",
    Role.ISSUER: "出单员/续保专员",
    Role.ADJUSTER: "理赔员",
    Role.SALES: "销售顾问",
    Role.DEPARTMENT: "部门员工",
    Role.FINANCE: "财务",
    Role.AFTERSALES_MANAGER: "售后经理",
    Role.CASHIER: "收银员",
    Role.FINANCE_MANAGER: "财务经理",
}

ACTIONS = {
    "store.view": ("see the store", "查看门店"),
    "customer.view": ("list, search and open customers (ID masked)", "查看、搜索客户（证件号码脱敏）"),
    "customer.see_contact": ("see full mobile numbers (others see `138****5678`)", "查看完整手机号"),
    "customer.unmask": ("show the full identity number (logged)", "查看完整证件号码（记录日志）"),
    "customer.add": ("create customers", "新建客户"),
    "customer.change": ("edit customers", "修改客户"),
    "customer.merge": ("merge duplicate customers", "合并重复客户"),
    "customer.export": ("export customers (masked, logged)", "导出客户（脱敏，记录日志）"),
    "vehicle.view": ("list, search and open vehicles", "查看、搜索车辆"),
    "vehicle.add": ("create vehicles (allocates the archive number)", "新建车辆（分配档案号）"),
    "vehicle.change": ("edit vehicles", "修改车辆"),
    "vehicle.transfer": ("transfer a vehicle to a new owner (过户)", "车辆过户"),
    "vehicle.export": ("export vehicles (masked, logged)", "导出车辆（脱敏，记录日志）"),
    "audit.view": ("read the audit log", "查看审计日志"),
    "insurer.view": ("see the insurers", "查看保险公司"),
    "contract.view": ("see agency contracts and licences", "查看兼业代理合同与许可"),
    "contract.propose": ("propose a partner insurer (contract)", "提出合作保险公司（合同）"),
    "contract.approve": ("approve or reject a proposed contract", "审批或驳回合同"),
    "contract.legal_review": ("record the legal review (activates the contract)", "登记法务审核（合同生效）"),
    "quote.view": ("see quotes", "查看报价"),
    "quote.add": ("create quotes", "新建报价"),
    "quote.change": ("enter insurers' offers and choose one", "录入保险公司报价并选定"),
    "policy.view": ("see policies", "查看保单"),
    "policy.add": ("issue policies", "出单"),
    "policy.change": ("endorse policies (批改)", "保单批改"),
    "policy.cancel": ("cancel policies (退保)", "退保"),
    "policy.import": ("import policies from insurer exports", "导入保险公司导出的保单"),
    "renewal.view": ("see renewal cases, reminder rules and contacts", "查看续保任务、提醒规则和联系记录"),
    "renewal.work": ("log calls and outcomes, mark a renewal lost", "登记回访结果、标记续保战败"),
    "renewal.assign": ("reassign renewal cases to specialists", "将续保任务重新分配给续保专员"),
    "renewal.configure": ("change the store's reminder rules", "修改门店的续保提醒规则"),
    "renewal.run": ("run the daily job from the web", "在网页上运行每日任务"),
    "message.view": ("see the messages sent to customers", "查看发送给客户的消息"),
    "lead.add": ("log a lead or a referral", "登记意向客户或联动推荐"),
    "lead.refer": ("use the referral form (联动)", "使用联动推荐表单"),
    "lead.board": ("see the linkage leaderboard", "查看联动公示榜"),
    "lead.view": ("see the store's leads", "查看门店的意向客户"),
    "lead.work": ("follow up leads, record customer visits (回访)", "跟进意向客户、登记回访"),
    "repair.work": ("record the outcome of a repair opportunity", "登记留修机会的结果"),
    "policy.export": ("export policies as CSV (logged)", "导出保单 CSV（记录日志）"),
    "service.view": ("see after-sales service orders (工单) and 在修不在保", "查看售后工单及在修不在保"),
    "service.add": ("enter a service order by hand", "手工录入工单"),
    "service.import": ("import service orders from the DMS", "从 DMS 导入工单"),
    "commission.view": ("see commission figures per day, issuer and insurer", "查看按日、出单员、保险公司汇总的手续费"),
    "claim.view": ("see claim cases, their documents, handovers and tracking", "查看理赔案件、单证、交接与跟踪"),
    "claim.add": ("open a claim case for an accident car", "为事故车新建理赔案件"),
    "claim.work": ("move a claim through its steps, upload photos, hand over, record old parts, request a "
                   "third-party payout", "推进理赔步骤、上传照片、交接、登记旧件、申请三者回款"),
    "payout.pay": ("record the payee's receipt and pay a signed third-party payout (signing itself needs the "
                   "signer's role: adjuster, after-sales manager, cashier, finance manager, store manager)",
                   "登记三者签收并支付已签批的三者回款（签字本身需由理赔员、售后经理、收银员、财务经理、店长本人签）"),
    "blankform.view": ("see the blank-form register, who holds which forms and the day count",
                       "查看重要单证登记簿、单证持有人及日终盘点"),
    "blankform.manage": ("receive serial ranges, issue forms to a person, return them, report them lost",
                         "登记领用的单证号段、发放单证给个人、退回保险公司、登记遗失"),
    "blankform.use": ("use a form one holds for a policy, void a spoilt form (original kept)",
                      "将持有的单证用于保单、作废损坏的单证（保留原件）"),
    "statement.view": ("see the monthly commission statements, their lines and the insurer's differences",
                       "查看月度手续费对账单、明细及与保险公司的差异"),
    "statement.manage": ("build, send, confirm, invoice and close statements; import the insurer's confirmation; "
                         "match commission remittances to statements",
                         "生成、发送、确认、开票、关闭对账单；导入保险公司确认文件；将手续费回款匹配到对账单"),
    "incentive.view": ("see gifts and rebates recorded against policies, with their compliance warning",
                       "查看保单上登记的礼包与返利及其合规警示"),
    "incentive.add": ("record a gift package or rebate against a policy (needs approval)",
                      "在保单上登记礼包或返利（需审批）"),
    "incentive.approve": ("approve or reject a gift or rebate, with a reason", "审批或驳回礼包、返利（须写明理由）"),
    "incentive.redeem": ("record that a gift item was redeemed (wash, maintenance) at its real cost",
                         "登记礼包项目的兑现（洗车、保养）及实际成本"),
    "compliance.view": ("see the compliance report of gifts and rebates per store and month",
                        "查看门店每月礼包与返利合规报表"),
    "profit.view": ("see profit per policy, specialist, store and month, with its parts",
                    "查看每单、每位专员、每店每月的利润及其构成"),
    "report.view": ("see the KPIs, the dashboard and the reports of one's stores; export them",
                    "查看本店的关键指标、看板和报表并导出"),
    "report.group": ("see the group's reports and the ranking of stores", "查看集团报表和门店排名"),
    "report.close": ("close a month: freeze its reports as submitted", "月结：冻结当月报表作为上报版本"),
    "remittance.view": ("see insurer remittances (回款), their lines and matches", "查看保险公司回款、明细及匹配"),
    "remittance.add": ("enter or import an insurer remittance", "录入或导入保险公司回款"),
    "remittance.match": ("match remittance money to claim cases, undo a match", "将回款匹配到理赔案件、撤销匹配"),
}

ROLE_ORDER = list(Role)


def action_sort_key(action: str):
    obj, _, verb = action.partition(".")
    objects = ["store", "customer", "vehicle", "audit"]
    verbs = ["view", "see_contact", "unmask", "add", "change", "merge", "transfer", "export"]
    return (
        objects.index(obj) if obj in objects else len(objects),
        obj,
        verbs.index(verb) if verb in verbs else len(verbs),
        verb,
    )


def cell(role, action) -> str:
    if action in MATRIX.get(role, ()):
        return "✓"
    if role == Role.SALES and action in OWNER_ACTIONS:
        return "own"
    return ""


def main() -> None:
    out = []
    w = out.append
    w("<!-- Generated by docs/_gen_permissions.py from chexian/org/permissions.py. Do not edit by hand:")
    w("     change MATRIX / OWNER_ACTIONS, then run")
    w("     .venv/bin/python docs/_gen_permissions.py > docs/permissions.md -->")
    w("")
    w("# Permissions / 权限")
    w("")
    w("Who may do what. Every action is allowed **per store**: a role held in store S01 allows the")
    w("action in S01 only; the group-wide roles (group insurance office, auditor) hold it in every")
    w("store of their group. A user with several roles gets the union. Superusers may do everything")
    w("everywhere. The decision is made in one place, `chexian/org/permissions.py`")
    w("(`stores_for`, `can`, `owner_stores_for`), and applied to every query by")
    w("`RestrictedQuerySet.restrict()` — see [organisation](domain/organisation.md).")
    w("")
    w("谁能做什么。所有权限都**按门店**生效；集团保险管理科和审计对本集团所有门店生效；")
    w("一人多角色时取并集；超级用户不受限制。")
    w("")
    w("- ✓ — allowed in the stores where the user holds the role.")
    w("- **own** — a sales consultant may do this only for customers whose *owner staff* is")
    w("  themselves, and for those customers' vehicles (`OWNER_ACTIONS`, checked by")
    w("  `chexian.customers.access.may` / `may_on_vehicle`).")
    w("- empty — not allowed: the page or API answers 403. An object of a store the user")
    w("  cannot see at all answers 404, exactly like a missing one.")
    w("")

    with translation.override("en"):
        header = ["action", *[f"{r.label}<br>{ROLE_ZH.get(r, '')}" for r in ROLE_ORDER]]
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    missing = []
    for action in sorted(ALL_ACTIONS, key=action_sort_key):
        en, zh = ACTIONS.get(action, ("—", ""))
        if action not in ACTIONS:
            missing.append(action)
        label = f"`{action}`<br>{en}" + (f"<br>{zh}" if zh else "")
        w("| " + " | ".join([label, *[cell(r, action) for r in ROLE_ORDER]]) + " |")
    w("")
    with translation.override("en"):
        group_wide = ", ".join(str(r.label) for r in ROLE_ORDER if r in GROUP_WIDE_ROLES)
    w(f"Group-wide roles (no store on the `StaffRole`, every store of the group): {group_wide}.")
    w("")
    w("## What the roles mean in practice")
    w("")
    w("- **Identity numbers** are masked for everyone (`110105********002X`). Roles with")
    w("  `customer.unmask` can press *show* on one customer; each press writes an audit entry.")
    w("  Department staff never can; a sales consultant only for their own customers.")
    w("- **Mobile numbers** are shown in full to roles with `customer.see_contact`; department")
    w("  staff, and sales consultants looking at someone else's customer, see `138****5678`.")
    w("- **Exports** are for the store's supervisor and manager, the group office and the auditor;")
    w("  every export is masked and written to the audit log.")
    w("- **Merging** duplicates is for the supervisor and the store manager only.")
    w("")
    print("\n".join(out))
    if missing:
        print(f"_gen_permissions: no description for {', '.join(missing)}", file=sys.stderr)


if __name__ == "__main__":
    main()
