using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// Cleans a CSV upload as docs/ingestion.md says, in stages that keep both cores busy: a dedicated thread
/// decompresses, validates UTF-8 and splits records into <see cref="RowBatch"/>es; pool workers take a batch
/// through cleaning (cell rules, fixes, derived columns, key fingerprints, pseudonyms), a short in-order turn
/// (counts, quarantine list, duplicate keys: first wins), and encoding (Parquet values, statistics, k-anonymity
/// groups) while the batch is still in that core's cache; one commit task merges batches in file order into
/// Parquet row groups. Memory is bounded by the row-group size, a few batches, the duplicate-key
/// <see cref="SpillingKeySet"/> and the k-anonymity <see cref="SpillingGroupCounter"/>, which spill to temp
/// files instead of growing with the file.
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
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        QualityReport report;
        using (var run = new CleaningRun(upload, _options, _pseudonymizer, DateOnly.FromDateTime(started.UtcDateTime)))
        {
            try
            {
                report = await run.RunAsync(input, curatedOutput, cancellationToken);
            }
            catch (FileRejectedException ex)
            {
                report = run.Rejected(ex.Rejection);
            }
        }

        CollectRunGarbage(allocatedBefore);

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

    /// <summary>Allocation by a run above which its end triggers one full collection (a 1,000-row upload allocates ~28 MB,
    /// 100,000 rows ~130 MB).</summary>
    internal const long RunGarbageCollectBytes = 64L << 20;

    /// <summary>
    /// A large run leaves 100 MB or more of garbage (batches, row group, pages, key table). The GC would take it back
    /// lazily, during the host's next upload, which then peaks with both: three 100k-row uploads in one process reached
    /// 335 MB, against 155 MB for the first. One blocking collection at the end of such a run (5-15 ms, measured) returns
    /// it first (docs/benchmarks.md, "Cold and warm").
    /// </summary>
    private static void CollectRunGarbage(long allocatedBefore)
    {
        if (GC.GetTotalAllocatedBytes() - allocatedBefore >= RunGarbageCollectBytes)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        }
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

        /// <summary>Position in the primary key, or -1.</summary>
        public int KeyOrdinal { get; set; } = -1;

        /// <summary>Category columns: the canonical values as UTF-8 (indexed like <see cref="ColumnNormalizer.Canonicals"/>).</summary>
        public byte[][] CategoryUtf8 { get; set; } = [];

        /// <summary>Index among the output columns, or -1 when the column is not written.</summary>
        public int OutputIndex { get; set; } = -1;

        /// <summary>The run's statistics, merged batch by batch in file order.</summary>
        public ColumnStats Stats { get; } = new();

        public bool ReportsValues => Privacy is PrivacyRole.None or PrivacyRole.Sensitive;
    }

    /// <summary>Statistics of one column over output rows (missing, numeric, categories) and all rows (invalid): per batch in the encode stage, per run once merged.</summary>
    private sealed class ColumnStats
    {
        public long Missing;
        public long Invalid;
        public long Fixed;
        public double Min = double.PositiveInfinity;
        public double Max = double.NegativeInfinity;
        public double Sum;
        public long Count;
        public long[]? CategoryCounts;

        /// <summary>Numbers, integers and dates of columns that report values: their distribution (docs/ingestion.md).</summary>
        public StreamingHistogram? Histogram;

        /// <summary>Missing cells of output rows by reason: a token, a <c>missingWhen</c> value (docs/contracts.md).</summary>
        public long MissingToken, MissingWhen;

        /// <summary>Invalid cells set missing by <c>onInvalid: set-missing</c>, per rule (fixes); null until the first.</summary>
        public SortedDictionary<string, long>? SetMissing;

        public static ColumnStats Like(ColumnStats run) =>
            new() { CategoryCounts = run.CategoryCounts is { } c ? new long[c.Length] : null, Histogram = run.Histogram?.NewEmpty() };

        public void Reset()
        {
            Missing = Invalid = Fixed = Count = 0;
            Min = double.PositiveInfinity;
            Max = double.NegativeInfinity;
            Sum = 0;
            CategoryCounts?.AsSpan().Clear();
            Histogram?.Reset();
            MissingToken = MissingWhen = 0;
            SetMissing?.Clear();
        }

        public void Add(ColumnStats batch)
        {
            Missing += batch.Missing;
            Invalid += batch.Invalid;
            Fixed += batch.Fixed;
            Count += batch.Count;
            Sum += batch.Sum;
            Min = Math.Min(Min, batch.Min);
            Max = Math.Max(Max, batch.Max);
            Histogram?.Add(batch.Histogram!);
            if (CategoryCounts is { } counts)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] += batch.CategoryCounts![i];
                }
            }

            MissingToken += batch.MissingToken;
            MissingWhen += batch.MissingWhen;
            foreach (var (rule, n) in batch.SetMissing ?? [])
            {
                SetMissing ??= new(StringComparer.Ordinal);
                SetMissing[rule] = SetMissing.GetValueOrDefault(rule) + n;
            }
        }

        /// <summary>A missing cell of an output row that carries a reason (token, missing-when, or a rule set missing).</summary>
        public void CountMissing(string reason, bool setMissing)
        {
            if (setMissing)
            {
                SetMissing ??= new(StringComparer.Ordinal);
                SetMissing[reason] = SetMissing.GetValueOrDefault(reason) + 1;
            }
            else if (reason == Rules.MissingToken)
            {
                MissingToken++;
            }
            else
            {
                MissingWhen++;
            }
        }
    }

    private enum RecordOutcome : byte
    {
        Candidate,
        Blank,
        Quarantined,
        Duplicate,
    }

    /// <summary>
    /// What the clean stage found for one <see cref="RowBatch"/> (per record its outcome and primary-key
    /// fingerprint, per (record, column) the cell and where its UTF-8 text — normalized value or pseudonym — sits
    /// in <see cref="Text"/>), then what the encode stage made of its output rows: Parquet values per column,
    /// statistics, k-anonymity group fingerprints. Recycled with its batch.
    /// </summary>
    private sealed class BatchResults(ColumnPlan[] plans, int keyColumns)
    {
        private readonly int columns = plans.Length;
        public readonly ColumnStats[] Stats = [.. plans.Select(p => ColumnStats.Like(p.Stats))];
        public readonly OutputColumn[] Columns = [.. plans.Where(p => p.Output is not null).Select(p => new OutputColumn(p.Output!.Name, p.Output.Kind))];
        public ulong[] Groups = [];
        public int GroupCount;
        public long Kept;
        public long Fixed;

        public Cell[] Cells = [];
        public int[] TextStart = [];
        public byte[] Text = new byte[1 << 20];
        public RecordOutcome[] Outcome = [];
        public UInt128[] KeyHash = [];
        public readonly List<(int Record, int Plan, string Rule)> Violations = [];

        /// <summary>The current record's primary-key parts (length-prefixed, trimmed, NFC), in column order; where each key ordinal's part starts.</summary>
        public readonly List<byte> KeyScratch = [];
        public readonly int[] KeyPart = new int[keyColumns];

        /// <summary>Per candidate record, its key message (parts in key order) in <see cref="KeyMessages"/>, fingerprinted once per batch.</summary>
        public readonly List<byte> KeyMessages = [];
        public readonly List<(int Start, int Length)> KeyRanges = [];
        public readonly List<int> KeyRecords = [];

        /// <summary>Records whose key fingerprint is their key's pseudonym, and which <see cref="ToHash"/> value that is (<see cref="CleaningRun.KeyIsPseudonym"/>).</summary>
        public readonly List<(int Record, int Hashed)> KeyPseudonyms = [];

        /// <summary>Per column, where the last pseudonymized value of this batch is in <see cref="Text"/>, and its index in <see cref="ToHash"/>.</summary>
        public readonly (int Value, int Length, int Hashed)[] LastPseudonym = new (int, int, int)[plans.Length];

        /// <summary>Distinct identifier values of this batch to pseudonymize, hashed together once the batch is cleaned.</summary>
        public readonly List<(int Start, int Length)> ToHash = [];

        /// <summary>Identifier cells (index into <see cref="Cells"/>) and which <see cref="ToHash"/> value they take the pseudonym of.</summary>
        public readonly List<(int Cell, int Hashed)> Pseudonymized = [];
        public int Start;

        public void Prepare(int records)
        {
            if (Outcome.Length < records)
            {
                // Headroom: batch sizes vary a little, and a reallocation per batch would churn the large-object heap.
                var capacity = Math.Max(records, 3072);
                Cells = new Cell[capacity * columns];
                TextStart = new int[capacity * columns];
                Outcome = new RecordOutcome[capacity];
                KeyHash = new UInt128[capacity];
                Groups = new ulong[capacity];
            }

            foreach (var stats in Stats)
            {
                stats.Reset();
            }

            foreach (var column in Columns)
            {
                column.Reset();
            }

            GroupCount = 0;
            Kept = Fixed = 0;
            Violations.Clear();
            ToHash.Clear();
            Pseudonymized.Clear();
            KeyMessages.Clear();
            KeyRanges.Clear();
            KeyRecords.Clear();
            KeyPseudonyms.Clear();
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
        // A queue, not a ConcurrentBag: a bag keeps what each thread added in that thread's storage until its finalizer
        // has run, so a finished run's batches (tens of MB) outlived it into the next upload (docs/benchmarks.md).
        private readonly ConcurrentQueue<BatchResults> _freeResults = new();
        private readonly DatasetContract _contract = upload.Contract;
        private readonly List<ColumnPlan> _plans = [];
        private readonly List<ColumnPlan> _outputs = [];
        private readonly List<ColumnPlan> _quasi = [];
        private readonly List<int> _keyPlans = [];

        /// <summary>
        /// The plan of a primary key that is one pseudonymized identifier column, or -1. Its rows' duplicate fingerprint is
        /// the pseudonym's 128 bits instead of a second HMAC of the same text (docs/ingestion.md, Duplicates).
        /// </summary>
        private int _keyPseudonymPlan = -1;
        private readonly SpillingKeySet _keys = new(options.DuplicateKeysInMemory, folder: IngestionScratch.Folder(options));
        private readonly KeyFingerprinter _fingerprints = new(pseudonymizer.UsesPlatformHmac);
        private readonly SpillingGroupCounter _groups = new(options.KAnonymityGroupsInMemory, IngestionScratch.Folder(options));
        private readonly SortedDictionary<string, long> _violations = new(StringComparer.Ordinal);
        private readonly List<RejectedRow> _rejected = [];
        private readonly List<UnknownColumn> _unknown = [];
        private ColumnPlan[] _planArray = [];
        private PrivacyFloor? _floor;
        private DialectReport? _dialect;
        private int _headerCount;
        private long _read, _kept, _fixed, _quarantined, _duplicate, _blank;
        private int _rowInGroup;
        private ParquetFileWriter? _writer;

        public QualityReport Rejected(FileRejection rejection) => Report(UploadOutcome.Rejected, rejection);

        /// <summary>
        /// Ends the run and lets go of its buffers at once (~100 MB at the defaults: key table, batches, row group,
        /// pages). Thread-pool threads can keep a finished run's objects reachable until they next run other work, so a
        /// host's next upload would otherwise allocate its own on top of them (docs/benchmarks.md, "Cold and warm").
        /// </summary>
        public void Dispose()
        {
            _keys.Dispose();
            _fingerprints.Dispose();
            _groups.Dispose();
            _writer?.Dispose();
            _freeResults.Clear();
            foreach (var plan in _plans)
            {
                plan.Output?.Release();
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
                // The commit stage runs as its own task, fed in file order: while it commits one batch, the dispatch
                // loop keeps up to CleanInFlight batches cleaning, so both cores stay busy.
                var cleaned = Channel.CreateBounded<(RowBatch Batch, BatchResults Results, Task Cleaning)>(
                    new BoundedChannelOptions(CleanInFlight) { SingleReader = true, SingleWriter = true });
                var committer = Task.CompletedTask;
                var cleanings = new List<Task>();
                var previousDeduplicated = Task.CompletedTask;
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
                            _writer = new ParquetFileWriter(buffered, [.. _outputs.Select(p => p.Output!)], ParquetFileWriter.Codec(options.CuratedCompression));
                            await _writer.StartAsync(ct);
                            committer = CommitAllAsync(cleaned.Reader, free.Writer, cts);
                            header = false;
                            start = 1;
                        }

                        if (header)
                        {
                            free.Writer.TryWrite(batch);
                            continue;
                        }

                        var results = _freeResults.TryDequeue(out var recycled) ? recycled : new BatchResults(_planArray, _keyPlans.Count);
                        results.Start = start;
                        // PreferFairness: the global FIFO queue, not this thread's LIFO local queue, so the oldest batch (the
                        // one the commit stage waits for) is cleaned first instead of the newest.
                        var deduplicated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        var previous = previousDeduplicated;
                        // No token here: a task cancelled before it starts would never release the next batch's in-order
                        // turn; the batch checks the token itself and passes the cancellation down the chain.
                        var cleaning = Task.Factory.StartNew(
                            () => ProcessBatchAsync(batch, results, previous, deduplicated, cts.Token),
                            CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default).Unwrap();
                        previousDeduplicated = deduplicated.Task;
                        cleanings.RemoveAll(t => t.IsCompleted);
                        cleanings.Add(cleaning);
                        await cleaned.Writer.WriteAsync((batch, results, cleaning), cts.Token);
                    }

                    cleaned.Writer.Complete();
                    await committer;
                    await producer;
                    if (header)
                    {
                        throw FileRejectedException.Of("empty-file", "the file has no header line");
                    }

                    if (_floor?.Verdict() is { } floor)
                    {
                        throw new FileRejectedException(floor);
                    }

                    await _writer!.FinishAsync(ct);
                    await buffered.FlushAsync(ct);
                    return Report(UploadOutcome.Curated, null);
                }
                catch (OperationCanceledException) when (committer.IsFaulted)
                {
                    await committer; // rethrows the commit stage's own error, not the cancellation it caused
                    throw;
                }
                finally
                {
                    await cts.CancelAsync();
                    cleaned.Writer.TryComplete();
                    // The record batches (~1.6 MB each) would stay reachable from this method's state as long as the run.
                    while (free.Reader.TryRead(out _) || batches.Reader.TryRead(out _))
                    {
                    }
                    foreach (var task in cleanings.Append(committer).Append(producer))
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

        private async Task CommitAllAsync(ChannelReader<(RowBatch Batch, BatchResults Results, Task Cleaning)> cleaned, ChannelWriter<RowBatch> free, CancellationTokenSource cts)
        {
            try
            {
                while (await cleaned.WaitToReadAsync(cts.Token))
                {
                    while (cleaned.TryRead(out var item))
                    {
                        await CommitBatchAsync(item, free, cts.Token);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await cts.CancelAsync(); // stops the dispatch loop and the parser
                throw;
            }
        }

        /// <summary>
        /// One batch through the parallel stages: clean; then, strictly in file order (after the previous batch's turn),
        /// the short sequential part — counts, quarantine list, duplicate keys (first wins); then encode its output rows.
        /// </summary>
        private async Task ProcessBatchAsync(RowBatch batch, BatchResults results, Task previousDeduplicated, TaskCompletionSource deduplicated, CancellationToken ct)
        {
            try
            {
                ct.ThrowIfCancellationRequested();
                CleanBatch(batch, results);
                await previousDeduplicated.ConfigureAwait(false);
                Deduplicate(batch, results);
                deduplicated.SetResult();
            }
            catch (Exception ex)
            {
                deduplicated.TrySetException(ex); // later batches wait for this one's turn: release them with the error
                throw;
            }

            Encode(results, batch.RecordCount);
        }

        /// <summary>The sequential part of a batch (runs on a worker, but one batch at a time and in file order).</summary>
        private void Deduplicate(RowBatch batch, BatchResults results)
        {
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
                            results.Outcome[r] = RecordOutcome.Duplicate;
                        }

                        break;
                }
            }

            upload.Progress?.SetRows(_read); // once per batch: the ingestion service publishes it every few seconds
        }

        /// <summary>Commit stage (one task, in file order): a batch's statistics, groups and Parquet values join the run's.</summary>
        private async Task CommitBatchAsync((RowBatch Batch, BatchResults Results, Task Cleaning) item, ChannelWriter<RowBatch> free, CancellationToken ct)
        {
            await item.Cleaning;
            var (batch, results, _) = item;
            _kept += results.Kept;
            _fixed += results.Fixed;
            for (var i = 0; i < _planArray.Length; i++)
            {
                _planArray[i].Stats.Add(results.Stats[i]);
            }

            if (_quasi.Count > 0)
            {
                foreach (var group in results.Groups.AsSpan(0, results.GroupCount))
                {
                    _groups.Add(group);
                }
            }

            for (var c = 0; c < _outputs.Count; c++)
            {
                _outputs[c].Output!.Append(results.Columns[c]);
            }

            // A row group closes at the first batch boundary past RowGroupSize rows (batches hold at most 2,048).
            _rowInGroup += results.Columns.Length > 0 ? results.Columns[0].Rows : 0;
            if (_rowInGroup >= options.RowGroupSize)
            {
                await _writer!.WriteRowGroupAsync(ct);
                _rowInGroup = 0;
            }

            _freeResults.Enqueue(results);
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
                            throw FileRejectedException.Of("encoding", $"invalid UTF-8 at byte offset {consumed + bad}: the contract reads the file as UTF-8 (dialect.encoding utf-8, or none and no byte-order mark); a file saved as Latin-1 or Windows-1252 (Excel, R's write.csv2 on Windows) needs dialect.encoding windows-1252", byteOffset: consumed + bad);
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

        /// <summary>
        /// A header line that looks like data is rejected before anything of it is kept (docs/ingestion.md, "Header"):
        /// when no cell names a contract column (the header line is missing and the first line is a patient's record),
        /// or when more cells look like identifiers (<see cref="IdentifierPatterns"/>) than name columns. The message
        /// gives counts only.
        /// </summary>
        private void ScreenHeader(RowBatch batch, Dictionary<string, (ColumnSpec Column, string? Unit)> names)
        {
            var first = batch.RecordFirstField[0];
            int known = 0, dataLike = 0;
            for (var f = 0; f < _headerCount; f++)
            {
                var raw = Encoding.UTF8.GetString(batch.Field(first + f));
                if (names.ContainsKey(HeaderNormalizer.Normalize(raw)))
                {
                    known++;
                }
                else if (IdentifierPatterns.LooksLikeData(raw))
                {
                    dataLike++;
                }
            }

            if (known == 0 || dataLike > known)
            {
                throw FileRejectedException.Of("header-looks-like-data", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The first line does not look like a header: {known} of its {_headerCount} cells name a column of the contract and {dataLike} look like data (identifier patterns). Is the header line missing?"), 1);
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
            ScreenHeader(batch, names);
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
                    _unknown.Add(UnknownColumn.Screened(f + 1, raw, normalized));
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

            _floor = PrivacyFloor.For(_contract, name => found.TryGetValue(name, out var at) ? at.Field : -1, _headerCount, options.PrivacyFloorShare);

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
                    plan.OutputIndex = _outputs.Count;
                    _outputs.Add(plan);
                    if (c.Privacy == PrivacyRole.Quasi)
                    {
                        _quasi.Add(plan);
                    }
                }

                if (c.Type == ColumnType.Category && plan.Normalizer is { } categories)
                {
                    plan.CategoryUtf8 = [.. categories.Canonicals.Select(Encoding.UTF8.GetBytes)];
                    plan.Stats.CategoryCounts = plan.ReportsValues ? new long[categories.Canonicals.Length] : null;
                }

                plan.Stats.Histogram = HistogramFor(plan);
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
                    OutputIndex = _outputs.Count,
                };
                plan.Stats.Histogram = HistogramFor(plan);
                _outputs.Add(plan);
                if (d.Privacy == PrivacyRole.Quasi)
                {
                    _quasi.Add(plan);
                }

                _plans.Add(plan);
            }

            foreach (var key in _contract.PrimaryKey)
            {
                var plan = _plans.FindIndex(p => p.Name == key);
                _plans[plan].KeyOrdinal = _keyPlans.Count;
                _keyPlans.Add(plan);
            }

            if (_keyPlans is [var only] && KeyIsPseudonym(_plans[only], options))
            {
                _keyPseudonymPlan = only;
            }
        }

        // Integers and day numbers never get bins narrower than 1; measurements down to 2^-20.
        private static StreamingHistogram? HistogramFor(ColumnPlan plan) =>
            plan.ReportsValues && plan.Type is ColumnType.Integer or ColumnType.Number or ColumnType.Date
                ? new StreamingHistogram(plan.Type == ColumnType.Number ? -20 : 0)
                : null;

        /// <summary>
        /// Whether a one-column primary key can take its duplicate fingerprint from its pseudonym: the column is an
        /// identifier that is written (so every kept row's key is pseudonymized anyway) and its value is not upper-cased,
        /// so the pseudonym's input — the cell trimmed and NFC-normalized — is exactly the fingerprint's, and two keys are
        /// one key by the pseudonym exactly when they are by the fingerprint. The pseudonym is a keyed 128-bit HMAC over
        /// that text: what the fingerprint is, under the pseudonymization key instead of a key drawn for the run.
        /// </summary>
        private static bool KeyIsPseudonym(ColumnPlan plan, IngestionOptions options) =>
            options.KeyFingerprintFromPseudonym
            && plan.Privacy == PrivacyRole.Identifier
            && plan.Output is not null
            && plan.Type == ColumnType.String
            && plan.Spec is { UpperCase: false };

        /// <summary>Clean stage (runs on worker threads): everything about a record that does not depend on earlier records.</summary>
        private void CleanBatch(RowBatch batch, BatchResults results)
        {
            results.Prepare(batch.RecordCount);
            _floor?.Sample(batch, results.Start);
            var text = 0;
            for (var r = results.Start; r < batch.RecordCount; r++)
            {
                text = CleanRecord(batch, r, results, text);
            }

            if (results.KeyRecords.Count > 0)
            {
                Span<UInt128> fingerprints = stackalloc UInt128[64];
                var messages = CollectionsMarshal.AsSpan(results.KeyRanges);
                for (var first = 0; first < messages.Length; first += fingerprints.Length)
                {
                    var n = Math.Min(fingerprints.Length, messages.Length - first);
                    _fingerprints.Compute(CollectionsMarshal.AsSpan(results.KeyMessages), messages.Slice(first, n), fingerprints);
                    for (var i = 0; i < n; i++)
                    {
                        results.KeyHash[results.KeyRecords[first + i]] = fingerprints[i];
                    }
                }
            }

            // All pseudonyms of the batch in one call: the HMAC hashes eight values per SIMD pass, which one value
            // at a time could not use (docs/ingestion.md, Pseudonymization).
            var count = results.ToHash.Count;
            if (count > 0)
            {
                var hexStart = EnsureText(results, text, count * Pseudonymizer.Length);
                pseudonymizer.PseudonymizeBatch(
                    results.Text,
                    CollectionsMarshal.AsSpan(results.ToHash),
                    results.Text.AsSpan(hexStart, count * Pseudonymizer.Length));
                foreach (var (cell, hashed) in results.Pseudonymized)
                {
                    results.TextStart[cell] = hexStart + (hashed * Pseudonymizer.Length);
                }

                // The key's pseudonym is its fingerprint (KeyIsPseudonym): its 16 bytes, read back from the hex.
                Span<byte> mac = stackalloc byte[Pseudonymizer.Length / 2];
                foreach (var (record, hashed) in results.KeyPseudonyms)
                {
                    Convert.FromHexString(results.Text.AsSpan(hexStart + (hashed * Pseudonymizer.Length), Pseudonymizer.Length), mac, out _, out _);
                    results.KeyHash[record] = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac);
                }
            }
        }

        private int CleanRecord(RowBatch batch, int r, BatchResults results, int text)
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
            var keyFromPseudonym = _keyPseudonymPlan >= 0 && cells[_keyPseudonymPlan].Status == CellStatus.Value;
            if (_keyPlans.Count > 0 && !keyFromPseudonym)
            {
                // The key's message, parts in key order; fingerprinted with the batch's others (KeyFingerprinter).
                var start = results.KeyMessages.Count;
                var scratch = CollectionsMarshal.AsSpan(results.KeyScratch);
                foreach (var at in results.KeyPart)
                {
                    var part = scratch[at..];
                    results.KeyMessages.AddRange(part[..(4 + System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(part))]);
                }

                results.KeyRanges.Add((start, results.KeyMessages.Count - start));
                results.KeyRecords.Add(r);
            }

            // Pseudonyms are queued on rows that are output (or duplicates) and computed per batch. A patient's
            // encounters usually come one after another, so the previous row's value of the same column is
            // checked first and its queued pseudonym shared (same input, same HMAC: the output is identical).
            for (var i = 0; i < plans.Length; i++)
            {
                if (plans[i].Privacy == PrivacyRole.Identifier && plans[i].Output is not null && cells[i].Status == CellStatus.Value)
                {
                    var at = (r * plans.Length) + i;
                    var value = results.Text.AsSpan(results.TextStart[at], cells[i].TextLength);
                    ref var last = ref results.LastPseudonym[i];
                    if (last.Hashed < 0 || !value.SequenceEqual(results.Text.AsSpan(last.Value, last.Length)))
                    {
                        last = (results.TextStart[at], cells[i].TextLength, results.ToHash.Count);
                        results.ToHash.Add((results.TextStart[at], cells[i].TextLength));
                    }

                    results.Pseudonymized.Add((at, last.Hashed));
                    if (i == _keyPseudonymPlan)
                    {
                        results.KeyPseudonyms.Add((r, last.Hashed));
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

            // One vectorized check per record instead of one per cell: an ASCII record (nearly all of them) lets
            // every cell take the byte fast path without checking again.
            var last = first + batch.RecordFieldCount[r] - 1;
            var ascii = Ascii.IsValid(batch.Data.AsSpan(batch.FieldStart[first], batch.FieldStart[last] + batch.FieldLength[last] - batch.FieldStart[first]));
            var cells = results.Cells.AsSpan(r * plans.Length, plans.Length);
            var textStart = results.TextStart.AsSpan(r * plans.Length, plans.Length);
            results.KeyScratch.Clear();
            for (var i = 0; i < plans.Length; i++)
            {
                var p = plans[i];
                if (p.Derived is not null)
                {
                    continue;
                }

                if (p.SourceField < 0)
                {
                    cells[i] = Cell.Missing;
                    if (p.KeyOrdinal >= 0)
                    {
                        results.KeyPart[p.KeyOrdinal] = results.KeyScratch.Count;
                        KeyFingerprinter.AppendPart(results.KeyScratch, [], ascii);
                    }

                    continue;
                }

                var bytes = batch.Field(first + p.SourceField);
                if (p.KeyOrdinal >= 0 && i != _keyPseudonymPlan) // that one only without a pseudonym, below
                {
                    results.KeyPart[p.KeyOrdinal] = results.KeyScratch.Count;
                    KeyFingerprinter.AppendPart(results.KeyScratch, bytes, ascii);
                }

                if (p.Normalizer is null)
                {
                    continue; // direct: never parsed beyond the field count
                }

                // Only string columns write a normalized text; the others need no room for it.
                var room = p.Type == ColumnType.String ? ColumnNormalizer.Utf8TextRoom(bytes.Length) : 0;
                pos = EnsureText(results, pos, room);
                var cell = p.Normalizer.Normalize(bytes, results.Text.AsSpan(pos, room), p.HeaderUnit, ascii);
                textStart[i] = pos;
                pos += cell.TextLength;
                cells[i] = cell;
                if (cell.Status == CellStatus.Invalid)
                {
                    if (p.Spec!.OnInvalid == InvalidCellAction.SetMissing && cell.Rule != Rules.Required)
                    {
                        // onInvalid: set-missing (docs/contracts.md): the row is kept, the cell counts as a fix of its rule.
                        cells[i] = new Cell { Status = CellStatus.Missing, Rule = cell.Rule, Fixed = true };
                    }
                    else
                    {
                        results.Violations.Add((r, i, cell.Rule!));
                    }
                }

                if (i == _keyPseudonymPlan && cells[i].Status != CellStatus.Value)
                {
                    // No pseudonym to take the fingerprint from (a missing cell or token): the key's part, as for any key.
                    results.KeyPart[p.KeyOrdinal] = results.KeyScratch.Count;
                    KeyFingerprinter.AppendPart(results.KeyScratch, bytes, ascii);
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
                    cells[i] = Cell.Missing;
                    continue;
                }

                long value = d.Function == DerivedFunction.DaysBetween
                    ? b.Date.DayNumber - a.Date.DayNumber
                    : YearsBetween(a.Date, b.Date);
                if (d.Range is { } range && (value < range.Min || value > range.Max))
                {
                    cells[i] = Cell.Invalid(Rules.Range);
                    results.Violations.Add((r, i, Rules.Range));
                    continue;
                }

                if (d.TopCode is { } top && value >= top)
                {
                    value = top;
                }

                cells[i] = Cell.OfInteger(value);
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
                    _plans[plan].Stats.Invalid++;
                }

                list?.Add(new Violation(plan >= 0 ? _plans[plan].Name : null, rule));
            }

            if (list is not null)
            {
                _rejected.Add(new RejectedRow(line, list));
            }
        }

        /// <summary>Encode stage (workers, after the batch's sequential part): each output row's Parquet values, statistics and k-anonymity group.</summary>
        private void Encode(BatchResults results, int records)
        {
            for (var r = results.Start; r < records; r++)
            {
                if (results.Outcome[r] == RecordOutcome.Candidate)
                {
                    EncodeRow(results, r);
                }
            }
        }

        private void EncodeRow(BatchResults results, int r)
        {
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
                var stats = results.Stats[i];
                if (cell.Fixed)
                {
                    rowFixed = true;
                    stats.Fixed++;
                }

                var isValue = cell.Status == CellStatus.Value;
                if (!isValue)
                {
                    stats.Missing++;
                    if (cell.Rule is { } reason)
                    {
                        stats.CountMissing(reason, cell.Fixed);
                    }
                }
                else if (p.Type is ColumnType.Integer or ColumnType.Number)
                {
                    var x = p.Type == ColumnType.Integer ? cell.Bits : cell.Number;
                    stats.Count++;
                    stats.Sum += x;
                    stats.Min = Math.Min(stats.Min, x);
                    stats.Max = Math.Max(stats.Max, x);
                    stats.Histogram?.Add(x);
                }
                else if (p.Type == ColumnType.Date && stats.Histogram is { } days)
                {
                    days.Add(cell.Bits); // the day number
                }

                if (isValue && stats.CategoryCounts is { } counts)
                {
                    counts[cell.Bits]++;
                }

                if (p.OutputIndex < 0)
                {
                    continue;
                }

                var output = results.Columns[p.OutputIndex];

                var quasi = p.Privacy == PrivacyRole.Quasi;
                if (!isValue)
                {
                    output.AppendNull();
                    group = quasi ? Hash64.Add(group, 0xDEADUL) : group;
                    continue;
                }

                switch (output.Kind)
                {
                    case OutputKind.String when p.Type == ColumnType.Category:
                        output.AppendString(p.CategoryUtf8[cell.Bits]);
                        group = quasi ? Hash64.Add(group, (ulong)cell.Bits) : group;
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
                        output.AppendInt32((int)cell.Bits);
                        group = quasi ? Hash64.Add(group, (ulong)cell.Bits) : group;
                        break;
                    case OutputKind.Double:
                        output.AppendDouble(cell.Number);
                        group = quasi ? Hash64.Add(group, BitConverter.DoubleToUInt64Bits(cell.Number)) : group;
                        break;
                    case OutputKind.Boolean:
                        output.AppendBoolean(cell.Bits != 0);
                        group = quasi ? Hash64.Add(group, cell.Bits != 0 ? 1UL : 2UL) : group;
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
                results.Groups[results.GroupCount++] = group;
            }

            if (rowFixed)
            {
                results.Fixed++;
            }
            else
            {
                results.Kept++;
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
                FileName = UploadNaming.ShownFileName(upload.FileName, pseudonymizer.Pseudonymize),
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
                MissingByRule = curated ? Totals(p => [(Rules.MissingToken, p.MissingToken), (Rules.MissingWhen, p.MissingWhen)]) : new SortedDictionary<string, long>(StringComparer.Ordinal),
                SetMissingByRule = curated ? Totals(p => [.. (p.SetMissing ?? []).Select(kv => (kv.Key, kv.Value))]) : new SortedDictionary<string, long>(StringComparer.Ordinal),
                Columns = curated ? [.. _plans.Select(ColumnReportOf)] : [],
                UnknownColumns = _unknown,
                RejectedRows = curated ? _rejected : [],
                KAnonymity = curated && written > 0 && _quasi.Count > 0 ? _groups.SmallestGroup() : null,
                QuasiIdentifiers = [.. _quasi.Select(p => p.Name)],
                Privacy = PrivacyInForce.Of(_contract),
                PseudonymKeyId = pseudonymizer.KeyId,
            };
        }

        /// <summary>Sums per-column counts by rule over the run's columns (rules with a zero total are left out).</summary>
        private SortedDictionary<string, long> Totals(Func<ColumnStats, IEnumerable<(string Rule, long Count)>> counts)
        {
            var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var plan in _plans)
            {
                foreach (var (rule, n) in counts(plan.Stats).Where(c => c.Count > 0))
                {
                    totals[rule] = totals.GetValueOrDefault(rule) + n;
                }
            }

            return totals;
        }

        private static SortedDictionary<string, long>? CategoryReport(ColumnPlan p)
        {
            if (p.Stats.CategoryCounts is not { } counts || counts.All(n => n == 0))
            {
                return null;
            }

            var canonicals = p.Normalizer!.Canonicals;
            var report = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] > 0)
                {
                    report[canonicals[i]] = counts[i];
                }
            }

            return report;
        }

        private static ColumnReport ColumnReportOf(ColumnPlan plan)
        {
            var p = plan.Stats;
            var numeric = plan.ReportsValues && p.Count > 0;
            return new ColumnReport
            {
                Name = plan.Name,
                Type = plan.Type.ToString().ToLowerInvariant(),
                Privacy = plan.Privacy.ToString().ToLowerInvariant(),
                Missing = p.Missing,
                Invalid = p.Invalid,
                Fixed = p.Fixed,
                Min = numeric ? p.Min : null,
                Max = numeric ? p.Max : null,
                Mean = numeric ? p.Sum / p.Count : null,
                Categories = CategoryReport(plan),
                Histogram = ColumnHistogram.Of(p.Histogram?.Result(), plan.Type == ColumnType.Date),
                MissingByRule = p.MissingToken + p.MissingWhen == 0 ? null : new SortedDictionary<string, long>(
                    new[] { (Rules.MissingToken, p.MissingToken), (Rules.MissingWhen, p.MissingWhen) }.Where(c => c.Item2 > 0).ToDictionary(c => c.Item1, c => c.Item2), StringComparer.Ordinal),
                SetMissingByRule = p.SetMissing is { Count: > 0 } set ? new SortedDictionary<string, long>(set, StringComparer.Ordinal) : null,
            };
        }
    }
}
