"""The handover list (交接单) and the old-parts list (旧件交接单) as printed PDFs:
Chinese text with the embedded Noto Sans CJK SC font, the cases grouped by filing
tier with their subtotals, masked plates, the printer's watermark, an export entry
in the audit log. Cases are walked to the handover through the real services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from chexian.claims import services
from chexian.claims.choices import OldPartsOutcome, Tier
from chexian.claims.sheets import handover_pdf, old_parts_pdf
from chexian.claims.testing import case_at_handover, claims_crew
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.pdf_testing import embedded_fonts, pdf_text
from chexian.insurers.models import Insurer

pytestmark = pytest.mark.django_db

# Settlement amounts → filing tiers: the limits belong to the tier below (tier_of).
SETTLEMENTS = {
    Tier.SMALL: [Decimal("3200.00"), Decimal("4999.99")],
    Tier.MEDIUM: [Decimal("5000.00"), Decimal("10000.00")],
    Tier.LARGE: [Decimal("12500.00")],
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def crew(cast):
    return claims_crew(cast)


@pytest.fixture
def cases(crew, cast):
    """Five filed cases of store A with PICC, two in the small tier, two in the medium, one large."""
    return {
        tier: [case_at_handover(crew.adjuster, cast.store_a,
                                settlement={"settlement_amount": amount, "insurer_amount": amount - Decimal("200")})
               for amount in amounts]
        for tier, amounts in SETTLEMENTS.items()
    }


@pytest.fixture
def batch(crew, cast, cases):
    every = [case for tier_cases in cases.values() for case in tier_cases]
    return services.hand_over(actor=crew.adjuster, store=cast.store_a, insurer=Insurer.objects.get(code="PICC"),
                              cases=every, handed_over_on=timezone.localdate(), received_by="赵收案")


def test_the_handover_list_prints_in_chinese_with_the_embedded_cjk_font(crew, batch):
    content = handover_pdf(batch, user=crew.adjuster)

    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "理赔案件交接单" in text
    assert "A01店" in text and "中国人民财产保险股份有限公司" in text
    assert "赵收案" in text and batch.number in text
    assert timezone.localdate().strftime("%Y-%m-%d") in text
    assert "交接人" in text and "接收人" in text
    assert "Noto-Sans-CJK-SC" in embedded_fonts(content)


def test_the_handover_list_groups_the_cases_by_tier_with_subtotals_and_a_total(crew, batch, cases):
    text = pdf_text(handover_pdf(batch, user=crew.adjuster))

    for tier_cases in cases.values():
        for case in tier_cases:
            assert case.number in text and case.report_no in text
    # Tiers in order, each with its cases under it.
    positions = [text.index(str(Tier(tier).label)) for tier in (Tier.SMALL, Tier.MEDIUM, Tier.LARGE)]
    assert positions == sorted(positions)
    small_block = text[positions[0]:positions[1]]
    assert all(case.number in small_block for case in cases[Tier.SMALL])
    assert not any(case.number in small_block for case in cases[Tier.MEDIUM] + cases[Tier.LARGE])
    # Settlement and due subtotals per tier (due = settlement − 200 for every case), then the total.
    assert "¥8,199.99" in text and "¥7,799.99" in text
    assert "¥15,000.00" in text and "¥14,600.00" in text
    assert "¥12,500.00" in text and "¥12,300.00" in text
    assert "¥35,699.99" in text and "¥34,699.99" in text
    assert batch.total_amount == Decimal("34699.99")


def test_the_handover_list_masks_plates_and_carries_the_printers_watermark(crew, cast, batch, cases):
    text = pdf_text(handover_pdf(batch, user=cast.a_manager))

    plate = cases[Tier.LARGE][0].vehicle.plate
    assert plate not in text and plate[-6:] in text
    assert "Printed by a-manager at" in text
    assert timezone.localtime().strftime("%Y-%m-%d") in text


def test_printing_the_handover_list_is_an_audited_export(crew, batch):
    handover_pdf(batch, user=crew.adjuster, reason="交保险公司")

    entry = AuditLog.objects.get(action=AuditAction.EXPORT, content_type__model="handoverbatch",
                                 object_id=str(batch.pk))
    assert entry.actor == crew.adjuster and entry.store_id == batch.store_id
    assert entry.after == {"format": "pdf", "sheet": "handover", "cases": 5, "total_due": "34699.99"}
    assert entry.reason == "交保险公司"


def test_a_returned_case_stays_on_the_list_it_was_handed_over_with(crew, batch, cases):
    returned = cases[Tier.LARGE][0]
    services.return_by_insurer(actor=crew.adjuster, case=returned, reason="缺少事故认定书")

    text = pdf_text(handover_pdf(batch, user=crew.adjuster))

    assert returned.number in text and "Over ¥10,000" in text


@pytest.mark.parametrize("outcome, title, signer", [
    (OldPartsOutcome.HANDED_OVER, "旧件交接单", "接收人"),
    (OldPartsOutcome.DESTROYED, "旧件销毁记录", "监销人"),
])
def test_the_old_parts_list_prints_its_cases_and_signatures(crew, cast, batch, cases, outcome, title, signer):
    handed = cases[Tier.SMALL]
    record = services.record_old_parts(
        actor=crew.adjuster, store=cast.store_a, insurer=batch.insurer, cases=handed, outcome=outcome,
        done_on=timezone.localdate(), signed_by_store="王质检", signed_by_insurer="赵收案", note="后保险杠 1 件")

    content = old_parts_pdf(record, user=crew.adjuster)

    text = pdf_text(content)
    assert title in text and signer in text and "后保险杠" in text and "王质检" in text
    assert all(case.number in text for case in handed)
    assert not any(case.number in text for case in cases[Tier.LARGE])
    assert "Noto-Sans-CJK-SC" in embedded_fonts(content)
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, content_type__model="oldpartshandover",
                                   object_id=str(record.pk)).exists()
