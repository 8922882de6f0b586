"""Chinese is the default language and every string has its translation.

CI regenerates the catalogue from the source (makemessages) before running this,
so a new untranslated string fails the build."""

from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "chexian" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def parse_po(path: Path):
    """Yield (msgid, msgstr, flags) for each entry; handles plurals and multi-line strings."""
    entry, key, flags = {}, None, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.get("msgid"):
                yield entry["msgid"], entry.get("msgstr", "") or entry.get("msgstr[0]", ""), flags
            entry, key, flags = {}, None, ""
        elif line.startswith("#,"):
            flags = line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] = entry.get(key, "") + line[1:-1]
        else:
            key, _, value = line.partition(" ")
            entry[key] = value.strip()[1:-1]


def test_catalogue_exists_and_every_string_is_translated():
    entries = list(parse_po(PO))
    assert len(entries) > 100
    missing = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, flags in entries if "fuzzy" in flags]
    assert not missing, f"untranslated: {missing[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the project's setting (the test suite runs in English)
    assert "登录" in client.get("/login/").content.decode()
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in english


def test_validation_messages_are_translated():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from chexian.core.validators import validate_vin

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            validate_vin("LSVAM4188C2184847")
        assert "车架号" in exc.value.messages[0]
        assert exc.value.messages[0] != "VIN (GB 16735): the check digit in position 9 does not match."
