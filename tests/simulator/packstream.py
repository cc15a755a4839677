"""PackStream v1: the binary value format Bolt messages are written in.

:func:`pack` turns Python values into bytes and :func:`unpack` turns bytes back, both choosing the
smallest encoding the spec allows.  Temporal values map to the Bolt 5 structures (the UTC form of
DateTime, tag 0x49), and the two Bolt 6.0 structures to :class:`Vector` (tag 0x56) and
:class:`UnsupportedType` (tag 0x3F); any other structure travels as :class:`Structure`.  Bolt messages are themselves
structures, but their tags overlap value tags (TELEMETRY and Time are both 0x54), so the Bolt layer uses
:func:`pack_message` / :func:`unpack_message`, which never hydrate the outer structure.
"""

import struct
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
UNIX_EPOCH = datetime(1970, 1, 1)
UNIX_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Structure tags of the Bolt 5 value types (structure-semantics.adoc).
DATE = 0x44
TIME = 0x54
LOCAL_TIME = 0x74
DATE_TIME = 0x49
DATE_TIME_ZONE_ID = 0x69
LOCAL_DATE_TIME = 0x64
DURATION = 0x45
# Bolt 6.0 (structure-semantics.adoc, "Version 6.0").
VECTOR = 0x56
UNSUPPORTED_TYPE = 0x3F
# Vector type_marker -> struct format of one element, big-endian (structure-semantics.adoc, "Vector").
VECTOR_ELEMENTS = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q", 0xC6: ">f", 0xC1: ">d"}


class PackStreamError(ValueError):
    """Bytes that are not valid PackStream, or a value PackStream cannot carry."""


@dataclass
class Structure:
    """A structure whose tag this module does not map to a Python type (Node, Point2D, ...)."""

    tag: int
    fields: list = field(default_factory=list)


@dataclass(frozen=True)
class Duration:
    """Neo4j's Duration: months and days are kept apart from seconds, as Cypher does."""

    months: int = 0
    days: int = 0
    seconds: int = 0
    nanoseconds: int = 0


@dataclass(frozen=True)
class Vector:
    """Bolt 6.0 Vector: ``type_marker`` (0xC8-0xCB integers, 0xC6 float32, 0xC1 float64) and the packed values."""

    type_marker: int
    data: bytes

    def __post_init__(self):
        fmt = VECTOR_ELEMENTS.get(self.type_marker)
        if fmt is None:
            raise PackStreamError("unknown Vector type marker 0x%02X" % self.type_marker)
        if len(self.data) % struct.calcsize(fmt):
            raise PackStreamError("Vector data of %d bytes is not a whole number of 0x%02X elements"
                                  % (len(self.data), self.type_marker))

    @classmethod
    def of(cls, type_marker, values):
        fmt = VECTOR_ELEMENTS[type_marker]
        return cls(type_marker, b"".join(struct.pack(fmt, v) for v in values))

    def values(self):
        fmt = VECTOR_ELEMENTS[self.type_marker]
        size = struct.calcsize(fmt)
        return [struct.unpack(fmt, self.data[i:i + size])[0] for i in range(0, len(self.data), size)]


@dataclass(frozen=True)
class UnsupportedType:
    """Bolt 6.0 placeholder for a value the negotiated version cannot carry."""

    name: str
    minimum_protocol: tuple
    message: str = None


# ----- packing -------------------------------------------------------------------------------


def pack(value):
    """Encode one value."""
    out = bytearray()
    _pack(value, out)
    return bytes(out)


def pack_message(tag, *fields):
    """Encode a Bolt message: a structure whose tag is the message signature."""
    out = bytearray()
    _pack_structure_header(len(fields), tag, out)
    for item in fields:
        _pack(item, out)
    return bytes(out)


def _pack(value, out):
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        _pack_int(value, out)
    elif isinstance(value, float):
        out.append(0xC1)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _pack_size(len(data), 0x80, (0xD0, 0xD1, 0xD2), out)
        out += data
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        _pack_size(len(data), None, (0xCC, 0xCD, 0xCE), out)
        out += data
    elif isinstance(value, (list, tuple)):
        _pack_size(len(value), 0x90, (0xD4, 0xD5, 0xD6), out)
        for item in value:
            _pack(item, out)
    elif isinstance(value, dict):
        _pack_size(len(value), 0xA0, (0xD8, 0xD9, 0xDA), out)
        for key, item in value.items():
            if not isinstance(key, str):
                raise PackStreamError("dictionary keys must be strings, not %r" % (key,))
            _pack(key, out)
            _pack(item, out)
    elif isinstance(value, Structure):
        _pack_structure_header(len(value.fields), value.tag, out)
        for item in value.fields:
            _pack(item, out)
    else:
        structure = _dehydrate(value)
        if structure is None:
            raise PackStreamError("PackStream cannot carry %s" % type(value).__name__)
        _pack(structure, out)


def _pack_int(value, out):
    if -16 <= value <= 127:
        out += struct.pack(">b", value)
    elif -128 <= value <= 127:
        out += b"\xC8" + struct.pack(">b", value)
    elif -32768 <= value <= 32767:
        out += b"\xC9" + struct.pack(">h", value)
    elif -(2 ** 31) <= value < 2 ** 31:
        out += b"\xCA" + struct.pack(">i", value)
    elif INT64_MIN <= value <= INT64_MAX:
        out += b"\xCB" + struct.pack(">q", value)
    else:
        raise PackStreamError("integer %d does not fit in 64 bits" % value)


def _pack_size(size, tiny_marker, markers, out):
    if tiny_marker is not None and size < 16:
        out.append(tiny_marker + size)
    elif size < 0x100:
        out += struct.pack(">BB", markers[0], size)
    elif size < 0x10000:
        out += struct.pack(">BH", markers[1], size)
    elif size < 2 ** 31:
        out += struct.pack(">BI", markers[2], size)
    else:
        raise PackStreamError("size %d is too large for PackStream" % size)


def _pack_structure_header(size, tag, out):
    if size > 15:
        raise PackStreamError("a structure holds at most 15 fields, not %d" % size)
    out += bytes((0xB0 + size, tag))


def _utc_offset_seconds(tz, moment):
    offset = tz.utcoffset(moment)
    return int(offset.total_seconds()) if offset is not None else None


def _dehydrate(value):
    """The Bolt structure of a temporal value, or None when the value has none."""
    if isinstance(value, datetime):
        nanos = value.microsecond * 1000
        if value.tzinfo is None or value.utcoffset() is None:
            seconds = (value.replace(microsecond=0) - UNIX_EPOCH) // timedelta(seconds=1)
            return Structure(LOCAL_DATE_TIME, [seconds, nanos])
        # Bolt 5 sends the UTC instant; a named zone keeps its id, a fixed offset its offset.
        seconds = (value.replace(microsecond=0) - UNIX_EPOCH_UTC) // timedelta(seconds=1)
        zone_id = getattr(value.tzinfo, "key", None)
        if zone_id:
            return Structure(DATE_TIME_ZONE_ID, [seconds, nanos, zone_id])
        return Structure(DATE_TIME, [seconds, nanos, int(value.utcoffset().total_seconds())])
    if isinstance(value, date):
        return Structure(DATE, [value.toordinal() - EPOCH_ORDINAL])
    if isinstance(value, time):
        nanos = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000_000 + value.microsecond * 1000
        offset = value.utcoffset()
        if offset is None:
            return Structure(LOCAL_TIME, [nanos])
        return Structure(TIME, [nanos, int(offset.total_seconds())])
    if isinstance(value, timedelta):
        return Structure(DURATION, [0, value.days, value.seconds, value.microseconds * 1000])
    if isinstance(value, Duration):
        return Structure(DURATION, [value.months, value.days, value.seconds, value.nanoseconds])
    if isinstance(value, Vector):
        return Structure(VECTOR, [bytes((value.type_marker,)), value.data])
    if isinstance(value, UnsupportedType):
        extra = {"message": value.message} if value.message is not None else {}
        return Structure(UNSUPPORTED_TYPE, [value.name, value.minimum_protocol[0], value.minimum_protocol[1], extra])
    return None


# ----- unpacking -----------------------------------------------------------------------------


def unpack(data):
    """Decode exactly one value from ``data``."""
    reader = _Reader(data)
    value = reader.value()
    reader.expect_end()
    return value


def unpack_message(data):
    """Decode a Bolt message into ``(tag, fields)``; the fields are hydrated values."""
    reader = _Reader(data)
    marker = reader.byte()
    if not 0xB0 <= marker <= 0xBF:
        raise PackStreamError("a Bolt message must be a structure, got marker 0x%02X" % marker)
    tag = reader.byte()
    fields = [reader.value() for _field in range(marker - 0xB0)]
    reader.expect_end()
    return tag, fields


class _Reader:
    def __init__(self, data):
        self.data = memoryview(bytes(data))
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise PackStreamError("unexpected end of PackStream data")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self):
        return self.take(1)[0]

    def number(self, fmt, size):
        return struct.unpack(fmt, self.take(size))[0]

    def expect_end(self):
        if self.pos != len(self.data):
            raise PackStreamError("%d trailing bytes after the value" % (len(self.data) - self.pos))

    def value(self):
        marker = self.byte()
        if marker <= 0x7F:
            return marker
        if marker >= 0xF0:
            return marker - 0x100
        high = marker & 0xF0
        if high == 0x80:
            return self.string(marker & 0x0F)
        if high == 0x90:
            return [self.value() for _item in range(marker & 0x0F)]
        if high == 0xA0:
            return self.dictionary(marker & 0x0F)
        if high == 0xB0:
            return self.structure(marker & 0x0F)
        if marker == 0xC0:
            return None
        if marker == 0xC1:
            return self.number(">d", 8)
        if marker in (0xC2, 0xC3):
            return marker == 0xC3
        sized = {0xC8: (">b", 1), 0xC9: (">h", 2), 0xCA: (">i", 4), 0xCB: (">q", 8)}
        if marker in sized:
            return self.number(*sized[marker])
        sizes = {0: (">B", 1), 1: (">H", 2), 2: (">I", 4)}
        if 0xCC <= marker <= 0xCE:
            return bytes(self.take(self.number(*sizes[marker - 0xCC])))
        if 0xD0 <= marker <= 0xD2:
            return self.string(self.number(*sizes[marker - 0xD0]))
        if 0xD4 <= marker <= 0xD6:
            return [self.value() for _item in range(self.number(*sizes[marker - 0xD4]))]
        if 0xD8 <= marker <= 0xDA:
            return self.dictionary(self.number(*sizes[marker - 0xD8]))
        raise PackStreamError("reserved PackStream marker 0x%02X" % marker)

    def string(self, size):
        try:
            return str(self.take(size), "utf-8")
        except UnicodeDecodeError as exc:
            raise PackStreamError("string is not valid UTF-8") from exc

    def dictionary(self, size):
        result = {}
        for _entry in range(size):
            key = self.value()
            if not isinstance(key, str):
                raise PackStreamError("dictionary key must be a string, got %r" % (key,))
            result[key] = self.value()  # a duplicate key: the last one wins, as the spec says
        return result

    def structure(self, size):
        tag = self.byte()
        fields = [self.value() for _field in range(size)]
        return _hydrate(tag, fields)


def _hydrate(tag, fields):
    """The Python value of a known structure; unknown ones stay a :class:`Structure`."""
    try:
        if tag == DATE and len(fields) == 1:
            return date.fromordinal(fields[0] + EPOCH_ORDINAL)
        if tag == LOCAL_TIME and len(fields) == 1:
            return _time_of_day(fields[0])
        if tag == TIME and len(fields) == 2:
            return _time_of_day(fields[0], timezone(timedelta(seconds=fields[1])))
        if tag == LOCAL_DATE_TIME and len(fields) == 2:
            return UNIX_EPOCH + timedelta(seconds=fields[0], microseconds=fields[1] // 1000)
        if tag == DATE_TIME and len(fields) == 3:
            tz = timezone(timedelta(seconds=fields[2]))
            return (UNIX_EPOCH_UTC + timedelta(seconds=fields[0], microseconds=fields[1] // 1000)).astimezone(tz)
        if tag == DATE_TIME_ZONE_ID and len(fields) == 3:
            tz = _zone(fields[2])
            return (UNIX_EPOCH_UTC + timedelta(seconds=fields[0], microseconds=fields[1] // 1000)).astimezone(tz)
        if tag == DURATION and len(fields) == 4:
            months, days, seconds, nanos = fields
            if months == 0 and nanos % 1000 == 0:
                return timedelta(days=days, seconds=seconds, microseconds=nanos // 1000)
            return Duration(months, days, seconds, nanos)
        if tag == VECTOR and len(fields) == 2 and isinstance(fields[0], bytes) and len(fields[0]) == 1:
            return Vector(fields[0][0], bytes(fields[1]))
        if tag == UNSUPPORTED_TYPE and len(fields) == 4:
            name, major, minor, extra = fields
            return UnsupportedType(name, (major, minor), (extra or {}).get("message"))
    except (TypeError, ValueError, OverflowError, KeyError) as exc:
        raise PackStreamError("invalid fields for structure 0x%02X: %r" % (tag, fields)) from exc
    return Structure(tag, fields)


def _time_of_day(nanos, tz=None):
    seconds, nanos = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, nanos // 1000, tzinfo=tz)


def _zone(zone_id) -> tzinfo:
    from zoneinfo import ZoneInfo  # only needed for named zones

    return ZoneInfo(zone_id)
