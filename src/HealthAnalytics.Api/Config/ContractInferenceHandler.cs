using System.Diagnostics;
using System.Text;
using HealthAnalytics.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace HealthAnalytics.Api;

/// <summary>
/// <c>POST /api/config/contracts/infer?dataset={name}</c> (admin): proposes a dataset contract from a CSV sample sent as
/// the body (docs/contracts.md, "From a sample to a contract"). Nothing is stored: the answer is the proposal to review
/// and then <c>PUT /api/config/contracts/{dataset}</c>. The sample is never logged; the answer never holds a value of an
/// identifying column, and errors name a rule and a position, never a value.
/// </summary>
public sealed partial class ContractInferenceHandler(ILogger<ContractInferenceHandler> log)
{
    /// <summary>The largest sample accepted (413 above): the first lines of a file are enough.</summary>
    public const int MaxSampleBytes = ContractInference.MaxSampleBytes;

    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain", "text/tab-separated-values", "application/octet-stream"];

    public async Task<IResult> InferAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dataset = request.Query["dataset"];
        if (dataset.Count != 1 || !ConfigNames.IsValid(dataset[0]))
        {
            // The query value is never echoed: a caller may have typed anything there.
            return Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["dataset"] = ["Required, once: " + ConfigNames.Rule + "."] });
        }

        if (!IsCsv(request.ContentType))
        {
            return Problems.UnsupportedMediaType("Send the sample as text/csv (the first lines of the file, uncompressed).");
        }

        var body = await RequestBodies.ReadAsync(request, MaxSampleBytes, cancellationToken);
        if (body is null)
        {
            return Problems.TooLarge(MaxSampleBytes, "send the first lines of the file");
        }

        if (body.Length == 0)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = ["The sample is empty."] });
        }

        var clock = Stopwatch.StartNew();
        ContractProposal proposal;
        try
        {
            proposal = ContractInference.Infer(body, dataset[0]!);
        }
        catch (ContractInferenceException ex)
        {
            LogRefused(log, ex.Rule);
            return Results.ValidationProblem(
                new Dictionary<string, string[]>(StringComparer.Ordinal) { ["body"] = [$"{ex.Rule}: {ex.Message}."] },
                title: "The sample cannot be read as a CSV file with a header line");
        }

        var identifying = proposal.Contract.Columns.Count(c => c.Privacy is PrivacyRole.Identifier or PrivacyRole.Direct or PrivacyRole.Quasi);
        LogProposed(log, proposal.Sample.Rows, proposal.Sample.Columns, identifying, clock.Elapsed.TotalMilliseconds);
        return Results.Text(ContractProposalJson.Serialize(proposal), "application/json", Encoding.UTF8);
    }

    /// <summary>A CSV media type, or none at all (a client that sends raw bytes without saying).</summary>
    private static bool IsCsv(string? contentType)
        => string.IsNullOrEmpty(contentType)
           || (MediaTypeHeaderValue.TryParse(contentType, out var media) && CsvMediaTypes.Any(m => media.MediaType.Equals(m, StringComparison.OrdinalIgnoreCase)));

    [LoggerMessage(EventId = 4130, Level = LogLevel.Information, Message = "Contract proposed from a sample of {Rows} rows and {Columns} columns ({Identifying} identifying) in {DurationMs} ms")]
    private static partial void LogProposed(ILogger logger, int rows, int columns, int identifying, double durationMs);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "Contract inference refused a sample (rule {Rule})")]
    private static partial void LogRefused(ILogger logger, string rule);
}
