using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>
/// Issue #6 item 7, the reader: <see cref="CsvInput"/> and <see cref="CsvRecordParser"/> on 100,000 hostile and
/// random inputs (<see cref="HostileCsv"/>) read in random chunk sizes, and on RFC 4180 tables written from
/// arbitrary cells. The reader either rejects a file by a documented rule or returns records; the chunking never
/// changes the result; a well-formed table reads back cell for cell with the right start lines.
/// </summary>
public sealed class ReaderFuzzTests
{
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public void Read_100kHostileInputsInRandomChunks_RejectByRuleOrReadTheSameAsInOneChunk()
    {
        var iterations = FuzzSettings.Iterations(100_000);
        var count = 0L;
        var bytes = 0L;
        var clock = Stopwatch.StartNew();
        FuzzSettings.Sample(
            Gen.Select(HostileCsv.Any, Gen.Int[1, 300]),
            pair =>
            {
                var (input, chunk) = pair;
                var started = Stopwatch.GetTimestamp();
                var options = HostileCsv.Options(input.Limits);
                var whole = Outcome(() => CsvReading.Read(input.Bytes, input.FileName, input.DeclaredEncoding, options, 1 << 20));
                var chunked = Outcome(() => CsvReading.Read(input.Bytes, input.FileName, input.DeclaredEncoding, options, chunk));
                // Accept/reject must not depend on chunking. Which rule names a file with two defects may (the
                // cleaner validates UTF-8 a chunk ahead of the parser), so rules are only checked to be documented.
                Assert.Equal(whole.Rule is null, chunked.Rule is null);
                if (whole.Result is { } a && chunked.Result is { } b)
                {
                    Assert.Equal(a.Lines, b.Lines);
                    Assert.Equal(a.Records.Count, b.Records.Count);
                    for (var i = 0; i < a.Records.Count; i++)
                    {
                        Assert.Equal(a.Records[i], b.Records[i]);
                    }

                    // Lines are where records start: strictly increasing from the header's line 1.
                    for (var i = 0; i < a.Lines.Count; i++)
                    {
                        Assert.True(a.Lines[i] >= (i == 0 ? 1 : a.Lines[i - 1] + 1), $"record {i} starts on line {a.Lines[i]}");
                    }
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                Assert.True(elapsed < PerInputLimit, $"took {elapsed.TotalSeconds:F1} s");
                Interlocked.Increment(ref count);
                Interlocked.Add(ref bytes, input.Bytes.Length);
            },
            iterations);

        FuzzSettings.Summarize($"reader fuzz: {count} inputs in {clock.Elapsed.TotalSeconds:F1} s ({count / clock.Elapsed.TotalSeconds:F0} inputs/s, {bytes / Math.Max(1, count)} bytes on average), 0 failures, {FuzzSettings.Origin}");
        Assert.True(FuzzSettings.Seconds > 0 || count >= iterations, $"only {count} of {iterations} inputs ran");
    }

    [Fact]
    public void Read_HostileInputsInRandomChunks_MatchTheReferenceParserFieldForFieldAndRejectionForRejection()
    {
        var iterations = FuzzSettings.Iterations(100_000) / 5;
        FuzzSettings.Sample(
            Gen.Select(HostileCsv.Any, Gen.Int[1, 300]),
            pair =>
            {
                var (input, chunk) = pair;
                var options = HostileCsv.Options(input.Limits);
                var expected = Outcome(() => CsvReading.Read(input.Bytes, input.FileName, input.DeclaredEncoding, options, chunk, reference: true));
                var actual = Outcome(() => CsvReading.Read(input.Bytes, input.FileName, input.DeclaredEncoding, options, chunk));
                Assert.Equal(expected.Rule, actual.Rule);
                Assert.Equal(expected.Message, actual.Message);
                if (expected.Result is { } a && actual.Result is { } b)
                {
                    Assert.Equal(a.Delimiter, b.Delimiter);
                    Assert.Equal(a.Lines, b.Lines);
                    Assert.Equal(a.Records.Count, b.Records.Count);
                    for (var i = 0; i < a.Records.Count; i++)
                    {
                        Assert.Equal(a.Records[i], b.Records[i]);
                    }
                }
            },
            iterations);
    }

    /// <summary>CSV-ish text up to 2,000 characters (fields longer than the parser's 64-byte scan blocks) under tight, random limits.</summary>
    private static readonly Gen<(string Text, int MaxField, int MaxRecord, int MaxColumns, int Chunk)> LimitInputs =
        from text in Gen.Frequency(
            (3, Gen.String[Gen.Char["\"\r\n,,,,;\t abcdefgh1é\0"], 0, 2_000]),
            (1, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789,\n"], 0, 2_000]))
        from maxField in Gen.Int[1, 200]
        from maxRecord in Gen.Int[1, 600]
        from maxColumns in Gen.Int[1, 12]
        from chunk in Gen.Int[1, 700]
        select (text, maxField, maxRecord, maxColumns, chunk);

    [Fact]
    public void Read_LongFieldsUnderTightLimits_MatchTheReferenceParserFieldForFieldAndRejectionForRejection()
    {
        var iterations = FuzzSettings.Iterations(100_000) / 10;
        FuzzSettings.Sample(
            LimitInputs,
            input =>
            {
                var bytes = Encoding.UTF8.GetBytes(input.Text);
                var options = new IngestionOptions { MaxFieldBytes = input.MaxField, MaxRecordBytes = input.MaxRecord, MaxColumns = input.MaxColumns };
                var expected = Outcome(() => CsvReading.Read(bytes, "t.csv", null, options, input.Chunk, (byte)',', reference: true));
                var actual = Outcome(() => CsvReading.Read(bytes, "t.csv", null, options, input.Chunk, (byte)','));
                Assert.Equal(expected.Rule, actual.Rule);
                Assert.Equal(expected.Message, actual.Message);
                if (expected.Result is { } a && actual.Result is { } b)
                {
                    Assert.Equal(a.Lines, b.Lines);
                    Assert.Equal(a.Records.Count, b.Records.Count);
                    for (var i = 0; i < a.Records.Count; i++)
                    {
                        Assert.Equal(a.Records[i], b.Records[i]);
                    }
                }
            },
            iterations);
    }

    /// <summary>An RFC 4180 table: 1-6 columns of arbitrary cells (quotes, delimiters, CR, LF, NUL, non-ASCII).</summary>
    private static readonly Gen<(string[][] Table, string Delimiter, string[] Ends, bool FinalNewline)> Tables =
        from columns in Gen.Int[1, 6]
        from rows in Gen.Int[1, 12]
        from table in Gen.Frequency(
                (3, Gen.String[Gen.Char["\"\r\n,;\t ab1é\0"], 0, 8]),
                (1, Gen.String[0, 8]))
            .Array[columns].Array[rows]
        from delimiter in Gen.OneOf(",", ";", "\t")
        from ends in Gen.OneOf("\n", "\r\n", "\r").Array[rows]
        from finalNewline in Gen.Bool
        select (table, delimiter, ends, finalNewline);

    [Fact]
    public void Read_Rfc4180TableOfArbitraryCells_ReadsBackEveryCellAndStartLine()
    {
        var iterations = FuzzSettings.Iterations(20_000) / 5;
        FuzzSettings.Sample(
            Gen.Select(Tables, Gen.Int[1, 64]),
            pair =>
            {
                var ((table, delimiter, ends, finalNewline), chunk) = pair;
                var text = new StringBuilder();
                var expectedLines = new List<long>();
                var line = 1L;
                for (var r = 0; r < table.Length; r++)
                {
                    expectedLines.Add(line);
                    var start = text.Length;
                    text.AppendJoin(delimiter, table[r].Select(cell => Quote(cell, delimiter, table[r].Length)));
                    if (r < table.Length - 1 || finalNewline)
                    {
                        text.Append(ends[r]);
                    }

                    line += LineBreaks(text.ToString(start, text.Length - start));
                }

                var bytes = Encoding.UTF8.GetBytes(text.ToString());
                var result = CsvReading.Read(bytes, "t.csv", null, new IngestionOptions(), chunk, (byte)delimiter[0]);

                // Cells go through UTF-8 once (a lone surrogate becomes U+FFFD before the reader sees it).
                var expected = table.Select(row => row.Select(c => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(c))).ToArray()).ToList();
                Assert.Equal(expected.Count, result.Records.Count);
                for (var r = 0; r < expected.Count; r++)
                {
                    Assert.Equal(expected[r], result.Records[r]);
                }

                Assert.Equal(expectedLines, result.Lines);
            },
            iterations);
    }

    /// <summary>RFC 4180 quoting when needed; an empty single-column cell is quoted so the record is not a bare empty line.</summary>
    private static string Quote(string cell, string delimiter, int columns) =>
        cell.Length == 0 && columns == 1 || cell.AsSpan().IndexOfAny("\"\r\n") >= 0 || cell.Contains(delimiter, StringComparison.Ordinal)
            ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : cell;

    /// <summary>Physical line breaks: CRLF, CR and LF each count once.</summary>
    private static long LineBreaks(string text)
    {
        var n = 0L;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                n++;
            }
        }

        return n;
    }

    private static (string? Rule, ReadResult? Result, string? Message) Outcome(Func<ReadResult> read)
    {
        try
        {
            return (null, read(), null);
        }
        catch (FileRejectedException ex)
        {
            Assert.Contains(ex.Rejection.Rule, FuzzSettings.DocumentedRules);
            return (ex.Rejection.Rule, null, ex.Rejection.Message);
        }
    }
}

/// <summary>Fuzz run settings from the environment (<c>./dev fuzz</c> sets them), with the suite's defaults.</summary>
internal static class FuzzSettings
{
    /// <summary>The rejection rules docs/ingestion.md defines; any other rule is a bug.</summary>
    public static readonly HashSet<string> DocumentedRules =
    [
        "unsupported-format", "decompressed-size", "truncated-gzip", "encoding", "unterminated-quote", "field-too-large",
        "too-many-columns", "blank-header", "duplicate-header", "missing-column", "empty-file", "header-looks-like-data",
        "privacy-floor",
    ];

    /// <summary>The suite's inputs: input i is drawn from PCG stream i of this seed, so every <c>./dev test</c> run
    /// checks the same inputs and a failure names the one input that replays it.</summary>
    public const ulong SuiteSeed = 20_261_201;

    /// <summary><c>./dev fuzz</c> (<c>HA_FUZZ_RANDOM=1</c>): fresh CsCheck samples every run, failures shrunk.</summary>
    public static bool Exploring => Environment.GetEnvironmentVariable("HA_FUZZ_RANDOM") == "1";

    /// <summary>CsCheck seed of the first exploring iteration (<c>HA_FUZZ_SEED</c>, printed by a failure); null = random.</summary>
    public static string? Seed => Environment.GetEnvironmentVariable("HA_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>What the summary says about the inputs' origin.</summary>
    public static string Origin => Exploring ? $"CsCheck seed {Seed ?? "random"}" : $"suite seed {SuiteSeed}";

    /// <summary>Runs <paramref name="check"/> on <paramref name="iterations"/> inputs of <paramref name="gen"/>: the
    /// suite's fixed inputs, or CsCheck sampling (for a time budget too) when exploring.</summary>
    public static void Sample<T>(Gen<T> gen, Action<T> check, long iterations)
    {
        if (Exploring)
        {
            gen.Sample(check, seed: Seed, iter: Seconds > 0 ? -1 : iterations, time: Seconds, threads: Environment.ProcessorCount);
            return;
        }

        Parallel.For(0L, iterations, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var input = gen.Generate(new PCG((uint)i, SuiteSeed), null, out _);
            try
            {
                check(input);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"suite fuzz input {i} (stream {i} of seed {SuiteSeed}) failed", ex);
            }
        });
    }

    /// <inheritdoc cref="Sample"/>
    public static async Task SampleAsync<T>(Gen<T> gen, Func<T, Task> check, long iterations)
    {
        if (Exploring)
        {
            await gen.SampleAsync(check, writeLine: null, seed: Seed, iter: Seconds > 0 ? -1 : iterations, time: Seconds, threads: Environment.ProcessorCount);
            return;
        }

        await Parallel.ForAsync(0L, iterations, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, cancellationToken) =>
        {
            var input = gen.Generate(new PCG((uint)i, SuiteSeed), null, out _);
            try
            {
                await check(input);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"suite fuzz input {i} (stream {i} of seed {SuiteSeed}) failed", ex);
            }
        });
    }

    /// <summary>Run for this many seconds instead of a count (long runs).</summary>
    public static int Seconds => (int)(Env("HA_FUZZ_SECONDS") ?? -1);

    public static long Iterations(long suiteDefault) => Env("HA_FUZZ_ITERATIONS") ?? suiteDefault;

    public static void Summarize(string line)
    {
        TestContext.Current.SendDiagnosticMessage(line);
        if (Environment.GetEnvironmentVariable("HA_FUZZ_SUMMARY") is { Length: > 0 } path)
        {
            lock (DocumentedRules)
            {
                File.AppendAllText(path, line + "\n");
            }
        }
    }

    private static long? Env(string name) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
}
