"""Catalog pages, read as the permission model: anyone with ``insurer.view`` in a
store reads the (group-wide) catalog; anonymous → login; no role → 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chexian.catalog.models import Coverage, PlanTemplate
from chexian.catalog.templatetags.catalog import format_limit
from chexian.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def urls():
    template = PlanTemplate.objects.get(code="nev_2021_full")
    return [
        reverse("catalog:coverage_list"),
        reverse("catalog:template_list"),
        reverse("catalog:template_detail", args=[template.pk]),
    ]


@pytest.mark.parametrize("role", ["a_issuer", "a_sales", "a_dept", "b_issuer", "office", "auditor"])
def test_store_users_read_the_catalog(client, cast, role):
    client.force_login(getattr(cast, role))
    for url in urls():
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_log_in(client):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client, cast):
    client.force_login(make_user("nobody"))
    for url in urls():
        assert client.get(url).status_code == 403


def test_coverage_list_groups_by_family_with_limits_and_dates(client, cast, django_assert_max_num_queries):
    client.force_login(cast.a_issuer)
    with django_assert_max_num_queries(5):  # session, user, roles, count, coverages with their main
        response = client.get(reverse("catalog:coverage_list"))
    page = response.content.decode()
    for family in ("ctpl", "commercial_2020", "nev_2021", "non_motor"):
        assert f'id="coverages-{family}"' in page
    assert page.index('id="coverages-ctpl"') < page.index('id="coverages-commercial_2020"') < page.index(
        'id="coverages-nev_2021"') < page.index('id="coverages-non_motor"')
    assert "¥100,000 · ¥150,000" in page and "¥10,000,000" in page
    assert "5% · 10% · 15% · 20%" in page
    assert "外部电网故障损失险" in page and "2021-12-27" in page and "2020-09-19" in page
    assert "180,000" in page


def test_coverage_list_filters_by_family_and_date(client, cast):
    client.force_login(cast.a_issuer)
    page = client.get(reverse("catalog:coverage_list"), {"family": "nev_2021"}).content.decode()
    assert "自用充电桩责任保险" in page and 'id="coverages-commercial_2020"' not in page
    page = client.get(reverse("catalog:coverage_list"), {"on": "2021-01-01"}).content.decode()
    assert 'id="coverages-nev_2021"' not in page and 'id="coverages-commercial_2020"' in page


def test_template_list_shows_the_sixteen_templates(client, cast, django_assert_max_num_queries):
    client.force_login(cast.a_issuer)
    with django_assert_max_num_queries(6):  # ... count, templates, their items with coverages
        page = client.get(reverse("catalog:template_list")).content.decode()
    for template in PlanTemplate.objects.all():
        assert template.name in page
    assert "compulsory insurance (交强险) only" in page


def test_template_detail_shows_items_and_the_chinese_note(client, cast):
    client.force_login(cast.a_issuer)
    template = PlanTemplate.objects.get(code="commercial_2020_economy")
    page = client.get(reverse("catalog:template_detail", args=[template.pk])).content.decode()
    assert "已并入2020年改革后的车损险" in page
    assert "¥2,000,000" in page and "¥10,000 per seat" in page and "No limit to choose" in page


def test_a_missing_template_is_404(client, cast):
    client.force_login(cast.a_issuer)
    assert client.get(reverse("catalog:template_detail", args=[999999])).status_code == 404


def test_pages_are_chinese_by_default(client, cast, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(cast.a_issuer)
    page = client.get(reverse("catalog:coverage_list")).content.decode()
    assert "交强险" in page


def test_limits_read_per_limit_kind():
    assert format_limit("tier", "1000000") == "¥1,000,000"
    assert format_limit("percent", "10") == "10%"
    assert format_limit("per_seat", "20000") == "¥20,000 per seat"
    assert format_limit("per_day", "150.50") == "¥150.50 per day"
    assert format_limit("amount", None) == "—"


def test_admin_lists_and_template_change_form(client, cast):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    template = PlanTemplate.objects.get(code="commercial_2020_full")
    for url in (reverse("admin:catalog_coverage_changelist"), reverse("admin:catalog_plantemplate_changelist"),
                reverse("admin:catalog_plantemplate_change", args=[template.pk])):
        assert client.get(url).status_code == 200, url


def _template_post(**items):
    data = {
        "code": "test_plan", "name": "测试方案", "family": "commercial_2020", "level": "", "profile": "",
        "note": "测试", "sort_order": 100,
        "items-TOTAL_FORMS": len(items), "items-INITIAL_FORMS": 0, "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    for i, (code, limit) in enumerate(items.items()):
        data[f"items-{i}-coverage"] = Coverage.objects.get(code=code).pk
        data[f"items-{i}-limit"] = limit
    return data


def test_admin_refuses_a_template_item_the_plan_rules_refuse(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_plantemplate_add")
    response = client.post(url, _template_post(nev_third_party="1000000", scratch="3000"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "新能源三者险" in page and "车身划痕损失险" in page
    assert not PlanTemplate.objects.filter(code="test_plan").exists()
    response = client.post(url, _template_post(vehicle_damage="", third_party="1000000", scratch="5000"))
    assert response.status_code == 302
    assert PlanTemplate.objects.get(code="test_plan").items.count() == 3


def test_admin_refuses_a_tiered_coverage_without_tiers_and_a_main_that_requires(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    data = {
        "code": "test_cov", "name": "测试", "family": "commercial_2020", "kind": "main", "limit_kind": "tier",
        "limit_choices": "[]", "requires": Coverage.objects.get(code="third_party").pk,
        "effective_from": "2026-01-01", "effective_until": "2025-01-01", "sort_order": 1, "description": "",
    }
    response = client.post(reverse("admin:catalog_coverage_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"limit_choices", "requires", "effective_until"}
