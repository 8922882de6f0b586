"""Seed the property-and-casualty insurers that Chinese dealerships sell for
(DOMAIN.md §5). Codes are the stable keys imports and the API use; names are
the registered company names, short names what the desk says."""

from django.db import migrations

# (code, registered name, short name); the first three write over 60% of P&C premium.
INSURERS = [
    ("PICC", "中国人民财产保险股份有限公司", "人保财险"),
    ("PINGAN", "中国平安财产保险股份有限公司", "平安产险"),
    ("CPIC", "中国太平洋财产保险股份有限公司", "太平洋产险"),
    ("CHINALIFE", "中国人寿财产保险股份有限公司", "国寿财险"),
    ("CIC", "中华联合财产保险股份有限公司", "中华联合"),
    ("DADI", "中国大地财产保险股份有限公司", "大地"),
    ("SUNSHINE", "阳光财产保险股份有限公司", "阳光"),
    ("TAIPING", "太平财产保险有限公司", "太平"),
    ("TIANAN", "天安财产保险股份有限公司", "天安"),
    ("HUAAN", "华安财产保险股份有限公司", "华安"),
    ("YONGAN", "永安财产保险股份有限公司", "永安"),
    ("YINGDA", "英大泰和财产保险股份有限公司", "英大"),
    ("ZIJIN", "紫金财产保险股份有限公司", "紫金"),
    ("GUOREN", "国任财产保险股份有限公司", "国任"),
    ("YATAI", "亚太财产保险有限公司", "亚太"),
    ("AXATP", "安盛天平财产保险有限公司", "安盛天平"),
    ("ZHONGAN", "众安在线财产保险股份有限公司", "众安"),
]


def seed(apps, schema_editor):
    Insurer = apps.get_model("insurers", "Insurer")
    for code, name, short_name in INSURERS:
        # get_or_create: an insurer already entered by hand keeps its own spelling.
        Insurer.objects.get_or_create(code=code, defaults={"name": name, "short_name": short_name})


def unseed(apps, schema_editor):
    Insurer = apps.get_model("insurers", "Insurer")
    # PROTECT on contracts and policies refuses this once an insurer is in use:
    # going back must not lose business records.
    Insurer.objects.filter(code__in=[code for code, _, _ in INSURERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insurers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
