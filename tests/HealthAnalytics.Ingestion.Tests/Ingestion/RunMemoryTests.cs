using HealthAnalytics.Config;
using HealthAnalytics.Synthetic;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>Runs alone: the test reads the process's heap, which other tests' allocations would blur.</summary>
[CollectionDefinition(nameof(ReadsTheHeap), DisableParallelization = true)]
public sealed class ReadsTheHeap;

/// <summary>
/// A host ingests upload after upload. A finished run must give its buffers back before the next one starts, or the
/// next one peaks with both (three 100k-row uploads in one process reached 335 MB against 155 MB for the first;
/// docs/benchmarks.md, "Cold and warm").
/// </summary>
[Collection(nameof(ReadsTheHeap))]
public sealed class RunMemoryTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task Clean_ALargeUpload_HasGivenItsBuffersBackWhenItReturns()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(Path.GetTempPath(), $"run-memory-{Guid.NewGuid():N}.csv");
        try
        {
            await using (var file = File.Create(path))
            {
                EncounterGenerator.Write(file, new GeneratorOptions { Rows = 100_000, Seed = 21, Dirt = DirtRates.Typical });
            }

            using var pseudonymizer = new Pseudonymizer("run-memory-test-key-0123456789abcdefghij", "k1");
            var cleaner = new CsvUploadCleaner(Options.Create(new IngestionOptions()), pseudonymizer, TimeProvider.System);
            var upload = new UploadRequest("u1", "partner-x", "encounters", "encounters.csv", new string('0', 64), ShippedConfig.Contract("encounters"));

            var before = GC.GetTotalMemory(forceFullCollection: true);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            QualityReport report;
            await using (var input = File.OpenRead(path))
            {
                report = await cleaner.CleanAsync(upload, input, Stream.Null, ct);
            }

            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            // No collection forced here: what the heap holds when the call returns is what the next upload starts on.
            var after = GC.GetTotalMemory(forceFullCollection: false);

            Assert.Equal(UploadOutcome.Curated, report.Outcome);
            Assert.True(allocated > 100 * MiB, $"the run should allocate its working buffers (key table, batches, row group): {allocated / MiB} MiB");
            Assert.True(after - before < 40 * MiB, $"the heap still holds {(after - before) / MiB} MiB of the finished run ({allocated / MiB} MiB allocated)");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
