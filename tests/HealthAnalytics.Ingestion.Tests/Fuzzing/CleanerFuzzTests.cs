using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using HealthAnalytics.Ingestion.Tests.Ingestion;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>
/// Issue #6 item 7: hostile and random uploads through the real <see cref="CsvUploadCleaner"/> (in memory).
/// Every input must end in a report (curated or rejected by a documented rule), never an exception, within
/// 10 s, and a curated report's row accounting must add up (docs/ingestion.md). 5,000 inputs by default;
/// <c>./dev fuzz</c> sets <c>HA_FUZZ_ITERATIONS</c> or <c>HA_FUZZ_SECONDS</c> for long runs and
/// <c>HA_FUZZ_SEED</c> to replay a printed failing seed.
/// </summary>
public sealed class CleanerFuzzTests
{
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whole-cleaner inputs in the suite. A cleaning run has a fixed cost of ~1-5 ms CPU (a producer thread,
    /// chunk and Parquet buffers, column plans) whatever the input's size, so 100,000 runs would take minutes on
    /// 2 cores; the reader gets its 100,000 inputs in <see cref="ReaderFuzzTests"/>, and <c>./dev fuzz</c> runs
    /// this one for as long as asked.
    /// </summary>
    private const long CleanerInputs = 5_000;

    private static readonly CsvUploadCleaner[] Cleaners =
        [.. Enumerable.Range(0, 4).Select(limits => new CsvUploadCleaner(Options.Create(HostileCsv.Options(limits)), new Pseudonymizer(CleanerHarness.Key, "k1"), new FixedTime(CleanerHarness.Today)))];

    [Fact]
    public async Task Clean_HostileAndRandomUploads_AlwaysReportWithinTenSecondsAndRowsAddUp()
    {
        var iterations = FuzzSettings.Iterations(CleanerInputs);
        var seconds = FuzzSettings.Seconds;
        var stats = new Stats();
        var clock = Stopwatch.StartNew();

        // A failure names the suite input that replays it (or, exploring, the CsCheck seed after shrinking).
        await FuzzSettings.SampleAsync(HostileCsv.Any, input => CheckOneAsync(input, stats), iterations);

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"cleaner fuzz: {stats.Inputs} inputs in {clock.Elapsed.TotalSeconds:F1} s ({stats.Inputs / clock.Elapsed.TotalSeconds:F0} inputs/s), 0 failures; curated {stats.Curated}, rejected {stats.Rejected} ({stats.RuleSummary()}); slowest input {stats.SlowestMs:F0} ms; {FuzzSettings.Origin}");
        FuzzSettings.Summarize(summary);

        Assert.True(seconds > 0 || stats.Inputs >= iterations, $"only {stats.Inputs} of {iterations} inputs ran");
        Assert.True(stats.Curated > stats.Inputs / 20 && stats.Rejected > stats.Inputs / 20, $"the generator is lopsided: {summary}");
    }

    private static async Task CheckOneAsync(FuzzUpload input, Stats stats)
    {
        var contract = input.DeclaredEncoding is null ? HostileCsv.Contract : HostileCsv.Contract with { Dialect = HostileCsv.Contract.Dialect with { Encoding = input.DeclaredEncoding } };
        var upload = new UploadRequest("fuzz", "partner-f", "encounters", input.FileName, new string('0', 64), contract);
        using var output = new MemoryStream();

        // The token turns a hang into a failure (OperationCanceledException) instead of a stuck suite.
        using var limit = new CancellationTokenSource(PerInputLimit);
        var clock = Stopwatch.StartNew();
        var report = await Cleaners[input.Limits].CleanAsync(upload, new MemoryStream(input.Bytes, writable: false), output, limit.Token);
        var elapsed = clock.Elapsed;
        Assert.True(elapsed < PerInputLimit, $"took {elapsed.TotalSeconds:F1} s");
        stats.Record(report, elapsed);

        if (report.Outcome == UploadOutcome.Rejected)
        {
            var rule = report.Rejection?.Rule;
            Assert.True(rule is not null && FuzzSettings.DocumentedRules.Contains(rule), $"undocumented rejection rule '{rule}'");
            return;
        }

        Assert.Equal(UploadOutcome.Curated, report.Outcome);
        var rows = report.Rows;
        Assert.Equal(rows.Read, rows.Blank + rows.Quarantined + rows.Duplicate + rows.Kept + rows.Fixed);
        Assert.True(rows.Blank >= 0 && rows.Quarantined >= 0 && rows.Duplicate >= 0 && rows.Kept >= 0 && rows.Fixed >= 0, "a negative row count");

        // A curated file is a complete Parquet file: magic at both ends.
        var parquet = output.GetBuffer().AsSpan(0, (int)output.Length);
        Assert.True(parquet.Length >= 12 && parquet[..4].SequenceEqual("PAR1"u8) && parquet[^4..].SequenceEqual("PAR1"u8), "curated output is not a complete Parquet file");

        // The report renders (JSON for the blob and the API, HTML for people).
        Assert.False(string.IsNullOrEmpty(QualityReportFormat.ToJson(report)));
        Assert.False(string.IsNullOrEmpty(QualityReportFormat.ToHtml(report)));
    }

    private sealed class Stats
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, long> rules = new(StringComparer.Ordinal);

        public long Inputs { get; private set; }
        public long Curated { get; private set; }
        public long Rejected { get; private set; }
        public double SlowestMs { get; private set; }

        public void Record(QualityReport report, TimeSpan elapsed)
        {
            lock (gate)
            {
                Inputs++;
                SlowestMs = Math.Max(SlowestMs, elapsed.TotalMilliseconds);
                if (report.Outcome == UploadOutcome.Curated)
                {
                    Curated++;
                }
                else
                {
                    Rejected++;
                    var rule = report.Rejection?.Rule ?? "?";
                    rules[rule] = rules.GetValueOrDefault(rule) + 1;
                }
            }
        }

        public string RuleSummary()
        {
            lock (gate)
            {
                var text = new StringBuilder();
                foreach (var (rule, count) in rules.OrderByDescending(r => r.Value))
                {
                    text.Append(CultureInfo.InvariantCulture, $"{(text.Length > 0 ? ", " : string.Empty)}{rule} {count}");
                }

                return text.ToString();
            }
        }
    }
}
