using Microsoft.Extensions.Options;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// The pseudonymization key fails closed: a host whose key is missing, an unresolved Key Vault reference, or too weak
/// refuses to start (options are validated at start-up), so no upload is ever pseudonymized with a guessable key.
/// App Service hands the literal <c>@Microsoft.KeyVault(...)</c> text to the app when it cannot resolve a reference
/// (role not effective yet, secret missing); that text is long enough to pass a length check, and public. The messages
/// say what is wrong and never contain the value.
/// </summary>
public sealed class PseudonymizationKeyValidation : IValidateOptions<PseudonymizationOptions>
{
    /// <summary>Fewest characters a key may have (256 bits of ASCII).</summary>
    public const int MinLength = 32;

    /// <summary>Fewest distinct characters: a random key of 32+ characters has far more; a repeated word has fewer.</summary>
    public const int MinDistinctCharacters = 12;

    public ValidateOptionsResult Validate(string? name, PseudonymizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = options.Key?.Trim() ?? "";
        if (key.Length == 0)
        {
            return Fail("is missing");
        }

        if (key.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("is an unresolved Key Vault reference: the app could not read the secret (check the app identity's " +
                        "'Key Vault Secrets User' role on the vault and the secret name; docs/deploy.md, key rotation)");
        }

        if (key.Length < MinLength)
        {
            return Fail($"is shorter than {MinLength} characters");
        }

        if (key.Distinct().Count() < MinDistinctCharacters)
        {
            return Fail($"has fewer than {MinDistinctCharacters} distinct characters: not a random key");
        }

        return ValidateOptionsResult.Success;
    }

    private static ValidateOptionsResult Fail(string problem) =>
        ValidateOptionsResult.Fail($"Pseudonymization:Key {problem}. The app refuses to start: no data is processed with this key.");
}
