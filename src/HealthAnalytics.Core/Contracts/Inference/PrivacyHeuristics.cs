using System.Text.RegularExpressions;
using HealthAnalytics.Ingestion;

namespace HealthAnalytics.Contracts;

/// <summary>
/// How contract inference recognizes identifying columns (docs/contracts.md, "From a sample to a contract"): by the
/// header's name, and by the shape of the values. Errs towards privacy: a false "direct" drops a column a user can
/// restore; a missed one would carry names or e-mail addresses into curated data.
/// </summary>
internal static partial class PrivacyHeuristics
{
    /// <summary>Words of a header that name a direct identifier (whole words of the snake-case name).</summary>
    private static readonly HashSet<string> DirectWords = new(StringComparer.Ordinal)
    {
        "name", "names", "surname", "nom", "prenom", "email", "mail", "courriel", "phone", "telephone", "tel", "mobile", "fax",
        "address", "adresse", "street", "rue", "ssn", "nir", "insee", "passport", "iban", "ip", "url", "website", "photo",
        "signature", "initials",
    };

    /// <summary>Strings a normalized header (no separators, lower case) that contains one names a direct identifier
    /// (catches <c>PatientName</c>, <c>e-mail</c>, <c>PhoneNumber</c>).</summary>
    private static readonly string[] DirectParts =
    [
        "firstname", "lastname", "fullname", "givenname", "familyname", "surname", "email", "phone", "telephone", "address",
        "adresse", "courriel", "passport", "socialsecurity", "securitesociale", "licensenumber", "accountnumber", "ipaddress",
    ];

    /// <summary>Whole words that name a record or person identifier.</summary>
    private static readonly HashSet<string> IdentifierWords = new(StringComparer.Ordinal)
    {
        "id", "ids", "uid", "uuid", "guid", "mrn", "ipp", "identifier", "pid", "nhs", "accession", "barcode",
    };

    /// <summary>Normalized headers that are identifiers when followed by <c>id</c>, <c>no</c>, <c>number</c>, <c>num</c>, <c>code</c>, <c>key</c>
    /// (<c>case.id</c>, <c>PatientNo</c>); alone, most of them are something else (<c>case</c> is a case-control label).</summary>
    private static readonly string[] IdentifierStems =
    [
        "patient", "subject", "participant", "person", "case", "record", "sample", "specimen", "encounter", "visit", "stay",
        "sejour", "episode", "admission", "member", "client", "study", "medicalrecord",
    ];

    /// <summary>Normalized headers that are identifiers on their own.</summary>
    private static readonly string[] IdentifierAlone = ["patient", "subject", "participant", "person"];

    private static readonly string[] IdentifierSuffixes = ["id", "no", "number", "num", "code", "key"];

    /// <summary>Whole words that name a quasi-identifier.</summary>
    private static readonly HashSet<string> QuasiWords = new(StringComparer.Ordinal)
    {
        "age", "sex", "gender", "sexe", "male", "female", "dob", "birth", "birthday", "birthdate", "naissance", "born", "yob",
        "zip", "zipcode", "postcode", "postal", "postalcode", "race", "ethnicity", "ethnic", "ethnie", "marital", "occupation",
        "profession", "city", "ville", "town", "county", "commune", "nationality",
    };

    /// <summary>Words that make a quasi string column a postal code (generalized to its first 3 characters).</summary>
    private static readonly HashSet<string> PostalWords = new(StringComparer.Ordinal) { "zip", "zipcode", "postcode", "postal", "postalcode" };

    /// <summary>Words that make a quasi column a sex or gender.</summary>
    private static readonly HashSet<string> SexWords = new(StringComparer.Ordinal) { "sex", "gender", "sexe", "male", "female" };

    public static bool IsSexName(IReadOnlyList<string> words) => words.Any(SexWords.Contains);

    public static bool IsPostalName(IReadOnlyList<string> words) => words.Any(PostalWords.Contains);

    /// <summary>What the header alone says, or null. <paramref name="words"/> are the snake-case name's words.</summary>
    public static (PrivacyRole Role, string Why)? ByName(IReadOnlyList<string> words, string normalizedHeader)
    {
        if (words.FirstOrDefault(DirectWords.Contains) is { } direct)
        {
            return (PrivacyRole.Direct, $"its name contains '{direct}'");
        }

        if (DirectParts.FirstOrDefault(p => normalizedHeader.Contains(p, StringComparison.Ordinal)) is { } part)
        {
            return (PrivacyRole.Direct, $"its name contains '{part}'");
        }

        if (words.FirstOrDefault(IdentifierWords.Contains) is { } id)
        {
            return (PrivacyRole.Identifier, $"its name contains '{id}'");
        }

        foreach (var stem in IdentifierStems)
        {
            if (IdentifierAlone.Contains(normalizedHeader) || IdentifierSuffixes.Any(s => normalizedHeader == stem + s))
            {
                return (PrivacyRole.Identifier, "its name names a record or person identifier");
            }
        }

        if (normalizedHeader.EndsWith("id", StringComparison.Ordinal) && IdentifierStems.Any(s => normalizedHeader.StartsWith(s, StringComparison.Ordinal)))
        {
            return (PrivacyRole.Identifier, "its name names a record or person identifier");
        }

        if (words.FirstOrDefault(QuasiWords.Contains) is { } quasi)
        {
            return (PrivacyRole.Quasi, $"its name contains '{quasi}'");
        }

        return null;
    }

    /// <summary>
    /// The kind of direct identifier most non-missing values look like (at least half of them), or null. Only asked of
    /// columns whose values are text (not numbers, dates or booleans).
    /// </summary>
    /// <param name="values">The column's non-missing values.</param>
    /// <param name="personNames">Whether "two capitalized words" counts: not for a category, whose few levels are often
    /// such words ("Emergency Room").</param>
    public static string? DirectByValue(IReadOnlyCollection<string> values, bool personNames)
    {
        if (values.Count == 0)
        {
            return null;
        }

        foreach (var (kind, pattern) in Kinds)
        {
            if (kind == "person names" && !personNames)
            {
                continue;
            }

            var matches = values.Count(v => IsKind(kind, pattern, v));
            if (matches * 2 >= values.Count)
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Whether one text is contact data (e-mail, phone, social security number, IBAN, IP address, URL): a header cell that is must be data.</summary>
    public static bool IsContactValue(string value) => Kinds.Take(6).Any(k => IsKind(k.Kind, k.Pattern, value));

    private static readonly (string Kind, Regex Pattern)[] Kinds =
    [
        ("e-mail addresses", Email()), ("phone numbers", Phone()), ("social security numbers", SocialSecurity()),
        ("IBANs", Iban()), ("IP addresses", IpAddress()), ("URLs", Url()), ("street addresses", StreetAddress()),
        ("person names", PersonName()),
    ];

    private static bool IsKind(string kind, Regex pattern, string value)
        => pattern.IsMatch(value) && (kind != "phone numbers" || value.Count(char.IsAsciiDigit) >= 9);

    /// <summary>Whether most values look like postal codes (5 digits, ZIP+4, UK or Canadian codes). Only asked of text
    /// columns: 5-digit numbers without a leading zero anywhere are read as integers and not taken for postal codes.</summary>
    public static bool LooksLikePostalCodes(IReadOnlyCollection<string> values)
        => values.Count > 0 && values.Count(v => PostalCode().IsMatch(v)) * 5 >= values.Count * 4;

    /// <summary>Free text: mostly several words and long; it may hold anything, names included.</summary>
    public static bool LooksLikeFreeText(IReadOnlyCollection<string> values)
        => values.Count > 0 && values.Count(v => v.Contains(' ', StringComparison.Ordinal)) * 2 >= values.Count && values.Average(v => v.Length) >= 24;

    /// <summary>Codes that identify a record or a person: letters and digits mixed or long digit runs, many distinct
    /// (at least 20, and a quarter of the values: a patient id repeats over a patient's encounters).</summary>
    public static bool LooksLikeCodes(IReadOnlyCollection<string> values, int distinct)
        => distinct >= 20 && distinct * 4 >= values.Count && values.All(v => Code().IsMatch(v));

    /// <summary>Snake-case words of a header (accents removed, lower case, split on anything not a letter or digit and on camelCase).</summary>
    public static IReadOnlyList<string> Words(string header)
    {
        var folded = CategoryFolding.Fold(CamelBoundary().Replace(header.Trim(), "$1_$2"));
        return [.. NotAlphanumeric().Split(folded).Where(w => w.Length > 0)];
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"^(\+|00|0)?[0-9][0-9 ().\-]{6,}[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();

    // US SSN, and the French NIR (13 digits and a 2-digit key; Corsica 2A/2B), spaced or not.
    [GeneratedRegex(@"^([0-9]{3}-[0-9]{2}-[0-9]{4}|[12] ?[0-9]{2} ?[0-9]{2} ?([0-9]{2}|2A|2B) ?[0-9]{3} ?[0-9]{3}( ?[0-9]{2})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex SocialSecurity();

    [GeneratedRegex(@"^[A-Z]{2}[0-9]{2}( ?[A-Z0-9]{4}){2,7}( ?[A-Z0-9]{1,4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iban();

    [GeneratedRegex(@"^([0-9]{1,3}\.){3}[0-9]{1,3}$|^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{0,4}){2,7}$", RegexOptions.CultureInvariant)]
    private static partial Regex IpAddress();

    [GeneratedRegex(@"^(https?://|www\.)\S+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    [GeneratedRegex(@"^[0-9]{1,5}( ?(bis|ter|[a-z]))?,? +(rue|avenue|av|bd|boulevard|chemin|allee|allée|place|impasse|route|quai|street|st|road|rd|lane|drive|dr|way|court|ct)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StreetAddress();

    // Capitalized words ("Louise", "Le Gall", "Jean-Pierre"): only asked of text columns with too many values to be a category.
    [GeneratedRegex(@"^\p{Lu}[\p{Ll}'’]+([ \-]\p{Lu}[\p{Ll}'’]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PersonName();

    [GeneratedRegex(@"^([0-9]{5}(-[0-9]{4})?|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9])$", RegexOptions.CultureInvariant)]
    private static partial Regex PostalCode();

    [GeneratedRegex(@"^(?=.*[0-9])([A-Za-z]{1,6}[-_ ]?[0-9]{3,}[A-Za-z0-9\-_]*|[0-9]{6,}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$", RegexOptions.CultureInvariant)]
    private static partial Regex Code();

    [GeneratedRegex(@"([a-z0-9])([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex CamelBoundary();

    [GeneratedRegex(@"[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotAlphanumeric();
}
