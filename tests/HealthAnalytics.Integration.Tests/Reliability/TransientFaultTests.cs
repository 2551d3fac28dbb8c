using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using HealthAnalytics.Domain.Application;
using HealthAnalytics.Domain.Ports;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 4: a fifth of all storage calls fail with 503 or time out.</summary>
public sealed class TransientFaultTests
{
    [Fact]
    public async Task Ingest_TwentyPercentOfStorageCallsFail_AllUploadsCuratedOnce()
    {
        var files = Scale(200);
        await using var storage = new TestStorage();
        var faults = new FaultInjectionPolicy(seed: 4242, rate: 0.20);
        await using var services = await StartAsync(storage, clients: o =>
        {
            o.AddPolicy(faults, HttpPipelinePosition.PerRetry);

            // Short delays so the short form stays fast; production keeps the SDK defaults (exponential, 0.8 s base).
            o.Retry.Mode = RetryMode.Exponential;
            o.Retry.Delay = TimeSpan.FromMilliseconds(5);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        }, settings: new Dictionary<string, string?> { ["Ingestion:MaxAttempts"] = "5" });
        var ingestion = services.GetRequiredService<IngestionService>();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var f = 0; f < files; f++)
        {
            var (content, truth) = Csv.Generate(Rows, seed: 40_000 + f, dirty: true);
            await storage.UploadAsync($"hospital-{f % 4}/encounters/flaky-{f}.csv", content);
            expected[UploadNaming.UploadId($"hospital-{f % 4}", "encounters", Sha256(content))] = truth.Rows.Written;
        }

        faults.Enabled = true;
        var stopwatch = Stopwatch.StartNew();
        var outcomes = new (IngestionResult? Result, int Thrown)[files];
        await Parallel.ForEachAsync(Enumerable.Range(0, files), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (f, _) =>
            outcomes[f] = await DeliverUntilSettledAsync(ingestion, $"hospital-{f % 4}/encounters/flaky-{f}.csv"));
        stopwatch.Stop();
        faults.Enabled = false;

        Assert.All(outcomes, o => Assert.Equal(UploadStatus.Curated, o.Result?.Status));
        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(files, ledger.Count);
        Assert.Equal(ledger.Select(e => e.GetString("CuratedPath")).Order(), (await AllBlobsAsync(storage.Curated)).Order());
        Assert.Equal(2 * files, (await AllBlobsAsync(storage.Reports)).Count);
        long rows = 0;
        foreach (var entity in ledger)
        {
            rows += await AssertCuratedOnceAsync(storage, entity, expected[entity.RowKey]);
        }

        Assert.Equal(expected.Values.Sum(), rows);
        Assert.True(faults.Injected > files, $"only {faults.Injected} faults injected");
        var redelivered = outcomes.Sum(o => o.Thrown);
        Figure($"item 4 transient faults: {faults.Calls} storage calls, {faults.Injected} failed ({faults.Unavailable} x 503 before sending, {faults.Timeouts} x timeout after the server acted); {files} files curated in {stopwatch.ElapsedMilliseconds} ms, {redelivered} redeliveries needed (attempts > 1: {ledger.Count(e => e.GetInt32("Attempts") > 1)}); rows lost {expected.Values.Sum() - rows}, duplicates 0");
    }

    /// <summary>
    /// Fails a seeded share of calls: half as 503 Server Busy without sending (the server never saw it), half as a
    /// timeout after the real call (the server acted, the client never heard): the retry then meets its own
    /// earlier write (409/412), the case that breaks naive idempotency.
    /// </summary>
    private sealed class FaultInjectionPolicy(int seed, double rate) : HttpPipelinePolicy
    {
        private readonly Random random = new(seed);
        private readonly Lock gate = new();
        private int calls, unavailable, timeouts;

        public volatile bool Enabled;

        public int Calls => calls;
        public int Unavailable => unavailable;
        public int Timeouts => timeouts;
        public int Injected => unavailable + timeouts;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
            => ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (!Enabled)
            {
                await ProcessNextAsync(message, pipeline);
                return;
            }

            Interlocked.Increment(ref calls);
            double roll;
            lock (gate)
            {
                roll = random.NextDouble();
            }

            if (roll < rate / 2)
            {
                Interlocked.Increment(ref unavailable);
                message.Response = new ServerBusyResponse(message.Request.ClientRequestId);
                return;
            }

            await ProcessNextAsync(message, pipeline);
            if (roll < rate)
            {
                Interlocked.Increment(ref timeouts);
                message.Response?.Dispose();

                // What Azure.Core's network timeout throws: retried by the SDK's retry policy.
                throw new TaskCanceledException("simulated network timeout", new TimeoutException());
            }
        }
    }

    private sealed class ServerBusyResponse(string clientRequestId) : Response
    {
        public override int Status => 503;
        public override string ReasonPhrase => "Server Busy";
        public override Stream? ContentStream { get; set; } = new MemoryStream();
        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
