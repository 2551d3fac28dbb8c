using System.IO.Compression;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Contracts;

/// <summary><c>./dev contract infer FILE [--name NAME] [--contract OUT]</c>: the console entry point the script calls.</summary>
public sealed class ContractCommandTests
{
    private static string Corpus(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "corpora", "clinical", file);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(file);
    }

    [Fact]
    public void Infer_CorpusFile_PrintsTheProposal_AndWritesTheContractAloneThatLoads()
    {
        var output = Path.Combine(Path.GetTempPath(), $"ha-contract-{Guid.NewGuid():N}.json");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var rc = ContractCommand.Run(["infer", Corpus("lung.csv"), "--contract", output], stdout, stderr);
            Assert.Equal(0, rc);
            var printed = JsonNode.Parse(stdout.ToString())!;
            Assert.Equal("lung", printed["contract"]!["name"]!.GetValue<string>());
            Assert.Equal(10, printed["columns"]!.AsArray().Count);

            var loaded = ContractLoader.Load(File.ReadAllText(output));
            Assert.True(loaded.IsValid);
            Assert.Equal(["NA"], loaded.Contract!.Dialect.MissingValues);
            Assert.Equal(JsonNode.Parse(File.ReadAllText(output))!.ToJsonString(), printed["contract"]!.ToJsonString());
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Infer_GzipFile_IsDecompressed_AndNameFollowsTheNamingRule()
    {
        var gz = Path.Combine(Path.GetTempPath(), $"Pima Indians {Guid.NewGuid():N}.csv.gz");
        try
        {
            using (var file = File.Create(gz))
            using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            {
                zip.Write(File.ReadAllBytes(Corpus("pima.csv")));
            }

            using var stdout = new StringWriter();
            Assert.Equal(0, ContractCommand.Run(["infer", gz], stdout, TextWriter.Null));
            var name = JsonNode.Parse(stdout.ToString())!["contract"]!["name"]!.GetValue<string>();
            Assert.True(ConfigNames.IsValid(name));
            Assert.StartsWith("pima-indians-", name, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    [Theory]
    [InlineData(new string[0], 2)]
    [InlineData(new[] { "guess", "x.csv" }, 2)]
    [InlineData(new[] { "infer", "/nonexistent/file.csv" }, 2)]
    [InlineData(new[] { "infer", "x.csv", "--name", "Bad Name" }, 2)]
    public void Infer_BadArguments_PrintUsageAndReturnTwo(string[] args, int expected)
    {
        using var stderr = new StringWriter();
        Assert.Equal(expected, ContractCommand.Run(args, TextWriter.Null, stderr));
        Assert.NotEmpty(stderr.ToString());
    }

    [Fact]
    public void Infer_HeaderlessFile_ReturnsOneWithTheRule()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ha-headerless-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(file, "12,4.5,2024-01-01\n13,5.5,2024-01-02\n");
            using var stderr = new StringWriter();
            Assert.Equal(1, ContractCommand.Run(["infer", file, "--name", "x"], TextWriter.Null, stderr));
            Assert.Contains("header-looks-like-data", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
