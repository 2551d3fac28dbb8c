using System.Text.RegularExpressions;

namespace HealthAnalytics.Ingestion;

/// <summary>
/// The one maintained list of what a direct identifier looks like, by value and by column name (docs/ingestion.md,
/// "Identifier patterns"). Every screen of partner input that is not a cell uses it, and so does the privacy floor:
/// <list type="bullet">
/// <item>header lines: a header that looks like data is rejected, and an unknown column whose name looks like data is
/// listed by position only (<c>CsvUploadCleaner</c>);</item>
/// <item>file and blob names: a file name that looks like data is shown hashed in the ledger and reports, a partner or
/// dataset segment that looks like data refuses the upload (<see cref="UploadNaming"/>);</item>
/// <item>the privacy floor: a contract column named like a direct identifier cannot be <c>none</c>/<c>sensitive</c>
/// without a waiver (<c>ContractLoader</c>), and a column whose cells look like identifiers fails the upload
/// (<see cref="PrivacyFloor"/>).</item>
/// </list>
/// To add a kind, add a row to <see cref="Values"/> (or a name to <see cref="DirectIdentifierNames"/>) and a line to the
/// table in docs/ingestion.md. Patterns run on .NET's non-backtracking engine: linear in the input, whatever it holds.
/// </summary>
public static class IdentifierPatterns
{
    /// <summary>Characters of a text looked at: identifiers are short, and the scan stays bounded for a 1 MiB cell.</summary>
    public const int MaxScannedChars = 1024;

    // Digit and alphanumeric boundaries. Not \b: '_' is a word character, so "Dupont_1985-05-18.csv" has no \b before the
    // date. The engine cannot look around, but a match only has to exist, so the boundary character may be consumed.
    private const string D0 = "(^|[^0-9])";
    private const string D1 = "([^0-9]|$)";
    private const string A0 = "(^|[^A-Za-z0-9])";
    private const string A1 = "([^A-Za-z0-9]|$)";

    /// <summary>Value shapes of direct identifiers (searched anywhere in the text, ASCII digits and letters).</summary>
    /// <remarks><c>Numeric</c>: also looked for in integer and number columns (a phone or NIR typed as a number);
    /// dates, digit runs, URLs and addresses are expected in numbers or are not numbers at all.</remarks>
    public static IReadOnlyList<(string Kind, string Pattern, bool Numeric)> Values { get; } =
    [
        ("e-mail", @"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", false),

        // French NIR (13 digits + 2-digit key; Corsica 2A/2B), with or without the usual spaces.
        ("NIR", D0 + @"[12][ ._]?[0-9]{2}[ ._]?(0[1-9]|1[0-2]|[2-9][0-9])[ ._]?([0-9]{2}|2[ABab])[ ._]?[0-9]{3}[ ._]?[0-9]{3}([ ._]?[0-9]{2})?" + D1, true),
        ("SSN", D0 + "[0-9]{3}-[0-9]{2}-[0-9]{4}" + D1, true),

        // Phones: international (+33 6 ..., 0044 ...), French national (06 12 34 56 78), North American ((415) 555-0100).
        ("phone", @"(\+|(^|[^0-9])00)[1-9][0-9]{0,2}([ ._-]?\(?[0-9]\)?){6,12}" + D1, true),
        ("phone", D0 + "0[1-9]([ ._-]?[0-9]{2}){4}" + D1, true),
        ("phone", @"(\([2-9][0-9]{2}\)|" + D0 + "[2-9][0-9]{2})[ ._-]?[0-9]{3}[ ._-][0-9]{4}" + D1, true),
        ("IBAN", A0 + "[A-Z]{2}[0-9]{2}( ?[A-Z0-9]{4}){3,7}( ?[A-Z0-9]{1,3})?" + A1, false),

        // Full dates (a day, not a year or a month): 1985-05-18, 18/05/1985, 5.18.85.
        ("date", D0 + "[0-9]{4}[-/._](0?[1-9]|1[0-2])[-/._](0?[1-9]|[12][0-9]|3[01])" + D1, false),
        ("date", D0 + "(0?[1-9]|[12][0-9]|3[01])[-/._](0?[1-9]|1[0-2])[-/._]([0-9]{4}|[0-9]{2})" + D1, false),
        ("date", D0 + "(0?[1-9]|1[0-2])[-/._](0?[1-9]|[12][0-9]|3[01])[-/._]([0-9]{4}|[0-9]{2})" + D1, false),

        // Record numbers, ids, compact dates (19850518), card and account numbers: 7 or more digits in a row.
        ("digit run", "[0-9]{7,}", false),
        ("IPv4 address", @"(^|[^0-9.])(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}([^0-9.]|$)", false),
        ("URL", @"(https?|ftp)://|www\.[A-Za-z0-9-]+\.", false),
    ];

    /// <summary>Column names (after header normalization: lower case, no accents, no <c>_ - . </c>) of direct
    /// identifiers and of the Safe Harbor kinds a contract must treat as identifiers.</summary>
    public static IReadOnlySet<string> DirectIdentifierNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "name", "nom", "fullname", "nomcomplet", "patientname", "nompatient", "firstname", "givenname", "forename", "prenom",
        "lastname", "familyname", "surname", "nomdefamille", "nomdenaissance", "nomdusage", "maidenname",
        "email", "mail", "courriel", "emailaddress", "adressemail", "adresseemail", "adressemel",
        "phone", "telephone", "tel", "phonenumber", "mobile", "portable", "cellphone", "fax", "telecopie",
        "nir", "ssn", "socialsecuritynumber", "numerosecuritesociale", "numerosecu", "securitesociale", "insee", "nss",
        "address", "streetaddress", "adresse", "adressepostale", "street", "rue", "voie",
        "iban", "bankaccount", "accountnumber", "numerodecompte",
        "birthdate", "dateofbirth", "dob", "datenaissance", "datedenaissance", "birthday", "ddn",
        "patientid", "mrn", "medicalrecordnumber", "ipp", "idpatient", "numeropatient",
        "passport", "passportnumber", "licensenumber", "driverslicense", "ipaddress", "url", "website",
    };

    /// <summary>Fragments that make a longer column name an identifier's (<c>patient_email</c>, <c>mobile_phone</c>).</summary>
    public static IReadOnlyList<string> DirectIdentifierNameParts { get; } =
    [
        "email", "courriel", "phone", "telephone", "firstname", "lastname", "surname", "prenom", "birthdate", "dateofbirth",
        "naissance", "address", "adresse", "passport", "iban", "socialsecurity", "securitesociale", "patientname", "fullname",
    ];

    private static readonly Regex Any = Compile(Values.Select(v => v.Pattern));
    private static readonly Regex AnyNumeric = Compile(Values.Where(v => v.Numeric).Select(v => v.Pattern));

    /// <summary>True when some identifier shape occurs in <paramref name="text"/> (its first <see cref="MaxScannedChars"/> characters).</summary>
    public static bool LooksLikeData(ReadOnlySpan<char> text) => Any.IsMatch(Clip(text));

    /// <inheritdoc cref="LooksLikeData(ReadOnlySpan{char})"/>
    public static bool LooksLikeData(string? text) => text is not null && LooksLikeData(text.AsSpan());

    /// <summary>Like <see cref="LooksLikeData(ReadOnlySpan{char})"/>, with only the shapes a number can take (phones, NIR, SSN),
    /// and only in a whole number: an identifier typed into a number column is a digit string, while the fraction of a
    /// measurement (a BMI of 25.1904581301587) holds NIR-length digit runs by chance.</summary>
    public static bool NumberLooksLikeData(ReadOnlySpan<char> text) => text.IndexOfAny('.', ',') < 0 && AnyNumeric.IsMatch(Clip(text));

    /// <summary>The kinds (<see cref="Values"/>) that occur in <paramref name="text"/>, for tests and diagnostics.</summary>
    public static IEnumerable<string> KindsIn(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Values.Where(v => Regex.IsMatch(text, v.Pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant)).Select(v => v.Kind).Distinct();
    }

    /// <summary>True when a column name (or alias) names a direct identifier: equal to one of
    /// <see cref="DirectIdentifierNames"/> or containing one of <see cref="DirectIdentifierNameParts"/>, after normalization.</summary>
    public static bool NameLooksLikeDirectIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = HeaderNormalizer.Normalize(name);
        return DirectIdentifierNames.Contains(normalized) || DirectIdentifierNameParts.Any(p => normalized.Contains(p, StringComparison.Ordinal));
    }

    private static ReadOnlySpan<char> Clip(ReadOnlySpan<char> text) => text.Length > MaxScannedChars ? text[..MaxScannedChars] : text;

    private static Regex Compile(IEnumerable<string> patterns) =>
        new(string.Join("|", patterns.Select(p => "(?:" + p + ")")), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
}
