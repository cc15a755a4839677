"""PackStream v1 encoding: exact bytes at every size boundary, and round trips."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from simulator.packstream import (Duration, PackStreamError, Structure, pack, pack_message, unpack,
                                  unpack_message)


@pytest.mark.parametrize("value, encoded", [
    (0, "00"), (1, "01"), (127, "7F"), (-1, "FF"), (-16, "F0"),
    (-17, "C8 EF"), (-128, "C8 80"),
    (128, "C9 00 80"), (-129, "C9 FF 7F"), (32767, "C9 7F FF"), (-32768, "C9 80 00"),
    (32768, "CA 00 00 80 00"), (-32769, "CA FF FF 7F FF"),
    (2 ** 31 - 1, "CA 7F FF FF FF"), (-(2 ** 31), "CA 80 00 00 00"),
    (2 ** 31, "CB 00 00 00 00 80 00 00 00"), (-(2 ** 31) - 1, "CB FF FF FF FF 7F FF FF FF"),
    (2 ** 63 - 1, "CB 7F FF FF FF FF FF FF FF"), (-(2 ** 63), "CB 80 00 00 00 00 00 00 00"),
])
def test_integers_use_the_smallest_encoding(value, encoded):
    assert pack(value) == bytes.fromhex(encoded)
    assert unpack(pack(value)) == value


def test_integers_beyond_64_bits_are_rejected():
    with pytest.raises(PackStreamError):
        pack(2 ** 63)
    with pytest.raises(PackStreamError):
        pack(-(2 ** 63) - 1)


@pytest.mark.parametrize("value, encoded", [
    (None, "C0"), (True, "C3"), (False, "C2"),
    (1.1, "C1 3F F1 99 99 99 99 99 9A"), (-1.1, "C1 BF F1 99 99 99 99 99 9A"),
    ("", "80"), ("A", "81 41"), ("Größenmaßstäbe", "D0 12 47 72 C3 B6 C3 9F 65 6E 6D 61 C3 9F 73 74 C3 A4 62 65"),
    ([], "90"), ([1, 2, 3], "93 01 02 03"), ({}, "A0"), ({"one": "eins"}, "A1 83 6F 6E 65 84 65 69 6E 73"),
    (b"", "CC 00"), (b"\x01\x02", "CC 02 01 02"),
])
def test_scalars_and_small_containers_match_the_spec(value, encoded):
    assert pack(value) == bytes.fromhex(encoded)
    assert unpack(pack(value)) == value


@pytest.mark.parametrize("size, header", [
    (15, "8F"), (16, "D0 10"), (255, "D0 FF"), (256, "D1 01 00"), (65535, "D1 FF FF"), (65536, "D2 00 01 00 00"),
])
def test_string_size_boundaries(size, header):
    value = "x" * size
    assert pack(value) == bytes.fromhex(header) + value.encode()
    assert unpack(pack(value)) == value


def test_string_size_counts_bytes_not_characters():
    value = "é" * 8  # 8 characters, 16 bytes: too long for the tiny form
    assert pack(value)[:2] == bytes.fromhex("D0 10")
    assert unpack(pack(value)) == value


@pytest.mark.parametrize("size, header", [
    (0, "CC 00"), (255, "CC FF"), (256, "CD 01 00"), (65535, "CD FF FF"), (65536, "CE 00 01 00 00"),
])
def test_bytes_size_boundaries(size, header):
    value = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert pack(value) == bytes.fromhex(header) + value
    assert unpack(pack(value)) == value


@pytest.mark.parametrize("size, header", [
    (15, "9F"), (16, "D4 10"), (255, "D4 FF"), (256, "D5 01 00"), (65535, "D5 FF FF"), (65536, "D6 00 01 00 00"),
])
def test_list_size_boundaries(size, header):
    value = [1] * size
    assert pack(value) == bytes.fromhex(header) + b"\x01" * size
    assert unpack(pack(value)) == value


@pytest.mark.parametrize("size, header", [
    (15, "AF"), (16, "D8 10"), (255, "D8 FF"), (256, "D9 01 00"), (65535, "D9 FF FF"), (65536, "DA 00 01 00 00"),
])
def test_dictionary_size_boundaries(size, header):
    value = {"k%d" % i: i for i in range(size)}
    packed = pack(value)
    assert packed.startswith(bytes.fromhex(header))
    assert unpack(packed) == value


def test_dictionary_keys_must_be_strings():
    with pytest.raises(PackStreamError):
        pack({1: "one"})
    with pytest.raises(PackStreamError):
        unpack(bytes.fromhex("A1 01 01"))


def test_duplicate_dictionary_key_last_one_wins():
    assert unpack(bytes.fromhex("A2 81 61 01 81 61 02")) == {"a": 2}


def test_nested_values_round_trip():
    value = {"name": "neo4j", "list": [1, -200, 70000, 2 ** 40, 1.5, None, True, {"deep": [b"\x00", "x" * 300]}]}
    assert unpack(pack(value)) == value


def test_unknown_structures_round_trip():
    point = Structure(0x58, [7203, 1.0, 2.0])
    assert pack(point) == bytes.fromhex("B3 58 C9 1C 23 C1 3F F0 00 00 00 00 00 00 C1 40 00 00 00 00 00 00 00")
    assert unpack(pack(point)) == point


def test_structures_hold_at_most_15_fields():
    with pytest.raises(PackStreamError):
        pack(Structure(0x01, [0] * 16))


@pytest.mark.parametrize("marker", ["C4", "C5", "C6", "C7", "CF", "D3", "D7", "DB", "DC", "DD", "DE", "DF", "E0", "EF"])
def test_reserved_markers_are_rejected(marker):
    with pytest.raises(PackStreamError):
        unpack(bytes.fromhex(marker))


def test_truncated_and_trailing_data_are_rejected():
    with pytest.raises(PackStreamError):
        unpack(bytes.fromhex("D0 05 41"))
    with pytest.raises(PackStreamError):
        unpack(bytes.fromhex("01 02"))


def test_tz_aware_datetime_uses_the_bolt5_utc_form():
    moment = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=timezone(timedelta(hours=2)))
    encoded = pack(moment)
    # tag 0x49, seconds since the epoch in UTC, nanoseconds, offset in seconds
    utc_seconds = int((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
    assert encoded == bytes.fromhex("B3 49") + pack(utc_seconds) + pack(250_000_000) + pack(7200)
    decoded = unpack(encoded)
    assert decoded == moment and decoded.utcoffset() == timedelta(hours=2)


def test_datetime_with_a_named_zone_keeps_the_zone_id():
    moment = datetime(2024, 1, 15, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    encoded = pack(moment)
    assert encoded[:2] == bytes.fromhex("B3 69")
    decoded = unpack(encoded)
    assert decoded == moment and decoded.tzinfo.key == "Europe/Berlin"


def test_naive_datetime_is_a_local_datetime():
    moment = datetime(1969, 12, 31, 23, 59, 59, 1)
    encoded = pack(moment)
    assert encoded == bytes.fromhex("B2 64 FF") + pack(1000)
    assert unpack(encoded) == moment


@pytest.mark.parametrize("value, encoded", [
    (date(1970, 1, 1), "B1 44 00"),
    (date(1969, 12, 31), "B1 44 FF"),
    (time(0, 0, 1), "B1 74 CA 3B 9A CA 00"),
    (time(0, 0, 1, tzinfo=timezone(timedelta(hours=-1))), "B2 54 CA 3B 9A CA 00 C9 F1 F0"),
    (timedelta(days=2, seconds=3, microseconds=4), "B4 45 00 02 03 C9 0F A0"),
    (Duration(months=14, days=1, seconds=0, nanoseconds=5), "B4 45 0E 01 00 05"),
])
def test_temporal_values(value, encoded):
    assert pack(value) == bytes.fromhex(encoded)
    assert unpack(pack(value)) == value


def test_messages_are_not_hydrated_at_the_top_level():
    # TELEMETRY (0x54) shares its tag with Time: the message must stay a message.
    data = pack_message(0x54, 2)
    assert data == bytes.fromhex("B1 54 02")
    assert unpack_message(data) == (0x54, [2])
    tag, fields = unpack_message(pack_message(0x10, "RETURN $d", {"d": date(2020, 2, 29)}, {}))
    assert (tag, fields) == (0x10, ["RETURN $d", {"d": date(2020, 2, 29)}, {}])


def test_unsupported_python_types_fail_loudly():
    with pytest.raises(PackStreamError):
        pack(object())
