using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;

namespace HealthAnalytics.Ingestion.Tests.Fuzzing;

/// <summary>
/// Contract inference on hostile and random samples (the cleaner fuzzer's inputs): every sample ends in a proposal that
/// <see cref="ContractLoader.Load"/> accepts as written, or in a refusal by a documented rule (docs/contracts.md, "From a
/// sample to a contract") — never another exception, which the API would turn into a 500.
/// </summary>
public sealed class ContractInferenceFuzzTests
{
    private static readonly HashSet<string> RefusalRules =
    [
        "empty-file", "unsupported-format", "encoding", "sample-too-large", "blank-header", "duplicate-header", "header-looks-like-data",
        "unterminated-quote", "field-too-large", "too-many-columns",
    ];

    private static readonly CsvUploadCleaner Cleaner = new(
        Microsoft.Extensions.Options.Options.Create(new IngestionOptions()), new Pseudonymizer(Ingestion.CleanerHarness.Key, "k1"), new Ingestion.FixedTime(Ingestion.CleanerHarness.Today));

    [Fact]
    public async Task Infer_HostileAndRandomSamples_ProposeALoadableContractOrRefuseByADocumentedRule()
    {
        long proposed = 0, refused = 0, ingested = 0;
        await FuzzSettings.SampleAsync(HostileCsv.Any, async input =>
        {
            var sampleLength = Math.Min(input.Bytes.Length, ContractInference.MaxSampleBytes);
            ContractProposal proposal;
            try
            {
                proposal = ContractInference.Infer(input.Bytes.AsSpan(0, sampleLength), "fuzz");
            }
            catch (ContractInferenceException ex)
            {
                Assert.True(RefusalRules.Contains(ex.Rule), $"undocumented rule '{ex.Rule}'");
                Interlocked.Increment(ref refused);
                return;
            }

            var json = JsonNode.Parse(ContractProposalJson.Serialize(proposal))!["contract"]!.ToJsonString();
            var loaded = ContractLoader.Load(json);
            Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
            Interlocked.Increment(ref proposed);

            // The whole sample, profiled to its last line, ingests under its own proposal: every cell the proposal saw
            // is valid or missing, so only rows ingestion refuses whatever the contract (field count, NUL) are quarantined.
            if (sampleLength == input.Bytes.Length && !proposal.Sample.LastLineIgnored)
            {
                var upload = new UploadRequest("fuzz", "partner-f", "fuzz", "fuzz.csv", new string('0', 64), loaded.Contract!);
                using var output = new MemoryStream();
                var report = await Cleaner.CleanAsync(upload, new MemoryStream(input.Bytes, writable: false), output, TestContext.Current.CancellationToken);
                Assert.True(report.Outcome == UploadOutcome.Curated, $"rejected: {report.Rejection?.Rule}");
                Assert.Empty(report.ViolationsByRule.Keys.Except([Rules.FieldCount, Rules.NulByte]));
                Interlocked.Increment(ref ingested);
            }
        }, FuzzSettings.Iterations(1_000));

        FuzzSettings.Summarize($"contract inference fuzz: {proposed} proposed ({ingested} ingested under their proposal), {refused} refused, 0 failures; {FuzzSettings.Origin}");
        Assert.True(proposed > 0 && refused > 0 && ingested > 0, $"the generator is lopsided: {proposed} proposed, {ingested} ingested, {refused} refused");
    }
}
