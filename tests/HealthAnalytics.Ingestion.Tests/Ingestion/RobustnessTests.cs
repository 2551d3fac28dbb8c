using System.Text;
using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static HealthAnalytics.Ingestion.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

public class RobustnessTests
{
    private static readonly Gen<string> CsvIsh =
        Gen.OneOf(Gen.Const(string.Join(",", Header) + "\n"), Gen.Const(string.Empty), Gen.Const(string.Join(";", Header) + "\r\n"))
            .SelectMany(head => Gen.String[Gen.Char["\"\r\n,;\t x0.-E1é\0"], 0, 400].Select(body => head + body));

    [Fact]
    public void Clean_RandomBytes_NeverThrows() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            var r = CleanAsync(bytes).GetAwaiter().GetResult();
            Assert.NotNull(r.Report);
        }, iter: 200, seed: "0N0XIzNsQ0O2");

    [Fact]
    public void Clean_RandomCsvLikeText_NeverThrowsAndCountsAddUp() =>
        CsvIsh.Sample(text =>
        {
            var r = CleanAsync(text).GetAwaiter().GetResult();
            var rows = r.Report.Rows;
            Assert.Equal(rows.Read, rows.Blank + rows.Quarantined + rows.Duplicate + rows.Kept + rows.Fixed);
        }, iter: 200, seed: "0N0XIzNsQ0O2");

    [Fact]
    public async Task Clean_CancelledAtAnyPointOfALargeFile_StopsWithCancellationInsteadOfHanging()
    {
        // Batches take their in-order turn one after another; a batch cancelled before it ran must still release the
        // next one, or the run would wait forever. Cancel at many points, from the header to the last batches.
        var rows = Enumerable.Range(0, 40_000).Select(i => Row(("encounter_id", $"E{i}"), ("patient_id", $"P{i % 9000}")));
        var csv = Encoding.UTF8.GetBytes(Csv([.. rows]));
        var cleaner = new CsvUploadCleaner(Options.Create(new IngestionOptions()), new Pseudonymizer(Key, "k1"), new FixedTime(Today));
        var upload = new UploadRequest("u1", "partner-a", "encounters", "upload.csv", new string('0', 64), Encounters);
        for (var cut = 1; cut <= 24; cut++)
        {
            using var cancel = new CancellationTokenSource();
            var input = new CancellingStream(csv, csv.Length * cut / 25, cancel);
            using var output = new MemoryStream();
            var run = cleaner.CleanAsync(upload, input, output, cancel.Token);
            // A hang ends in a TimeoutException, which fails this assertion.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        }
    }

    /// <summary>Serves the bytes and cancels the run's token once <c>cancelAt</c> bytes have been read.</summary>
    private sealed class CancellingStream(byte[] data, int cancelAt, CancellationTokenSource cancel) : MemoryStream(data, writable: false)
    {
        // MemoryStream routes every other Read overload of a derived type here.
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = base.Read(buffer, offset, count);
            if (Position >= cancelAt)
            {
                cancel.Cancel();
            }

            return n;
        }
    }

    [Fact]
    public void AddIngestion_ShortKey_FailsValidation()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = "short" }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(config).AddIngestion().BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PseudonymizationOptions>>().Value);
    }

    [Fact]
    public void AddIngestion_ValidKey_ResolvesCleaner()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = Key }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddIngestion().BuildServiceProvider();
        Assert.IsType<CsvUploadCleaner>(provider.GetRequiredService<IUploadCleaner>());
    }
}
