using System.Text;
using CsCheck;
using HealthAnalytics.Domain.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using static HealthAnalytics.Domain.Tests.Ingestion.CleanerHarness;

namespace HealthAnalytics.Domain.Tests.Ingestion;

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
    public void AddIngestionDomain_ShortKey_FailsValidation()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = "short" }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(config).AddIngestionDomain().BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PseudonymizationOptions>>().Value);
    }

    [Fact]
    public void AddIngestionDomain_ValidKey_ResolvesCleaner()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = Key }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddIngestionDomain().BuildServiceProvider();
        Assert.IsType<CsvUploadCleaner>(provider.GetRequiredService<IUploadCleaner>());
    }
}
