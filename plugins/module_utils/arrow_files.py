# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read one Parquet, CSV or Arrow IPC (Feather v2) file as record batches, holding a batch or two in memory
whatever the size of the file.

Each format is read with pyarrow's own streaming reader: ``pq.ParquetFile(pre_buffer=False).iter_batches``
(the columns of a row group decoded in parallel on Arrow's CPU pool), ``pyarrow.csv.open_csv`` (block by
block) and ``pyarrow.ipc.open_file`` (batch by batch, only the columns asked for).  Not pyarrow.dataset: when
its consumer is slower than the reading, as when a GDS server builds a database, its scanner reads most of a
file ahead into memory whatever ``batch_readahead`` says (apache/arrow#39808; with pyarrow 26, a 10M-row
Parquet file read one batch per 10 ms peaked at about 100 MiB in Arrow's pool, ``iter_batches`` at 10 MiB).
No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    HAS_PYARROW = True
    PYARROW_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    pa = pacsv = pq = None
    HAS_PYARROW = False
    PYARROW_IMPORT_ERROR = traceback.format_exc()


def open_file(filesystem, path, fmt, delimiter=None):
    """A reader for ``path`` on the pyarrow ``filesystem``: its ``schema`` is read now (the Parquet footer, the
    IPC schema, or the CSV header and the first block, from which column types are inferred)."""
    if fmt == "parquet":
        return ParquetFile(filesystem, path)
    if fmt == "csv":
        return CsvFile(filesystem, path, delimiter)
    return IpcFile(filesystem, path)


def _sliced(batch, batch_size):
    """``batch`` in pieces of at most ``batch_size`` rows (zero-copy slices)."""
    if batch.num_rows <= batch_size:
        yield batch
        return
    for offset in range(0, batch.num_rows, batch_size):
        yield batch.slice(offset, batch_size)


class ParquetFile:
    def __init__(self, filesystem, path):
        self.filesystem, self.path = filesystem, path
        with filesystem.open_input_file(path) as handle:
            parquet = pq.ParquetFile(handle)
            self.schema = parquet.schema_arrow
            self.num_rows = parquet.metadata.num_rows  # from the footer: the progress lines' total

    def batches(self, columns, batch_size):
        with self.filesystem.open_input_file(self.path) as handle:
            # pre_buffer=False: pre-buffering fetches a whole row group's column chunks at once.
            reader = pq.ParquetFile(handle, pre_buffer=False)
            yield from reader.iter_batches(batch_size=batch_size, columns=columns, use_threads=True)


class CsvFile:
    num_rows = None  # unknown until the whole file is read

    def __init__(self, filesystem, path, delimiter=None):
        self.filesystem, self.path = filesystem, path
        self.parse = pacsv.ParseOptions(delimiter=delimiter or ",")
        with filesystem.open_input_stream(path) as stream:  # .gz, .bz2: decompressed as the extension says
            self.schema = pacsv.open_csv(stream, parse_options=self.parse).schema

    def batches(self, columns, batch_size):
        with self.filesystem.open_input_stream(self.path) as stream:
            # The types are inferred from the first block, as for the schema above.
            convert = pacsv.ConvertOptions(include_columns=columns)
            for batch in pacsv.open_csv(stream, parse_options=self.parse, convert_options=convert):
                yield from _sliced(batch, batch_size)


class IpcFile:
    num_rows = None  # the footer lists batches, not rows

    def __init__(self, filesystem, path):
        self.filesystem, self.path = filesystem, path
        with filesystem.open_input_file(path) as handle:
            self.schema = pa.ipc.open_file(handle).schema

    def batches(self, columns, batch_size):
        fields = [self.schema.get_field_index(name) for name in columns]
        with self.filesystem.open_input_file(self.path) as handle:
            reader = pa.ipc.open_file(handle, options=pa.ipc.IpcReadOptions(included_fields=sorted(fields)))
            for index in range(reader.num_record_batches):
                yield from _sliced(reader.get_batch(index), batch_size)
