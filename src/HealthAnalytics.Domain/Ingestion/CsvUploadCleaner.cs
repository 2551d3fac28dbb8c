using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using HealthAnalytics.Domain.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Parquet;
using Parquet.Schema;

namespace HealthAnalytics.Domain.Ingestion;

/// <summary>
/// Cleans a CSV upload as docs/ingestion.md says. Two stages on the two cores: a dedicated thread
/// decompresses, decodes, validates UTF-8 and splits records into <see cref="RowBatch"/>es; the caller's
/// flow checks, fixes, pseudonymizes and encodes them into Parquet row groups. Memory is bounded by the
/// row-group size, a few batches and the duplicate-key <see cref="FingerprintSet"/> (~9 bytes per row).
/// </summary>
public sealed partial class CsvUploadCleaner : IUploadCleaner
{
    private const int ChunkBytes = 256 * 1024;
    private readonly IngestionOptions _options;
    private readonly Pseudonymizer _pseudonymizer;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public CsvUploadCleaner(IOptions<IngestionOptions> options, Pseudonymizer pseudonymizer, TimeProvider time, ILogger<CsvUploadCleaner>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pseudonymizer);
        ArgumentNullException.ThrowIfNull(time);
        _options = options.Value;
        _pseudonymizer = pseudonymizer;
        _time = time;
        _log = (ILogger?)log ?? NullLogger.Instance;
    }

    public async Task<QualityReport> CleanAsync(UploadRequest upload, Stream input, Stream curatedOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(curatedOutput);
        var started = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        LogStarted(_log, upload.UploadId, upload.Dataset);
        using var run = new CleaningRun(upload, _options, _pseudonymizer, DateOnly.FromDateTime(started.UtcDateTime));
        QualityReport report;
        try
        {
            report = await run.RunAsync(input, curatedOutput, cancellationToken);
        }
        catch (FileRejectedException ex)
        {
            report = run.Rejected(ex.Rejection);
        }

        report = report with { StartedAt = started, DurationMs = clock.Elapsed.TotalMilliseconds };
        if (report.Outcome == UploadOutcome.Rejected)
        {
            LogRejected(_log, upload.UploadId, report.Rejection!.Rule, report.Rejection.Line ?? 0);
        }
        else
        {
            LogCurated(_log, upload.UploadId, report.Rows.Read, report.Rows.Written, report.Rows.Quarantined, report.Rows.Duplicate, report.DurationMs);
        }

        return report;
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Cleaning upload {UploadId} of dataset {Dataset}")]
    private static partial void LogStarted(ILogger logger, string uploadId, string dataset);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Upload {UploadId} curated: {Read} rows read, {Written} written, {Quarantined} quarantined, {Duplicate} duplicate in {DurationMs} ms")]
    private static partial void LogCurated(ILogger logger, string uploadId, long read, long written, long quarantined, long duplicate, double durationMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Upload {UploadId} rejected by rule {Rule} at line {Line}")]
    private static partial void LogRejected(ILogger logger, string uploadId, string rule, long line);

    /// <summary>Per-column plan and statistics of one run.</summary>
    private sealed class ColumnPlan
    {
        public required string Name { get; init; }
        public required ColumnType Type { get; init; }
        public required PrivacyRole Privacy { get; init; }
        public ColumnSpec? Spec { get; init; }
        public DerivedColumnSpec? Derived { get; init; }
        public ColumnNormalizer? Normalizer { get; set; }
        public int SourceField { get; set; } = -1;
        public string? HeaderUnit { get; set; }
        public OutputColumn? Output { get; set; }
        public int DerivedFrom0 { get; set; } = -1;
        public int DerivedFrom1 { get; set; } = -1;

        // Staged cell of the current row.
        public CellResult Cell;
        public int TextStart;
        public int RawStart;
        public int RawLength;

        // Statistics over output rows (missing, numeric, categories) and all rows (invalid).
        public long Missing;
        public long Invalid;
        public long Fixed;
        public double Min = double.PositiveInfinity;
        public double Max = double.NegativeInfinity;
        public double Sum;
        public long Count;
        public Dictionary<string, long>? Categories;

        public bool ReportsValues => Privacy is PrivacyRole.None or PrivacyRole.Sensitive;
    }

    private sealed class CleaningRun(UploadRequest upload, IngestionOptions options, Pseudonymizer pseudonymizer, DateOnly today) : IDisposable
    {
        private readonly Pseudonymizer.Session _hmac = pseudonymizer.CreateSession();
        private readonly DatasetContract _contract = upload.Contract;
        private readonly List<ColumnPlan> _plans = [];
        private readonly List<ColumnPlan> _outputs = [];
        private readonly List<ColumnPlan> _quasi = [];
        private readonly List<int> _keyPlans = [];
        private readonly FingerprintSet _keys = new();
        private readonly Dictionary<ulong, long> _groups = [];
        private readonly SortedDictionary<string, long> _violations = new(StringComparer.Ordinal);
        private readonly List<RejectedRow> _rejected = [];
        private readonly List<UnknownColumn> _unknown = [];
        private readonly List<(int Plan, string Rule)> _rowViolations = [];
        private char[] _chars = new char[4096];
        private DialectReport? _dialect;
        private int _headerCount;
        private long _read, _kept, _fixed, _quarantined, _duplicate, _blank;
        private int _rowInGroup;
        private ParquetWriter? _writer;

        public QualityReport Rejected(FileRejection rejection) => Report(UploadOutcome.Rejected, rejection);

        public void Dispose() => _hmac.Dispose();

        public async Task<QualityReport> RunAsync(Stream input, Stream output, CancellationToken ct)
        {
            CsvInput csv;
            try
            {
                csv = CsvInput.Open(input, upload.FileName, _contract.Dialect.Encoding, options);
            }
            catch (InvalidDataException)
            {
                throw FileRejectedException.Of("truncated-gzip", "the gzip stream is corrupt or truncated");
            }

            using (csv)
            {
                // First chunk on this thread: the delimiter must be known before any stage starts.
                var first = new byte[ChunkBytes];
                var firstLength = ReadChunk(csv, first, 0, ct);
                byte delimiter = _contract.Dialect.Delimiter is { } d ? (byte)d[0] : CsvRecordParser.Sniff(first.AsSpan(0, firstLength));
                var decimalSeparator = _contract.Dialect.DecimalSeparator ?? (delimiter == ',' ? "." : ".,");
                _dialect = new DialectReport(csv.Encoding, ((char)delimiter).ToString(), decimalSeparator, csv.Compression, csv.ByteOrderMark);

                var batches = Channel.CreateBounded<RowBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
                var free = Channel.CreateUnbounded<RowBatch>();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);

                // Parquet.Net writes many small pieces; one large buffer turns them into few file writes.
                // Not disposed: that would close the caller's stream; flushed once the file is complete.
                var buffered = new BufferedStream(output, 1 << 20);
                var producer = Task.Factory.StartNew(
                    () => Produce(csv, first, firstLength, delimiter, batches.Writer, free.Reader, cts.Token),
                    cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                try
                {
                    var header = true;
                    while (await WaitAsync(batches.Reader, ct) && batches.Reader.TryRead(out var batch))
                    {
                        var start = 0;
                        if (header && batch.RecordCount > 0)
                        {
                            ProcessHeader(batch, (char)delimiter);
                            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_outputs.Select(p => (Field)p.Output!.Field)), buffered, null, false, ct);
                            header = false;
                            start = 1;
                        }

                        for (var r = start; r < batch.RecordCount; r++)
                        {
                            ProcessRecord(batch, r);
                            if (_rowInGroup == options.RowGroupSize)
                            {
                                await FlushAsync(ct);
                            }
                        }

                        free.Writer.TryWrite(batch);
                    }

                    await producer;
                    if (header)
                    {
                        throw FileRejectedException.Of("empty-file", "the file has no header line");
                    }

                    await FlushAsync(ct);
                    await _writer!.DisposeAsync();
                    _writer = null;
                    await buffered.FlushAsync(ct);
                    return Report(UploadOutcome.Curated, null);
                }
                finally
                {
                    await cts.CancelAsync();
                    try
                    {
                        await producer;
                    }
                    catch (Exception)
                    {
                        // Already observed (or irrelevant) on this path: the report says why the run stopped.
                    }

                    if (_writer is not null)
                    {
                        await _writer.DisposeAsync();
                    }
                }
            }
        }

        private static async Task<bool> WaitAsync(ChannelReader<RowBatch> reader, CancellationToken ct)
        {
            try
            {
                return await reader.WaitToReadAsync(ct);
            }
            catch (ChannelClosedException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private static int ReadChunk(CsvInput csv, byte[] buffer, int offset, CancellationToken ct)
        {
            var total = offset;
            try
            {
                while (total < buffer.Length)
                {
                    ct.ThrowIfCancellationRequested();
                    var n = csv.Utf8.Read(buffer.AsSpan(total));
                    if (n == 0)
                    {
                        break;
                    }

                    total += n;
                }
            }
            catch (DecoderFallbackException)
            {
                throw FileRejectedException.Of("encoding", $"the file is not valid {csv.Encoding}");
            }
            catch (InvalidDataException)
            {
                throw FileRejectedException.Of("truncated-gzip", "the gzip stream is corrupt or truncated");
            }

            return total - offset;
        }

        private void Produce(CsvInput csv, byte[] buffer, int length, byte delimiter, ChannelWriter<RowBatch> output, ChannelReader<RowBatch> free, CancellationToken ct)
        {
            try
            {
                var parser = new CsvRecordParser(delimiter, options, new RowBatch());
                long consumed = csv.BomBytes;
                var carry = 0;
                var eof = length == 0;
                while (true)
                {
                    var total = carry + length;
                    var cut = eof ? total : total - CsvInput.IncompleteTail(buffer.AsSpan(0, total));
                    if (csv.NeedsValidation)
                    {
                        var bad = CsvInput.FirstInvalidUtf8(buffer.AsSpan(0, cut));
                        if (bad >= 0)
                        {
                            throw FileRejectedException.Of("encoding", $"invalid UTF-8 at byte offset {consumed + bad}", byteOffset: consumed + bad);
                        }
                    }

                    parser.Parse(buffer.AsSpan(0, cut));
                    consumed += cut;
                    carry = total - cut;
                    buffer.AsSpan(cut, carry).CopyTo(buffer);
                    if (parser.BatchFull)
                    {
                        var next = free.TryRead(out var recycled) ? recycled : new RowBatch();
                        WriteBlocking(output, parser.Swap(next), ct);
                    }

                    if (eof)
                    {
                        break;
                    }

                    length = ReadChunk(csv, buffer, carry, ct);
                    eof = length == 0;
                }

                parser.Complete();
                csv.VerifyComplete?.Invoke();
                WriteBlocking(output, parser.Batch, ct);
                output.Complete();
            }
            catch (Exception ex)
            {
                output.Complete(ex);
            }
        }

        private static void WriteBlocking(ChannelWriter<RowBatch> output, RowBatch batch, CancellationToken ct)
        {
            if (!output.TryWrite(batch))
            {
                output.WriteAsync(batch, ct).AsTask().GetAwaiter().GetResult();
            }
        }

        private void ProcessHeader(RowBatch batch, char delimiter)
        {
            var names = new Dictionary<string, (ColumnSpec Column, string? Unit)>(StringComparer.Ordinal);
            foreach (var c in _contract.Columns)
            {
                foreach (var h in c.Aliases.Prepend(c.Name))
                {
                    names[HeaderNormalizer.Normalize(h)] = (c, null);
                }

                foreach (var (h, unit) in c.HeaderUnits ?? new Dictionary<string, string>())
                {
                    names[HeaderNormalizer.Normalize(h)] = (c, unit);
                }
            }

            var first = batch.RecordFirstField[0];
            _headerCount = batch.RecordFieldCount[0];
            var found = new Dictionary<string, (int Field, string? Unit)>(StringComparer.Ordinal);
            for (var f = 0; f < _headerCount; f++)
            {
                var raw = Encoding.UTF8.GetString(batch.Field(first + f));
                var normalized = HeaderNormalizer.Normalize(raw);
                if (normalized.Length == 0)
                {
                    throw FileRejectedException.Of("blank-header", $"header cell {f + 1} is blank", 1);
                }

                if (!names.TryGetValue(normalized, out var hit))
                {
                    _unknown.Add(new UnknownColumn(f + 1, normalized));
                    continue;
                }

                if (!found.TryAdd(hit.Column.Name, (f, hit.Unit)))
                {
                    throw FileRejectedException.Of("duplicate-header", $"two header cells name column '{hit.Column.Name}'", 1, hit.Column.Name);
                }
            }

            foreach (var c in _contract.Columns)
            {
                if (c.Required && !found.ContainsKey(c.Name))
                {
                    throw FileRejectedException.Of("missing-column", $"required column '{c.Name}' is missing", 1, c.Name);
                }
            }

            foreach (var c in _contract.Columns)
            {
                var plan = new ColumnPlan { Name = c.Name, Type = c.Type, Privacy = c.Privacy, Spec = c };
                if (found.TryGetValue(c.Name, out var at))
                {
                    plan.SourceField = at.Field;
                    plan.HeaderUnit = at.Unit;
                }

                if (c.Privacy != PrivacyRole.Direct)
                {
                    plan.Normalizer = new ColumnNormalizer(c, _contract.Dialect, delimiter, today);
                }

                var dropped = c.Privacy == PrivacyRole.Direct || c.Generalize?.Kind == GeneralizeKind.Drop;
                if (!dropped)
                {
                    var kind = c.Privacy == PrivacyRole.Identifier ? OutputKind.String : c.Type switch
                    {
                        ColumnType.Integer => OutputKind.Int32,
                        ColumnType.Number => OutputKind.Double,
                        ColumnType.Boolean => OutputKind.Boolean,
                        ColumnType.Date => OutputKind.Date,
                        ColumnType.DateTime => OutputKind.Timestamp,
                        _ => OutputKind.String,
                    };
                    plan.Output = OutputColumn.Create(c.Name, kind, options.RowGroupSize);
                    _outputs.Add(plan);
                    if (c.Privacy == PrivacyRole.Quasi)
                    {
                        _quasi.Add(plan);
                    }
                }

                if (c.Type == ColumnType.Category && plan.ReportsValues)
                {
                    plan.Categories = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                _plans.Add(plan);
            }

            foreach (var d in _contract.Derived)
            {
                var plan = new ColumnPlan
                {
                    Name = d.Name,
                    Type = d.Type,
                    Privacy = d.Privacy,
                    Derived = d,
                    DerivedFrom0 = _plans.FindIndex(p => p.Name == d.From[0]),
                    DerivedFrom1 = _plans.FindIndex(p => p.Name == d.From[1]),
                    Output = OutputColumn.Create(d.Name, OutputKind.Int32, options.RowGroupSize),
                };
                _outputs.Add(plan);
                if (d.Privacy == PrivacyRole.Quasi)
                {
                    _quasi.Add(plan);
                }

                _plans.Add(plan);
            }

            foreach (var key in _contract.PrimaryKey)
            {
                _keyPlans.Add(_plans.FindIndex(p => p.Name == key));
            }
        }

        private void ProcessRecord(RowBatch batch, int r)
        {
            _read++;
            var first = batch.RecordFirstField[r];
            var count = batch.RecordFieldCount[r];
            var stored = Math.Min(count, options.MaxColumns + 1);
            var blank = true;
            for (var f = 0; f < stored && blank; f++)
            {
                blank = batch.Field(first + f).Trim(" \t"u8).IsEmpty;
            }

            if (blank)
            {
                _blank++;
                return;
            }

            _rowViolations.Clear();
            if (count != _headerCount)
            {
                _rowViolations.Add((-1, Rules.FieldCount));
            }
            else if (batch.RecordHasNul[r])
            {
                _rowViolations.Add((-1, Rules.NulByte));
            }
            else
            {
                CheckCells(batch, first);
            }

            if (_rowViolations.Count > 0)
            {
                Quarantine(batch.RecordLine[r]);
                return;
            }

            if (_keyPlans.Count > 0)
            {
                var h = 0x5151_5151UL;
                foreach (var k in _keyPlans)
                {
                    var p = _plans[k];
                    h = Hash64.Add(h, _chars.AsSpan(p.RawStart, p.RawLength).Trim());
                }

                if (!_keys.Add(h))
                {
                    _duplicate++;
                    return;
                }
            }

            Commit();
        }

        private void CheckCells(RowBatch batch, int first)
        {
            var pos = 0;
            foreach (var p in _plans)
            {
                if (p.Derived is not null)
                {
                    continue;
                }

                if (p.SourceField < 0)
                {
                    p.Cell = new CellResult { Status = CellStatus.Missing };
                    p.RawLength = 0;
                    continue;
                }

                if (p.Normalizer is null)
                {
                    continue; // direct: never parsed beyond the field count
                }

                var bytes = batch.Field(first + p.SourceField);
                var need = pos + (bytes.Length * 2) + Pseudonymizer.Length;
                if (need > _chars.Length)
                {
                    Array.Resize(ref _chars, Math.Max(need, _chars.Length * 2));
                }

                var decoded = Encoding.UTF8.GetChars(bytes, _chars.AsSpan(pos));
                p.RawStart = pos;
                p.RawLength = decoded;
                p.TextStart = pos + decoded;
                var cell = p.Normalizer.Normalize(_chars.AsSpan(pos, decoded), _chars.AsSpan(pos + decoded, Math.Max(decoded, 1)), p.HeaderUnit);
                pos += decoded * 2;
                p.Cell = cell;
                if (cell.Status == CellStatus.Invalid)
                {
                    _rowViolations.Add((_plans.IndexOf(p), cell.Rule!));
                }
            }

            for (var i = 0; i < _plans.Count; i++)
            {
                var p = _plans[i];
                if (p.Derived is not { } d)
                {
                    continue;
                }

                var a = _plans[p.DerivedFrom0].Cell;
                var b = _plans[p.DerivedFrom1].Cell;
                if (a.Status != CellStatus.Value || b.Status != CellStatus.Value)
                {
                    p.Cell = new CellResult { Status = CellStatus.Missing };
                    continue;
                }

                long value = d.Function == DerivedFunction.DaysBetween
                    ? b.Date.DayNumber - a.Date.DayNumber
                    : YearsBetween(a.Date, b.Date);
                if (d.Range is { } range && (value < range.Min || value > range.Max))
                {
                    p.Cell = CellResult.Invalid(Rules.Range);
                    _rowViolations.Add((i, Rules.Range));
                    continue;
                }

                if (d.TopCode is { } top && value >= top)
                {
                    value = top;
                }

                p.Cell = new CellResult { Status = CellStatus.Value, Integer = value, Number = value };
            }
        }

        private static long YearsBetween(DateOnly from, DateOnly to)
        {
            var years = to.Year - from.Year;
            if (to.Month < from.Month || (to.Month == from.Month && to.Day < from.Day))
            {
                years--;
            }

            return years;
        }

        private void Quarantine(long line)
        {
            _quarantined++;
            var list = _rejected.Count < options.RejectedRowsInReport ? new List<Violation>(_rowViolations.Count) : null;
            foreach (var (plan, rule) in _rowViolations)
            {
                _violations[rule] = _violations.GetValueOrDefault(rule) + 1;
                if (plan >= 0)
                {
                    _plans[plan].Invalid++;
                }

                list?.Add(new Violation(plan >= 0 ? _plans[plan].Name : null, rule));
            }

            if (list is not null)
            {
                _rejected.Add(new RejectedRow(line, list));
            }
        }

        private void Commit()
        {
            var row = _rowInGroup++;
            var rowFixed = false;
            var group = 0x1234_5678UL;
            foreach (var p in _plans)
            {
                if (p.Normalizer is null && p.Derived is null)
                {
                    continue; // direct
                }

                var cell = p.Cell;
                if (cell.Fixed)
                {
                    rowFixed = true;
                    p.Fixed++;
                }

                var isValue = cell.Status == CellStatus.Value;
                if (!isValue)
                {
                    p.Missing++;
                }

                var output = p.Output;
                if (output is null)
                {
                    continue;
                }

                var quasi = p.Privacy == PrivacyRole.Quasi;
                switch (output)
                {
                    case TextColumn text when !isValue:
                        text.SetNull(row);
                        if (quasi)
                        {
                            group = Hash64.Add(group, 0xDEADUL);
                        }

                        break;
                    case TextColumn text when p.Privacy == PrivacyRole.Identifier:
                        _hmac.Pseudonymize(_chars.AsSpan(p.TextStart, cell.TextLength), text.Reserve(row, Pseudonymizer.Length));
                        break;
                    case TextColumn text when cell.Category is { } category:
                        text.Set(row, category);
                        if (quasi)
                        {
                            group = Hash64.Add(group, category);
                        }

                        if (p.Categories is not null)
                        {
                            p.Categories[category] = p.Categories.GetValueOrDefault(category) + 1;
                        }

                        break;
                    case TextColumn text:
                    {
                        var value = _chars.AsSpan(p.TextStart, cell.TextLength);
                        if (quasi && p.Spec?.Generalize is { Kind: GeneralizeKind.Prefix, Length: { } n })
                        {
                            value = value[..Math.Min(n, value.Length)];
                        }

                        text.Set(row, value);
                        if (quasi)
                        {
                            group = Hash64.Add(group, value);
                        }

                        break;
                    }

                    case ValueColumn<int> ints:
                        ints.Values[row] = isValue ? (int)cell.Integer : null;
                        group = quasi ? Hash64.Add(group, isValue ? (ulong)cell.Integer : 0xDEADUL) : group;
                        break;
                    case ValueColumn<double> doubles:
                        doubles.Values[row] = isValue ? cell.Number : null;
                        break;
                    case ValueColumn<bool> bools:
                        bools.Values[row] = isValue ? cell.Boolean : null;
                        break;
                    case ValueColumn<DateOnly> dates:
                    {
                        DateOnly? value = isValue ? cell.Date : null;
                        if (isValue && p.Spec?.Generalize?.Kind == GeneralizeKind.Year)
                        {
                            value = new DateOnly(cell.Date.Year, 1, 1);
                        }

                        dates.Values[row] = value;
                        group = quasi ? Hash64.Add(group, value is { } v ? (ulong)v.DayNumber : 0xDEADUL) : group;
                        break;
                    }

                    case ValueColumn<DateTime> times:
                        times.Values[row] = isValue ? cell.DateTime : null;
                        break;
                    default:
                        break;
                }

                if (isValue && p.Type is ColumnType.Integer or ColumnType.Number)
                {
                    var x = p.Type == ColumnType.Integer ? cell.Integer : cell.Number;
                    p.Count++;
                    p.Sum += x;
                    p.Min = Math.Min(p.Min, x);
                    p.Max = Math.Max(p.Max, x);
                }
            }

            if (_quasi.Count > 0)
            {
                _groups[group] = _groups.GetValueOrDefault(group) + 1;
            }

            if (rowFixed)
            {
                _fixed++;
            }
            else
            {
                _kept++;
            }
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            if (_rowInGroup == 0 || _writer is null)
            {
                return;
            }

            using (var rowGroup = _writer.CreateRowGroup())
            {
                foreach (var p in _outputs)
                {
                    await p.Output!.WriteAsync(rowGroup, _rowInGroup, ct);
                }

                rowGroup.CompleteValidate();
            }

            _rowInGroup = 0;
        }

        private QualityReport Report(UploadOutcome outcome, FileRejection? rejection)
        {
            var curated = outcome == UploadOutcome.Curated;
            var written = _kept + _fixed;
            return new QualityReport
            {
                UploadId = upload.UploadId,
                Partner = upload.Partner,
                Dataset = upload.Dataset,
                FileName = upload.FileName,
                ContractName = _contract.Name,
                ContractVersion = _contract.Version,
                InputSha256 = upload.ContentSha256,
                Outcome = outcome,
                Rejection = rejection,
                Dialect = _dialect,
                Rows = curated
                    ? new RowCounts { Read = _read, Kept = _kept, Fixed = _fixed, Quarantined = _quarantined, Duplicate = _duplicate, Blank = _blank }
                    : new RowCounts(),
                ViolationsByRule = curated ? _violations : new SortedDictionary<string, long>(StringComparer.Ordinal),
                Columns = curated ? [.. _plans.Select(ColumnReportOf)] : [],
                UnknownColumns = _unknown,
                RejectedRows = curated ? _rejected : [],
                KAnonymity = curated && written > 0 && _quasi.Count > 0 ? _groups.Values.Min() : null,
                QuasiIdentifiers = [.. _quasi.Select(p => p.Name)],
                PseudonymKeyId = pseudonymizer.KeyId,
            };
        }

        private static ColumnReport ColumnReportOf(ColumnPlan p)
        {
            var numeric = p.ReportsValues && p.Count > 0;
            return new ColumnReport
            {
                Name = p.Name,
                Type = p.Type.ToString().ToLowerInvariant(),
                Privacy = p.Privacy.ToString().ToLowerInvariant(),
                Missing = p.Missing,
                Invalid = p.Invalid,
                Fixed = p.Fixed,
                Min = numeric ? p.Min : null,
                Max = numeric ? p.Max : null,
                Mean = numeric ? p.Sum / p.Count : null,
                Categories = p.Categories is { Count: > 0 } c ? new SortedDictionary<string, long>(c, StringComparer.Ordinal) : null,
            };
        }
    }
}
