using HealthAnalytics.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static HealthAnalytics.Integration.Tests.Reliability.Harness;

namespace HealthAnalytics.Integration.Tests.Reliability;

/// <summary>Issue #6 item 3: the partner replaces the blob while a run reads it.</summary>
public sealed class OverwriteTests
{
    private const string BlobName = "hospital-a/encounters/replaced.csv";

    public enum When
    {
        /// <summary>After the properties (size, ETag) were read, before the download starts.</summary>
        BeforeDownload,

        /// <summary>After the first chunk of the download was read.</summary>
        MidDownload,
    }

    [Theory]
    [InlineData(When.BeforeDownload)]
    [InlineData(When.MidDownload)]
    public async Task Ingest_BlobReplacedDuringRun_EachVersionIngestedAloneNeverMixed(When when)
    {
        var runs = Scale(3);
        await using var storage = new TestStorage();
        byte[]? replacement = null;
        var replaced = 0;
        await using var services = await StartAsync(storage, s => s.With<IUploadSource>((inner, _) => new ReplacingSource(inner, when, async () =>
        {
            if (Interlocked.Exchange(ref replacement, null) is { } bytes)
            {
                await storage.UploadAsync(BlobName, bytes);
                Interlocked.Increment(ref replaced);
            }
        })));
        var ingestion = services.GetRequiredService<IngestionService>();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var ignored = 0;

        for (var run = 0; run < runs; run++)
        {
            // Large enough that the download is several reads; v2 has other rows (another seed).
            var (v1, t1) = Csv.Generate(Rows * 20, seed: 30_000 + run, dirty: true);
            var (v2, t2) = Csv.Generate(Rows * 10, seed: 31_000 + run, dirty: true);
            expected[UploadNaming.UploadId("hospital-a", "encounters", Sha256(v1))] = t1.Rows.Written;
            expected[UploadNaming.UploadId("hospital-a", "encounters", Sha256(v2))] = t2.Rows.Written;
            await storage.UploadAsync(BlobName, v1);
            replacement = v2;

            // The event of v1, during which v2 lands; then v2's own event.
            var first = await ingestion.IngestAsync(BlobName, Ct);
            Assert.Equal(run + 1, replaced);
            Assert.True(first.Disposition is IngestionDisposition.Ignored or IngestionDisposition.Processed, first.Disposition.ToString());
            if (first.Disposition == IngestionDisposition.Ignored)
            {
                ignored++;
            }

            var second = await ingestion.IngestAsync(BlobName, Ct);
            Assert.Equal(IngestionDisposition.Processed, second.Disposition);
            Assert.Equal(UploadNaming.UploadId("hospital-a", "encounters", Sha256(v2)), second.UploadId);
        }

        // Every ledger entry is one version exactly: its content hash is v1's or v2's and its curated rows are that
        // version's count. v2 is always there; v1 only when its run finished on the pinned version.
        var ledger = await storage.LedgerEntitiesAsync();
        Assert.Equal(ledger.Select(e => e.GetString("CuratedPath")).Order(), (await AllBlobsAsync(storage.Curated)).Order());
        foreach (var entity in ledger)
        {
            Assert.True(expected.ContainsKey(entity.RowKey), "a ledger entry matches neither version");
            await AssertCuratedOnceAsync(storage, entity, expected[entity.RowKey]);
        }

        Assert.Equal(runs + (runs - ignored), ledger.Count);
        Figure($"item 3 overwrite {when}: {runs} replacements injected; v1 runs ignored (ETag pinned) {ignored}, v1 curated whole {runs - ignored}; v2 curated {runs}; mixed outputs 0, rows lost 0, duplicates 0");
    }

    /// <summary>Replaces the blob (through <paramref name="replace"/>) at the chosen moment of the run's download.</summary>
    private sealed class ReplacingSource(IUploadSource inner, When when, Func<Task> replace) : IUploadSource
    {
        public Task<UploadProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken) => inner.GetPropertiesAsync(name, cancellationToken);

        public async Task<Stream> OpenReadAsync(string name, string eTag, CancellationToken cancellationToken)
        {
            if (when == When.BeforeDownload)
            {
                await replace();
                return await inner.OpenReadAsync(name, eTag, cancellationToken);
            }

            var reads = 0;
            return new HookedStream(await inner.OpenReadAsync(name, eTag, cancellationToken), async (_, _) =>
            {
                if (++reads == 1)
                {
                    await replace();
                }
            });
        }

        public IAsyncEnumerable<UploadProperties> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
    }
}
