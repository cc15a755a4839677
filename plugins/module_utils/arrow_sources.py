# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node and relationship sources for GDS Arrow imports.

A source is a file, a directory or a glob, local or ``s3://``, in Parquet, CSV, Arrow IPC or
Feather format.  :func:`open_source` finds its files and checks their columns against the mapping
before anything is sent; :meth:`Source.batches` then streams record batches (never whole files)
already renamed to the GDS columns ``nodeId``/``labels`` or
``sourceNodeId``/``targetNodeId``/``relationshipType`` plus properties, with ``utf8`` instead of
``large_utf8`` and the id columns cast to ``int64`` (``id_type: integer``) or ``utf8``
(``id_type: string``).  No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import fnmatch
import os
import re
import traceback

from . import arrow_files
from .readahead import ReadAhead

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import fs as pafs
    HAS_PYARROW = True
    PYARROW_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    pa = pc = pafs = None
    HAS_PYARROW = False
    PYARROW_IMPORT_ERROR = traceback.format_exc()

FORMATS = ("parquet", "csv", "arrow", "feather")
EXTENSIONS = (
    (".parquet", "parquet"), (".parq", "parquet"), (".pq", "parquet"),
    (".csv", "csv"), (".csv.gz", "csv"), (".csv.bz2", "csv"),
    (".arrow", "arrow"), (".ipc", "arrow"), (".feather", "feather"),
)
NODE_ID, LABELS = "nodeId", "labels"
SOURCE_ID, TARGET_ID, REL_TYPE = "sourceNodeId", "targetNodeId", "relationshipType"
READAHEAD_BATCHES = 2  # batches each file reader decodes ahead
FILES_AHEAD = 1  # files read ahead of the one being sent
GLOB_CHARS = re.compile(r"[*?\[]")


class SourceError(Exception):
    """A source cannot be read or does not fit its mapping; the message names the file and column."""

    arrow_source_error = True

    def __init__(self, msg):
        super(SourceError, self).__init__(msg)
        self.msg = msg


def format_of(path):
    lowered = path.lower()
    for ext, fmt in EXTENSIONS:
        if lowered.endswith(ext):
            return fmt
    return None


def filesystem_for(path, s3_options=None):
    """(filesystem, path inside it) for a local path or an ``s3://bucket/key`` URL."""
    if path.startswith("s3://"):
        opts = dict(s3_options or {})
        kwargs = {}
        endpoint = opts.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            match = re.match(r"^(?:(https?)://)?(.+?)/?$", endpoint)
            kwargs["scheme"] = match.group(1) or "https"
            kwargs["endpoint_override"] = match.group(2)
        region = opts.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            kwargs["region"] = region
        if opts.get("access_key"):
            kwargs["access_key"] = opts["access_key"]
            kwargs["secret_key"] = opts.get("secret_key")
            if opts.get("session_token"):
                kwargs["session_token"] = opts["session_token"]
        if opts.get("anonymous"):
            kwargs["anonymous"] = True
        try:
            return pafs.S3FileSystem(**kwargs), path[len("s3://"):].rstrip("/")
        except Exception as exc:
            raise SourceError("Cannot set up S3 access for %s: %s" % (path, exc))
    if "://" in path:
        raise SourceError("path %s: only local paths and s3:// URLs are supported." % path)
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(path))


def discover(path, fmt=None, s3_options=None):
    """Resolve a file, directory or glob into (filesystem, sorted file list, format)."""
    if fmt is not None and fmt not in FORMATS:
        raise SourceError("format %s is not one of %s." % (fmt, ", ".join(FORMATS)))
    filesystem, base = filesystem_for(path, s3_options)
    try:
        if GLOB_CHARS.search(base):
            files = glob(filesystem, base)
        else:
            info = filesystem.get_file_info(base)
            if info.type == pafs.FileType.NotFound:
                raise SourceError("path %s does not exist." % path)
            if info.type == pafs.FileType.Directory:
                infos = filesystem.get_file_info(pafs.FileSelector(base, recursive=True))
                files = [i.path for i in infos if i.type == pafs.FileType.File and not _hidden(i.path[len(base):])
                         and (format_of(i.path) == fmt if fmt else format_of(i.path) is not None)]
            else:
                files = [base]
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError("Cannot list %s: %s" % (path, _short(exc)))
    files.sort()
    if not files:
        raise SourceError("path %s matches no %s files." % (path, fmt or "parquet, csv, arrow or feather"))
    if fmt is None:
        found = set(format_of(f) for f in files)
        if None in found or len(found) != 1:
            raise SourceError("Cannot tell the format of %s from the file names (%s); set format." % (path, ", ".join(files[:5])))
        fmt = found.pop()
    return filesystem, files, fmt


def glob(filesystem, pattern):
    """The files matching ``pattern``, a ``/``-separated glob, on ``filesystem``.

    ``*``, ``?`` and ``[...]`` match within one path segment, as in a shell, so ``nodes/*.csv`` never reaches
    into ``nodes/old/``; a segment that is exactly ``**`` matches zero or more folders.  A wildcard does not
    match a name starting with ``.`` or ``_`` (hidden files, Spark's ``_SUCCESS`` and ``_temporary``), as a
    directory source skips them; a pattern segment that starts so itself matches them.  Each level is
    listed on its own (on S3: a prefix + delimiter listing) until a ``**``, below which one recursive listing
    is matched segment by segment.
    """
    parts = pattern.split("/")
    first = next(i for i, part in enumerate(parts) if GLOB_CHARS.search(part))
    root = "/".join(parts[:first])
    folders = [root or ("/" if first else "")]  # a local root, or S3's list of buckets
    rest = parts[first:]
    while rest and rest[0] != "**":
        segment, rest = rest[0], rest[1:]
        wanted = pafs.FileType.Directory if rest else pafs.FileType.File
        matches = []
        for folder in folders:
            if not GLOB_CHARS.search(segment):
                matches.append(_join(folder, segment))
                continue
            selector = pafs.FileSelector(folder, recursive=False, allow_not_found=True)
            matches.extend(i.path for i in filesystem.get_file_info(selector)
                           if i.type == wanted and _segment_matches(i.base_name, segment))
        folders = matches
        if not rest:  # the last segment named files
            return [i.path for i in filesystem.get_file_info(matches) if i.type == pafs.FileType.File]
    files = []
    for folder in folders:
        selector = pafs.FileSelector(folder, recursive=True, allow_not_found=True)
        prefix = len(folder.rstrip("/")) + 1
        files.extend(i.path for i in filesystem.get_file_info(selector)
                     if i.type == pafs.FileType.File and _parts_match(rest, i.path[prefix:].split("/")))
    return files


def _join(folder, name):
    return folder.rstrip("/") + "/" + name if folder else name


def _segment_matches(name, segment):
    if name.startswith((".", "_")) and not segment.startswith((".", "_")):
        return False
    return fnmatch.fnmatchcase(name, segment)


def _parts_match(pattern, parts):
    """Whether path segments ``parts`` match glob segments ``pattern`` (``**`` = zero or more segments)."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_parts_match(pattern[1:], parts[i:]) for i in range(len(parts) + 1)
                   if not any(p.startswith((".", "_")) for p in parts[:i]))
    return bool(parts) and _segment_matches(parts[0], pattern[0]) and _parts_match(pattern[1:], parts[1:])


def _hidden(relative):
    return any(part.startswith((".", "_")) for part in relative.split("/") if part)


def _short(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def unsupported_property(t):
    """Why a column of type ``t`` cannot be a Neo4j property, or None.  Neo4j properties are scalars or
    homogeneous lists of scalars; structs, maps, unions and nested lists have no property equivalent."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner = t.value_type
        if pa.types.is_dictionary(inner):
            inner = inner.value_type
        if (pa.types.is_nested(inner) or pa.types.is_null(inner)):
            return "a list of %s (Neo4j list properties hold scalars only)" % inner
        return None
    if pa.types.is_nested(t) or pa.types.is_null(t):
        return "%s (not a Neo4j property type)" % t
    return None


def _plain_type(t):
    """The type GDS accepts: no large_* variants, no dictionaries (for properties)."""
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return _plain_type(t.value_type)
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(_plain_type(t.value_type))
    return t


class Mapping:
    """How one source's columns become GDS columns.  ``kind`` is ``node`` or ``relationship``."""

    def __init__(self, kind, spec, id_type="integer"):
        self.kind = kind
        self.id_type = id_type
        spec = dict(spec or {})
        if kind == "node":
            self.id_columns = [(spec.get("id_column") or NODE_ID, NODE_ID)]
            labels = spec.get("label")
            self.common = [labels] if isinstance(labels, str) else list(labels or [])
            self.tag_column = spec.get("label_column")
            self.tag_name = LABELS
            self.tag_default = LABELS
        elif kind == "relationship":
            self.id_columns = [(spec.get("source_column") or SOURCE_ID, SOURCE_ID),
                               (spec.get("target_column") or TARGET_ID, TARGET_ID)]
            self.common = [spec["type"]] if spec.get("type") else []
            self.tag_column = spec.get("type_column")
            self.tag_name = REL_TYPE
            self.tag_default = REL_TYPE
        else:
            raise ValueError(kind)
        self.properties = spec.get("properties")

    def plan(self, schema, where):
        """Check ``schema`` and return the columns to read: [(input, output, kind)]."""
        names = schema.names
        plan = []
        for column, out in self.id_columns:
            if column not in names:
                raise SourceError("%s: id column '%s' not found; columns are %s." % (where, column, ", ".join(names)))
            plan.append((column, out, "id"))
        tag = self.tag_column
        if tag is None and not self.common and self.tag_default in names:
            tag = self.tag_default  # the file already carries GDS's labels / relationshipType column
        if tag is not None:
            if tag not in names:
                raise SourceError("%s: %s column '%s' not found; columns are %s."
                                  % (where, "label" if self.kind == "node" else "type", tag, ", ".join(names)))
            t = schema.field(tag).type
            ok = pa.types.is_string(t) or pa.types.is_large_string(t) or (
                pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)))
            if self.kind == "node" and (pa.types.is_list(t) or pa.types.is_large_list(t)):
                ok = pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
            if not ok:
                raise SourceError("%s: column '%s' has type %s; %s must be strings%s."
                                  % (where, tag, t, "labels" if self.kind == "node" else "relationship types",
                                     " or lists of strings" if self.kind == "node" else ""))
            plan.append((tag, self.tag_name, "tag"))
        elif self.kind == "relationship" and not self.common:
            raise SourceError("%s: give the relationship type with type or type_column (no '%s' column found)."
                              % (where, REL_TYPE))
        used = set(p[0] for p in plan)
        reserved = set(p[1] for p in plan)
        if self.properties is None:
            props = [(n, n) for n in names if n not in used and n not in reserved
                     and n not in (NODE_ID, LABELS, SOURCE_ID, TARGET_ID, REL_TYPE)]
        elif isinstance(self.properties, dict):
            props = list(self.properties.items())
        else:
            props = [(p, p) for p in self.properties]
        outputs = set(reserved)
        for column, out in props:
            if column not in names:
                raise SourceError("%s: property column '%s' not found; columns are %s." % (where, column, ", ".join(names)))
            problem = unsupported_property(schema.field(column).type)
            if problem:
                raise SourceError("%s: property column '%s' has type %s; leave it out with properties." % (where, column, problem))
            if out in outputs:
                raise SourceError("%s: property name '%s' is used twice or clashes with a GDS column." % (where, out))
            outputs.add(out)
            plan.append((column, out, "property"))
        return plan

    def apply(self, batch, plan, where):
        """One input batch -> one GDS batch."""
        arrays, names = [], []
        for column, out, role in plan:
            array = batch.column(column)
            if role == "id":
                array = self._id(array, column, where)
            elif role == "tag":
                if array.null_count:
                    raise SourceError("%s: column '%s' contains empty (null) values." % (where, column))
                array = array.cast(_plain_type(array.type))
            else:
                plain = _plain_type(array.type)
                if plain != array.type:
                    array = array.cast(plain)
            arrays.append(array)
            names.append(out)
        if self.kind == "relationship" and self.common and not any(p[2] == "tag" for p in plan):
            arrays.append(self._constant_type(batch.num_rows))
            names.append(REL_TYPE)
        return pa.RecordBatch.from_arrays(arrays, names=names)

    def _constant_type(self, rows):
        """The type column for a batch; arrays are immutable, so one per batch length is reused."""
        cached = getattr(self, "_type_cache", None)
        if cached is None or len(cached) != rows:
            cached = self._type_cache = pa.repeat(pa.scalar(self.common[0], pa.string()), rows)
        return cached

    def _id(self, array, column, where):
        if array.null_count:
            raise SourceError("%s: id column '%s' contains empty (null) values." % (where, column))
        target = pa.int64() if self.id_type == "integer" else pa.string()
        if array.type == target:
            return array
        if self.id_type == "integer" and not (pa.types.is_integer(array.type) or pa.types.is_string(array.type)
                                              or pa.types.is_large_string(array.type)):
            raise SourceError("%s: id column '%s' has type %s; id_type integer needs integers (or use id_type: string)."
                              % (where, column, array.type))
        try:
            return array.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SourceError("%s: id column '%s' cannot be read as %s: %s"
                              % (where, column, "integers" if self.id_type == "integer" else "strings", _short(exc)))


class Source:
    """One entry of ``nodes`` or ``relationships``: its files, format and mapping."""

    def __init__(self, kind, spec, id_type="integer", s3_options=None):
        self.kind = kind
        self.spec = dict(spec)
        self.path = spec.get("path")
        if not self.path:
            raise SourceError("Every %s source needs a path." % kind)
        self.mapping = Mapping(kind, spec, id_type)
        self.filesystem, self.files, self.format = discover(self.path, spec.get("format"), s3_options)
        self.delimiter = spec.get("delimiter")
        self.plans = {}
        self.num_rows = None  # rows in all the files, when every file's footer says (Parquet); for progress lines

    @property
    def common_labels(self):
        return self.mapping.common if self.kind == "node" else None

    def _where(self, path):
        return "%s file %s" % (self.kind, ("s3://" + path) if isinstance(self.filesystem, pafs.S3FileSystem) else path)

    def check(self):
        """Open every file and check its columns (reads the schema only)."""
        counts = [self._plan(path)[0].num_rows for path in self.files]
        self.num_rows = sum(counts) if None not in counts else None

    def _open(self, path):
        try:
            reader = arrow_files.open_file(self.filesystem, path, self.format, self.delimiter)
            reader.schema.names  # pylint: disable=pointless-statement  # column names that are no UTF-8 fail here
            return reader
        except Exception as exc:
            raise SourceError("%s cannot be read as %s: %s" % (self._where(path), self.format, _short(exc)))

    def _plan(self, path):
        """(file reader, plan) of ``path``; the reader holds no open file, only what it read to know the schema."""
        if path not in self.plans:
            reader = self._open(path)
            self.plans[path] = (reader, self.mapping.plan(reader.schema, self._where(path)))
        return self.plans[path]

    def batches(self, batch_size=100000):
        """Yield ``(schema, batch, common_labels)`` for every batch of every file, in order.

        Each file is read on a thread of its own, and the next file is opened and read ahead (a few batches) while
        this one is consumed, so a file boundary (or an S3 round trip) does not stall the load; the order and
        the errors are those of reading the files one after the other."""
        readers = collections.deque()
        pending = iter(self.files)

        def start_next():
            path = next(pending, None)
            if path is not None:
                readers.append(ReadAhead(make=lambda: self._file_batches(path, batch_size), depth=READAHEAD_BATCHES))

        for _index in range(1 + FILES_AHEAD):
            start_next()
        try:
            while readers:
                yield from readers[0].items()
                readers.popleft()
                start_next()
        finally:
            for reader in readers:
                reader.stop()

    def _file_batches(self, path, batch_size):
        reader, plan = self._plan(path)
        self.plans.pop(path, None)  # do not keep what finished files read
        where = self._where(path)
        columns = list(dict.fromkeys(p[0] for p in plan))
        iterator = reader.batches(columns, batch_size)
        while True:
            try:
                batch = next(iterator)
            except StopIteration:
                break
            except Exception as exc:
                raise SourceError("%s cannot be read as %s: %s" % (where, self.format, _short(exc)))
            if batch.num_rows == 0:
                continue
            out = self.mapping.apply(batch, plan, where)
            yield out.schema, out, self.common_labels


def open_sources(kind, specs, id_type="integer", s3_options=None):
    """Build and check every source of one kind; raises SourceError on the first problem."""
    sources = []
    for index, spec in enumerate(specs or []):
        try:
            source = Source(kind, spec, id_type, s3_options)
            source.check()
        except SourceError as exc:
            raise SourceError("%ss[%d]: %s" % (kind, index, exc.msg))
        sources.append(source)
    return sources


def total_rows(sources):
    """The rows of ``sources`` when every file says how many it holds, else None."""
    counts = [source.num_rows for source in sources]
    return sum(counts) if None not in counts else None


def chain(sources, batch_size):
    for source in sources:
        yield from source.batches(batch_size)


class Validation:
    """What check mode learns by reading every batch without sending anything."""

    def __init__(self, unique_limit=10000000):
        self.node_count = 0
        self.relationship_count = 0
        self.labels = set()
        self.types = set()
        self.unique_limit = unique_limit
        self._ids = []
        self.node_ids = None  # all node ids when cheap enough to keep, for the relationship check
        self.dangling = 0

    def nodes(self, sources, batch_size):
        for _schema, batch, common in chain(sources, batch_size):
            self.node_count += batch.num_rows
            self.labels.update(common or [])
            if LABELS in batch.schema.names:
                self.labels.update(_distinct(batch.column(LABELS)))
            if self._ids is not None:
                self._ids.append(batch.column(NODE_ID))
                if self.node_count > self.unique_limit:
                    self._ids = None
        if self._ids:
            ids = pa.chunked_array(self._ids).combine_chunks()
            distinct = pc.count_distinct(ids).as_py()
            if distinct != len(ids):
                raise SourceError("node ids are not unique: %d rows but %d distinct ids." % (len(ids), distinct))
            self.node_ids = ids
        self._ids = None

    def relationships(self, sources, batch_size, check_dangling=True):
        for _schema, batch, _common in chain(sources, batch_size):
            self.relationship_count += batch.num_rows
            if REL_TYPE in batch.schema.names:
                self.types.update(_distinct(batch.column(REL_TYPE)))
            if check_dangling and self.node_ids is not None and len(self.node_ids) <= 1000000:
                for column in (SOURCE_ID, TARGET_ID):
                    known = pc.is_in(batch.column(column), value_set=self.node_ids)
                    missing = len(known) - pc.sum(known).as_py() if len(known) else 0
                    if missing:
                        first = pc.filter(batch.column(column), pc.invert(known))[0].as_py()
                        raise SourceError("relationships refer to node id %r, which no node source contains." % (first,))


def _distinct(column):
    if pa.types.is_list(column.type):
        column = pc.list_flatten(column)
    return set(v for v in pc.unique(column).to_pylist() if v is not None)
