using System.Diagnostics;
using HealthAnalytics.Config;
using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Hostile;

/// <summary>The one list of identifier shapes (issue #13): what it must catch, what it must leave alone (the shipped
/// contract's headers, its category values, clinical values, ordinary file names), and that it stays linear.</summary>
public sealed class IdentifierPatternsTests
{
    [Theory]
    [InlineData("e-mail", "jean.dupont@example.fr")]
    [InlineData("e-mail", "Seen; reach at louise.legall+rdv@hopital-nord.example.com today")]
    [InlineData("NIR", "185057800608436")]
    [InlineData("NIR", "1 85 05 78 006 084 36")]
    [InlineData("NIR", "2 69 05 2A 123 456")]
    [InlineData("SSN", "078-05-1120")]
    [InlineData("phone", "06 64 48 96 00")]
    [InlineData("phone", "+33 6 64 48 96 00")]
    [InlineData("phone", "0044 20 7946 0958")]
    [InlineData("phone", "(415) 555-0100")]
    [InlineData("phone", "06.64.48.96.00")]
    [InlineData("IBAN", "FR7630006000011234567890189")]
    [InlineData("IBAN", "FR76 3000 6000 0112 3456 7890 189")]
    [InlineData("date", "1985-05-18")]
    [InlineData("date", "18/05/1985")]
    [InlineData("date", "5.18.85")]
    [InlineData("date", "Le_Gall_1931-08-30.csv")]
    [InlineData("date", "Dupont1985-05-18")]
    [InlineData("phone", "x_06_64_48_96_00")]
    [InlineData("digit run", "PAT540924608")]
    [InlineData("digit run", "19850518")]
    [InlineData("IPv4 address", "10.12.0.7")]
    [InlineData("URL", "https://patient-123456.portal.example.org/chart")]
    [InlineData("URL", "www.example.org/x")]
    public void Catches(string kind, string text)
    {
        Assert.True(IdentifierPatterns.LooksLikeData(text), $"{kind} not caught");
        Assert.Contains(kind, IdentifierPatterns.KindsIn(text));
    }

    [Theory]
    [InlineData("N39.0")]
    [InlineData("K35.80")]
    [InlineData("E11.9")]
    [InlineData("110")]
    [InlineData("1.39")]
    [InlineData("6,2")]
    [InlineData("28.3")]
    [InlineData("2024")]
    [InlineData("2024-03")]
    [InlineData("75012")]
    [InlineData("true")]
    [InlineData("emergency room")]
    [InlineData("march-2024.csv")]
    [InlineData("encounters.csv.gz")]
    [InlineData("glucose_mmol_l")]
    [InlineData("Glycémie (mmol/L)")]
    [InlineData("6.1 mmol/L")]
    [InlineData("ward B2")]
    public void LeavesAlone(string text) => Assert.False(IdentifierPatterns.LooksLikeData(text), $"{string.Join(", ", IdentifierPatterns.KindsIn(text))} in an ordinary value");

    [Theory]
    [InlineData("185057800608436", true)]
    [InlineData("0664489600", true)]
    [InlineData("+33664489600", true)]
    [InlineData("25.1904581301587", false)]
    [InlineData("22,1850578006084", false)]
    [InlineData("6261", false)]
    public void NumberLooksLikeData_WholeNumbersOnly(string text, bool expected) =>
        Assert.Equal(expected, IdentifierPatterns.NumberLooksLikeData(text));

    [Fact]
    public void ShippedContract_NoHeaderAliasOrCategoryLooksLikeData()
    {
        var contract = ShippedConfig.Contract("encounters");
        var texts = contract.Columns.SelectMany(c => c.Aliases.Prepend(c.Name).Concat(c.HeaderUnits?.Keys ?? Enumerable.Empty<string>())
            .Concat(c.Categories?.SelectMany(kv => kv.Value.Prepend(kv.Key)) ?? [])).ToList();
        Assert.True(texts.Count > 100);
        Assert.DoesNotContain(texts, t => IdentifierPatterns.LooksLikeData(t));
    }

    [Fact]
    public void GeneratedData_IdentifyingColumnsCaught_ClinicalColumnsNot()
    {
        using var output = new MemoryStream();
        EncounterGenerator.Write(output, new GeneratorOptions { Rows = 2_000, Seed = 1313, Dirt = DirtRates.None });
        output.Position = 0;
        using var parser = new Microsoft.VisualBasic.FileIO.TextFieldParser(output) { Delimiters = [","], HasFieldsEnclosedInQuotes = true };
        var header = parser.ReadFields()!;
        var rows = new List<string[]>();
        while (parser.ReadFields() is { } fields)
        {
            rows.Add(fields);
        }

        Assert.Equal(2_000, rows.Count);
        double Share(string column) => rows.Count(r => IdentifierPatterns.LooksLikeData(r[Array.IndexOf(header, column)])) / (double)rows.Count;

        foreach (var column in new[] { "encounter_id", "patient_id", "email", "phone", "nir", "birth_date" })
        {
            Assert.True(Share(column) == 1, $"{column}: {Share(column):P1} caught");
        }

        foreach (var column in new[] { "sex", "admission_type", "primary_diagnosis", "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine", "systolic_bp", "heart_rate", "bmi", "readmitted_30d" })
        {
            Assert.True(Share(column) == 0, $"{column}: {Share(column):P1} look like identifiers");
        }
    }

    [Theory]
    [InlineData("first_name")]
    [InlineData("Prénom")]
    [InlineData("E-mail")]
    [InlineData("patient_email")]
    [InlineData("Date de naissance")]
    [InlineData("mobile_phone")]
    [InlineData("IBAN")]
    [InlineData("NIR")]
    [InlineData("numero_securite_sociale")]
    [InlineData("street_address")]
    public void DirectIdentifierNames_AreRecognized(string name) => Assert.True(IdentifierPatterns.NameLooksLikeDirectIdentifier(name));

    [Theory]
    [InlineData("glucose")]
    [InlineData("primary_diagnosis")]
    [InlineData("admission_type")]
    [InlineData("age")]
    [InlineData("length_of_stay_days")]
    [InlineData("ward")]
    [InlineData("readmitted_30d")]
    [InlineData("ref_code")]
    public void OrdinaryNames_AreNot(string name) => Assert.False(IdentifierPatterns.NameLooksLikeDirectIdentifier(name));

    [Fact]
    public void HostileInput_IsScannedInLinearTime()
    {
        // Shapes that make a backtracking engine explode on near-misses; the scan also stops at MaxScannedChars.
        var inputs = new[]
        {
            string.Concat(Enumerable.Repeat("a.", 500_000)) + "@",
            string.Concat(Enumerable.Repeat("0 ", 500_000)),
            string.Concat(Enumerable.Repeat("+1 (", 250_000)),
        };
        var clock = Stopwatch.StartNew();
        foreach (var input in inputs)
        {
            for (var i = 0; i < 100; i++)
            {
                _ = IdentifierPatterns.LooksLikeData(input);
            }
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed.TotalMilliseconds:F0} ms for 300 scans");
    }
}
