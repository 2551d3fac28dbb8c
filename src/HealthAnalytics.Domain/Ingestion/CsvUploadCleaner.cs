using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using HealthAnalytics.Domain.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Domain.Ingestion;

/// <summary>
/// Cleans a CSV upload as docs/ingestion.md says, in three stages that keep both cores busy: a dedicated
/// thread decompresses, validates UTF-8 and splits records into <see cref="RowBatch"/>es; worker tasks clean
/// up to three batches at once (cell rules, fixes, derived columns, key fingerprints, pseudonyms); the caller's
/// flow commits them in file order (duplicates, statistics, k-anonymity groups) into Parquet row groups.
/// Memory is bounded by the row-group size, a few batches, the duplicate-key <see cref="SpillingKeySet"/> and the
/// k-anonymity <see cref="SpillingGroupCounter"/>, which spill to temp files instead of growing with the file.
/// </summary>
public sealed partial class CsvUploadCleaner : IUploadCleaner
{
    private const int ChunkBytes = 128 * 1024;
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

    /// <summary>Per-column plan (read-only once the header is known, shared by the clean workers) and statistics (commit stage only).</summary>
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
        public int PrefixLength { get; set; } = -1;
        public bool YearOnly { get; set; }

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

    private enum RecordOutcome : byte
    {
        Candidate,
        Blank,
        Quarantined,
    }

    /// <summary>
    /// What the clean stage found for one <see cref="RowBatch"/>: per record its outcome and primary-key
    /// fingerprint, per (record, column) the cell result and where its text (normalized value or pseudonym)
    /// sits in <see cref="Text"/>. Recycled with its batch.
    /// </summary>
    private sealed class BatchResults(int columns)
    {
        public CellResult[] Cells = [];
        public int[] TextStart = [];
        public char[] Text = new char[1 << 20];
        public RecordOutcome[] Outcome = [];
        public ulong[] KeyHash = [];
        public readonly List<(int Record, int Plan, string Rule)> Violations = [];
        public readonly int[] RawStart = new int[columns];
        public readonly int[] RawLength = new int[columns];

        /// <summary>Per column, where the last pseudonymized value of this batch and its pseudonym are in <see cref="Text"/>.</summary>
        public readonly (int Value, int Length, int Pseudonym)[] LastPseudonym = new (int, int, int)[columns];
        public int Start;

        public void Prepare(int records)
        {
            if (Outcome.Length < records)
            {
                // Headroom: batch sizes vary a little, and a reallocation per batch would churn the large-object heap.
                var capacity = Math.Max(records, 3072);
                Cells = new CellResult[capacity * columns];
                TextStart = new int[capacity * columns];
                Outcome = new RecordOutcome[capacity];
                KeyHash = new ulong[capacity];
            }

            Violations.Clear();
            LastPseudonym.AsSpan().Fill((0, 0, -1));
        }
    }

    private sealed class CleaningRun(UploadRequest upload, IngestionOptions options, Pseudonymizer pseudonymizer, DateOnly today) : IDisposable
    {
        // Batches being cleaned at once: with the parser's thread, enough to keep both cores busy while the
        // commit stage drains one; each holds ~4k records (a few MB), so memory stays bounded.
        private const int CleanInFlight = 3;

        // Record batches ever allocated: the parser's two (full + next), the channel's two, and the ones being cleaned
        // or committed. More would only sit in the free list (each is ~1.6 MB).
        private const int MaxBatches = CleanInFlight + 5;
        private readonly ConcurrentBag<Pseudonymizer.Session> _sessions = [];
        private readonly ConcurrentBag<BatchResults> _freeResults = [];
        private readonly DatasetContract _contract = upload.Contract;
        private readonly List<ColumnPlan> _plans = [];
        private readonly List<ColumnPlan> _outputs = [];
        private readonly List<ColumnPlan> _quasi = [];
        private readonly List<int> _keyPlans = [];
        private readonly SpillingKeySet _keys = new(options.DuplicateKeysInMemory);
        private readonly SpillingGroupCounter _groups = new(options.KAnonymityGroupsInMemory);
        private readonly SortedDictionary<string, long> _violations = new(StringComparer.Ordinal);
        private readonly List<RejectedRow> _rejected = [];
        private readonly List<UnknownColumn> _unknown = [];
        private ColumnPlan[] _planArray = [];
        private DialectReport? _dialect;
        private int _headerCount;
        private long _read, _kept, _fixed, _quarantined, _duplicate, _blank;
        private int _rowInGroup;
        private ParquetFileWriter? _writer;

        public QualityReport Rejected(FileRejection rejection) => Report(UploadOutcome.Rejected, rejection);

        public void Dispose()
        {
            _keys.Dispose();
            _groups.Dispose();
            while (_sessions.TryTake(out var session))
            {
                session.Dispose();
            }
        }

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

                // Writes come in row-group-sized pieces already; a buffer still merges the small page headers.
                // Not disposed: that would close the caller's stream; flushed once the file is complete.
                var buffered = new BufferedStream(output, 1 << 20);
                var producer = Task.Factory.StartNew(
                    () => Produce(csv, first, firstLength, delimiter, batches.Writer, free.Reader, cts.Token),
                    cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                var pending = new Queue<(RowBatch Batch, BatchResults Results, Task Cleaning)>();
                try
                {
                    var header = true;
                    while (await WaitAsync(batches.Reader, ct) && batches.Reader.TryRead(out var batch))
                    {
                        var start = 0;
                        if (header && batch.RecordCount > 0)
                        {
                            ProcessHeader(batch, (char)delimiter);
                            _planArray = [.. _plans];
                            _writer = new ParquetFileWriter(buffered, [.. _outputs.Select(p => p.Output!)]);
                            await _writer.StartAsync(ct);
                            header = false;
                            start = 1;
                        }

                        if (header)
                        {
                            free.Writer.TryWrite(batch);
                            continue;
                        }

                        var results = _freeResults.TryTake(out var recycled) ? recycled : new BatchResults(_planArray.Length);
                        results.Start = start;
                        var cleaning = Task.Run(() => CleanBatch(batch, results), cts.Token);
                        pending.Enqueue((batch, results, cleaning));
                        while (pending.Count >= CleanInFlight)
                        {
                            await CommitBatchAsync(pending.Dequeue(), free.Writer, ct);
                        }
                    }

                    while (pending.Count > 0)
                    {
                        await CommitBatchAsync(pending.Dequeue(), free.Writer, ct);
                    }

                    await producer;
                    if (header)
                    {
                        throw FileRejectedException.Of("empty-file", "the file has no header line");
                    }

                    await _writer!.FinishAsync(ct);
                    _writer = null;
                    await buffered.FlushAsync(ct);
                    return Report(UploadOutcome.Curated, null);
                }
                finally
                {
                    await cts.CancelAsync();
                    foreach (var task in pending.Select(p => p.Cleaning).Append(producer))
                    {
                        try
                        {
                            await task;
                        }
                        catch (Exception)
                        {
                            // Already observed (or irrelevant) on this path: the report says why the run stopped.
                        }
                    }
                }
            }
        }

        private async Task CommitBatchAsync((RowBatch Batch, BatchResults Results, Task Cleaning) item, ChannelWriter<RowBatch> free, CancellationToken ct)
        {
            await item.Cleaning;
            var (batch, results, _) = item;
            var violation = 0;
            for (var r = results.Start; r < batch.RecordCount; r++)
            {
                _read++;
                switch (results.Outcome[r])
                {
                    case RecordOutcome.Blank:
                        _blank++;
                        break;
                    case RecordOutcome.Quarantined:
                        var end = violation;
                        while (end < results.Violations.Count && results.Violations[end].Record == r)
                        {
                            end++;
                        }

                        Quarantine(batch.RecordLine[r], results.Violations, violation, end);
                        violation = end;
                        break;
                    default:
                        if (_keyPlans.Count > 0 && !_keys.Add(results.KeyHash[r]))
                        {
                            _duplicate++;
                            break;
                        }

                        Commit(results, r);
                        if (_rowInGroup == options.RowGroupSize)
                        {
                            await _writer!.WriteRowGroupAsync(ct);
                            _rowInGroup = 0;
                        }

                        break;
                }
            }

            _freeResults.Add(results);
            free.TryWrite(batch);
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
                var created = 1;
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
                        RowBatch next;
                        if (free.TryRead(out var recycled))
                        {
                            next = recycled;
                        }
                        else if (created < MaxBatches)
                        {
                            next = new RowBatch();
                            created++;
                        }
                        else
                        {
                            // Every batch is in the pipeline: wait for the commit stage to hand one back.
                            next = free.ReadAsync(ct).AsTask().GetAwaiter().GetResult();
                        }

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
                    plan.Output = new OutputColumn(c.Name, kind);
                    plan.PrefixLength = c.Privacy == PrivacyRole.Quasi && c.Generalize is { Kind: GeneralizeKind.Prefix, Length: { } n } ? n : -1;
                    plan.YearOnly = c.Generalize?.Kind == GeneralizeKind.Year;
                    _outputs.Add(plan);
                    if (c.Privacy == PrivacyRole.Quasi)
                    {
                        _quasi.Add(plan);
                    }
                }

                if (c.Type == ColumnType.Category && plan.ReportsValues)
                {
                    // Keys are the contract's canonical strings (one instance each): reference equality avoids hashing text per row.
                    plan.Categories = new Dictionary<string, long>(ReferenceEqualityComparer.Instance);
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
                    Output = new OutputColumn(d.Name, OutputKind.Int32),
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

        /// <summary>Clean stage (runs on worker threads): everything about a record that does not depend on earlier records.</summary>
        private void CleanBatch(RowBatch batch, BatchResults results)
        {
            var hmac = _sessions.TryTake(out var session) ? session : pseudonymizer.CreateSession();
            try
            {
                results.Prepare(batch.RecordCount);
                var text = 0;
                for (var r = results.Start; r < batch.RecordCount; r++)
                {
                    text = CleanRecord(batch, r, results, hmac, text);
                }
            }
            finally
            {
                _sessions.Add(hmac);
            }
        }

        private int CleanRecord(RowBatch batch, int r, BatchResults results, Pseudonymizer.Session hmac, int text)
        {
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
                results.Outcome[r] = RecordOutcome.Blank;
                return text;
            }

            var violations = results.Violations.Count;
            if (count != _headerCount)
            {
                results.Violations.Add((r, -1, Rules.FieldCount));
            }
            else if (batch.RecordHasNul[r])
            {
                results.Violations.Add((r, -1, Rules.NulByte));
            }
            else
            {
                text = CheckCells(batch, r, results, text);
            }

            if (results.Violations.Count > violations)
            {
                results.Outcome[r] = RecordOutcome.Quarantined;
                return text;
            }

            var plans = _planArray;
            var cells = results.Cells.AsSpan(r * plans.Length, plans.Length);
            if (_keyPlans.Count > 0)
            {
                var h = 0x5151_5151UL;
                foreach (var k in _keyPlans)
                {
                    h = Hash64.Add(h, results.Text.AsSpan(results.RawStart[k], results.RawLength[k]).Trim());
                }

                results.KeyHash[r] = h;
            }

            // Pseudonyms last, on rows that are output (or duplicates): the HMAC is the costliest step. A patient's
            // encounters usually come one after another, so the previous row's value of the same column is
            // checked first and its pseudonym reused (same input, same HMAC: the output is identical).
            for (var i = 0; i < plans.Length; i++)
            {
                if (plans[i].Privacy == PrivacyRole.Identifier && plans[i].Output is not null && cells[i].Status == CellStatus.Value)
                {
                    var at = (r * plans.Length) + i;
                    var value = results.Text.AsSpan(results.TextStart[at], cells[i].TextLength);
                    ref var last = ref results.LastPseudonym[i];
                    if (last.Pseudonym >= 0 && value.SequenceEqual(results.Text.AsSpan(last.Value, last.Length)))
                    {
                        results.TextStart[at] = last.Pseudonym;
                    }
                    else
                    {
                        text = EnsureText(results, text, Pseudonymizer.Length);
                        hmac.Pseudonymize(results.Text.AsSpan(results.TextStart[at], cells[i].TextLength), results.Text.AsSpan(text, Pseudonymizer.Length));
                        last = (results.TextStart[at], cells[i].TextLength, text);
                        results.TextStart[at] = text;
                        text += Pseudonymizer.Length;
                    }

                    cells[i] = cells[i] with { TextLength = Pseudonymizer.Length };
                }
            }

            results.Outcome[r] = RecordOutcome.Candidate;
            return text;
        }

        private static int EnsureText(BatchResults results, int used, int more)
        {
            if (used + more > results.Text.Length)
            {
                Array.Resize(ref results.Text, Math.Max(used + more, results.Text.Length * 2));
            }

            return used;
        }

        private int CheckCells(RowBatch batch, int r, BatchResults results, int pos)
        {
            var plans = _planArray;
            var first = batch.RecordFirstField[r];
            var cells = results.Cells.AsSpan(r * plans.Length, plans.Length);
            var textStart = results.TextStart.AsSpan(r * plans.Length, plans.Length);
            for (var i = 0; i < plans.Length; i++)
            {
                var p = plans[i];
                if (p.Derived is not null)
                {
                    continue;
                }

                results.RawLength[i] = 0;
                if (p.SourceField < 0)
                {
                    cells[i] = new CellResult { Status = CellStatus.Missing };
                    continue;
                }

                if (p.Normalizer is null)
                {
                    continue; // direct: never parsed beyond the field count
                }

                var bytes = batch.Field(first + p.SourceField);
                // Only string columns write a normalized text after the raw one; the others need no room for it.
                var normalizedRoom = p.Type == ColumnType.String ? bytes.Length + 1 : 0;
                pos = EnsureText(results, pos, bytes.Length + normalizedRoom);
                var chars = results.Text;
                var decoded = Encoding.UTF8.GetChars(bytes, chars.AsSpan(pos));
                results.RawStart[i] = pos;
                results.RawLength[i] = decoded;
                textStart[i] = pos + decoded;
                var cell = p.Normalizer.Normalize(chars.AsSpan(pos, decoded), chars.AsSpan(pos + decoded, normalizedRoom == 0 ? 0 : Math.Max(decoded, 1)), p.HeaderUnit);
                pos += decoded + (normalizedRoom == 0 ? 0 : decoded + 1);
                cells[i] = cell;
                if (cell.Status == CellStatus.Invalid)
                {
                    results.Violations.Add((r, i, cell.Rule!));
                }
            }

            for (var i = 0; i < plans.Length; i++)
            {
                var p = plans[i];
                if (p.Derived is not { } d)
                {
                    continue;
                }

                var a = cells[p.DerivedFrom0];
                var b = cells[p.DerivedFrom1];
                if (a.Status != CellStatus.Value || b.Status != CellStatus.Value)
                {
                    cells[i] = new CellResult { Status = CellStatus.Missing };
                    continue;
                }

                long value = d.Function == DerivedFunction.DaysBetween
                    ? b.Date.DayNumber - a.Date.DayNumber
                    : YearsBetween(a.Date, b.Date);
                if (d.Range is { } range && (value < range.Min || value > range.Max))
                {
                    cells[i] = CellResult.Invalid(Rules.Range);
                    results.Violations.Add((r, i, Rules.Range));
                    continue;
                }

                if (d.TopCode is { } top && value >= top)
                {
                    value = top;
                }

                cells[i] = new CellResult { Status = CellStatus.Value, Integer = value, Number = value };
            }

            return pos;
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

        private void Quarantine(long line, List<(int Record, int Plan, string Rule)> violations, int from, int to)
        {
            _quarantined++;
            var list = _rejected.Count < options.RejectedRowsInReport ? new List<Violation>(to - from) : null;
            for (var v = from; v < to; v++)
            {
                var (_, plan, rule) = violations[v];
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

        /// <summary>Commit stage (one thread, in file order): statistics, k-anonymity groups and the row's Parquet values.</summary>
        private void Commit(BatchResults results, int r)
        {
            _rowInGroup++;
            var plans = _planArray;
            var cells = results.Cells.AsSpan(r * plans.Length, plans.Length);
            var textStart = results.TextStart.AsSpan(r * plans.Length, plans.Length);
            var rowFixed = false;
            var group = 0x1234_5678UL;
            for (var i = 0; i < plans.Length; i++)
            {
                var p = plans[i];
                if (p.Normalizer is null && p.Derived is null)
                {
                    continue; // direct
                }

                ref readonly var cell = ref cells[i];
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
                else if (p.Type is ColumnType.Integer or ColumnType.Number)
                {
                    var x = p.Type == ColumnType.Integer ? cell.Integer : cell.Number;
                    p.Count++;
                    p.Sum += x;
                    p.Min = Math.Min(p.Min, x);
                    p.Max = Math.Max(p.Max, x);
                }

                if (cell.Category is { } counted && p.Categories is not null)
                {
                    ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(p.Categories, counted, out _);
                    n++;
                }

                var output = p.Output;
                if (output is null)
                {
                    continue;
                }

                var quasi = p.Privacy == PrivacyRole.Quasi;
                if (!isValue)
                {
                    output.AppendNull();
                    group = quasi ? Hash64.Add(group, 0xDEADUL) : group;
                    continue;
                }

                switch (output.Kind)
                {
                    case OutputKind.String when cell.Category is { } category:
                        output.AppendString(category);
                        group = quasi ? Hash64.Add(group, category) : group;
                        break;
                    case OutputKind.String:
                    {
                        var value = results.Text.AsSpan(textStart[i], cell.TextLength);
                        if (p.PrefixLength >= 0)
                        {
                            value = value[..Math.Min(p.PrefixLength, value.Length)];
                        }

                        output.AppendString(value);
                        group = quasi ? Hash64.Add(group, value) : group;
                        break;
                    }

                    case OutputKind.Int32:
                        output.AppendInt32((int)cell.Integer);
                        group = quasi ? Hash64.Add(group, (ulong)cell.Integer) : group;
                        break;
                    case OutputKind.Double:
                        output.AppendDouble(cell.Number);
                        group = quasi ? Hash64.Add(group, BitConverter.DoubleToUInt64Bits(cell.Number)) : group;
                        break;
                    case OutputKind.Boolean:
                        output.AppendBoolean(cell.Boolean);
                        group = quasi ? Hash64.Add(group, cell.Boolean ? 1UL : 2UL) : group;
                        break;
                    case OutputKind.Date:
                    {
                        var value = p.YearOnly ? new DateOnly(cell.Date.Year, 1, 1) : cell.Date;
                        output.AppendDate(value);
                        group = quasi ? Hash64.Add(group, (ulong)value.DayNumber) : group;
                        break;
                    }

                    case OutputKind.Timestamp:
                        output.AppendTimestamp(cell.DateTime);
                        break;
                    default:
                        output.AppendNull();
                        break;
                }
            }

            if (_quasi.Count > 0)
            {
                _groups.Add(group);
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
                KAnonymity = curated && written > 0 && _quasi.Count > 0 ? _groups.SmallestGroup() : null,
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
