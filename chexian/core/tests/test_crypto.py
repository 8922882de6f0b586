import logging

from cryptography.fernet import Fernet

from chexian.core import crypto
from chexian.core.logging import MaskPIIFilter, mask_text


def test_encrypt_round_trip_and_ciphertext_differs_each_time():
    a, b = crypto.encrypt("11010519491231002X"), crypto.encrypt("11010519491231002X")
    assert a != b and "11010519491231002X" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "11010519491231002X"


def test_blind_index_is_keyed_and_stable(settings):
    first = crypto.blind_index("11010519491231002X")
    assert first == crypto.blind_index("11010519491231002X")
    settings.BLIND_INDEX_KEY = "another-key"
    assert crypto.blind_index("11010519491231002X") != first


def test_old_key_still_decrypts_after_rotation(settings):
    old = crypto.encrypt("11010519491231002X")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    crypto.reset_key_cache()
    try:
        assert crypto.decrypt(old) == "11010519491231002X"
    finally:
        crypto.reset_key_cache()


def test_masks():
    assert crypto.mask_identifier("11010519491231002X") == "110105********002X"
    assert crypto.mask_mobile("13812345678") == "138****5678"
    assert crypto.mask_identifier("") == crypto.mask_mobile("") == ""


def test_log_lines_are_masked():
    assert mask_text("customer 11010519491231002X called from 13812345678") == (
        "customer 110105********002X called from 138****5678"
    )
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s", ("11010519491231002X",), None)
    MaskPIIFilter().filter(record)
    assert "11010519491231002X" not in record.getMessage()
