using Azure;
using HealthAnalytics.DevHost;
using HealthAnalytics.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthAnalytics.Integration.Tests.Privacy;

/// <summary>
/// The pseudonymization key fails closed in both hosts: when App Service cannot resolve the Key Vault reference it passes
/// the reference text itself, and the app must refuse to start rather than pseudonymize real data with a public string.
/// </summary>
public sealed class KeyFailsClosedTests
{
    private const string UnresolvedReference = "@Microsoft.KeyVault(VaultName=kv-ha-prod-7f3a;SecretName=pseudonymization-key)";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DevHost_WithAnUnresolvedKeyVaultReference_RefusesToStart_WithAClearMessage_AndProcessesNothing()
    {
        await using var storage = new TestStorage();
        await storage.Uploads.CreateIfNotExistsAsync(cancellationToken: Ct);
        await storage.UploadAsync("demo-hospital/encounters/waiting.csv", Csv.Encounters(50, seed: 3));

        var app = DevHostApp.Build(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(storage.Settings());
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = UnresolvedReference });
        });
        await using (app)
        {
            var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));
            Assert.Contains("unresolved Key Vault reference", refused.Message, StringComparison.Ordinal);
            Assert.Contains("refuses to start", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("kv-ha-prod-7f3a", refused.Message, StringComparison.Ordinal);
        }

        // Nothing ran: no ledger table, no curated blob, no report.
        Assert.Empty(await storage.CuratedBlobsAsync().ContinueWith(t => t.IsFaulted ? [] : t.Result, Ct));
        var ledger = await Record.ExceptionAsync(() => storage.LedgerEntitiesAsync());
        Assert.True(ledger is RequestFailedException { Status: 404 }, "the ledger table was created: the host did some work");
    }

    [Fact]
    public async Task FunctionApp_WithAnUnresolvedKeyVaultReference_FailsItsStartupValidation()
    {
        await using var storage = new TestStorage();
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(storage.Settings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Pseudonymization:Key"] = UnresolvedReference });
        builder.ConfigureHealthAnalytics();
        using var host = builder.Build();

        // What IHost.StartAsync runs first, before any trigger listens.
        var refused = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("unresolved Key Vault reference", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is missing")]
    [InlineData("   ", "is missing")]
    [InlineData("too-short-0123456789", "shorter than 32")]
    [InlineData("passwordpasswordpasswordpasswordpassword", "distinct characters")]
    [InlineData("@microsoft.keyvault(SecretUri=https://kv.vault.azure.net/secrets/k/)", "unresolved Key Vault reference")]
    public void WeakOrUnresolvedKeys_AreRefused_WithoutEchoingThem(string key, string reason)
    {
        var result = new HealthAnalytics.Ingestion.PseudonymizationKeyValidation().Validate(null, new HealthAnalytics.Ingestion.PseudonymizationOptions { Key = key });
        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
        if (key.Trim().Length > 0)
        {
            Assert.DoesNotContain(key.Trim(), result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ARandomKey_IsAccepted()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.True(new HealthAnalytics.Ingestion.PseudonymizationKeyValidation().Validate(null, new HealthAnalytics.Ingestion.PseudonymizationOptions { Key = key }).Succeeded);
    }
}
