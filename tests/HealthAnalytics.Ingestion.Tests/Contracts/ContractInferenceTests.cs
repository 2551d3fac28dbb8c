using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Ingestion.Tests.Ingestion;
using HealthAnalytics.Ingestion.Tests.Synthetic;
using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Contracts;

/// <summary>
/// Contract inference (docs/contracts.md, "From a sample to a contract"): on every real table of the clinical corpus the
/// proposal loads as it is and ingests the table with no row quarantined, tokens (<c>NA</c>, <c>?</c>) read as missing;
/// after the documented adjustments (required outcomes, ranges, accepted <c>missingWhen</c> notes, quasi levels) still
/// none; identifying columns are found by name and by value and none of their values is ever in a proposal.
/// </summary>
public sealed class ContractInferenceTests
{
    private static readonly string CorpusDirectory = FindCorpus();

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "corpora", "clinical");
            if (File.Exists(Path.Combine(path, "suite.json")))
            {
                return path;
            }
        }

        throw new DirectoryNotFoundException("tests/corpora/clinical");
    }

    private static JsonObject Suite() => JsonNode.Parse(File.ReadAllText(Path.Combine(CorpusDirectory, "suite.json")))!.AsObject();

    public static TheoryData<string> CorpusTables() => [.. Suite()["tables"]!.AsArray().Select(t => t!["id"]!.GetValue<string>())];

    private static (byte[] Bytes, JsonObject Table) Table(string id)
    {
        var table = Suite()["tables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == id)!.AsObject();
        return (File.ReadAllBytes(Path.Combine(CorpusDirectory, table["file"]!.GetValue<string>())), table);
    }

    private static ContractProposal Infer(byte[] bytes, string dataset) =>
        ContractInference.Infer(bytes.AsSpan(0, Math.Min(bytes.Length, ContractInference.MaxSampleBytes)), dataset);

    /// <summary>The proposal as the API and the CLI write it, then loaded back: what a user would store.</summary>
    private static DatasetContract LoadedContract(ContractProposal proposal)
    {
        var json = JsonNode.Parse(ContractProposalJson.Serialize(proposal))!["contract"]!.ToJsonString();
        var loaded = ContractLoader.Load(json);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return loaded.Contract!;
    }

    /// <summary>Cells of the file equal to one of <paramref name="tokens"/> (in the columns whose header <paramref name="where"/>
    /// accepts), counted with the test kit's own CSV splitter.</summary>
    private static long TokenCells(byte[] bytes, IEnumerable<string> tokens, Func<string, bool>? where = null)
    {
        var set = tokens.ToHashSet(StringComparer.Ordinal);
        var records = SyntheticTestKit.Parse(Encoding.UTF8.GetString(bytes), ',');
        var counted = records[0].Fields.Select(h => where?.Invoke(h) ?? true).ToArray();
        return records.Skip(1).Sum(r => r.Fields.Where((f, i) => counted[i] && set.Contains(f.Trim())).Count());
    }

    private static long Count(IDictionary<string, long> byRule, string rule) => byRule.TryGetValue(rule, out var n) ? n : 0;

    [Theory]
    [MemberData(nameof(CorpusTables))]
    public async Task Proposal_ForEveryCorpusTable_LoadsAsIs_AndIngestsTheTableWithNoRowQuarantined(string table)
    {
        var (bytes, info) = Table(table);
        var proposal = Infer(bytes, table.Replace('_', '-'));
        var contract = LoadedContract(proposal);

        var r = await CleanerHarness.CleanAsync(bytes, table + ".csv", contract);
        r.AssertCurated();
        Assert.Equal(info["rows"]!.GetValue<long>(), r.Report.Rows.Read);
        Assert.Equal(0, r.Report.Rows.Quarantined);

        // Every NA or ? cell of the file (the suite's tokens) is read as missing, none is a violation.
        var tokens = info["missingTokens"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Equal(TokenCells(bytes, tokens), Count(r.Report.MissingByRule, Rules.MissingToken));
        Assert.Empty(r.Report.ViolationsByRule);

        // A contract that says nothing about missing values reads them the same way (the defaults cover NA and ?) in
        // every column but strings that are not identifiers, none of which holds a token in the corpus.
        var silent = await CleanerHarness.CleanAsync(bytes, table + ".csv", contract with { Dialect = contract.Dialect with { MissingValues = null } });
        Assert.Equal(0, silent.Report.Rows.Quarantined);
        var typed = contract.Columns.Where(c => c.Type != ColumnType.String || c.Privacy == PrivacyRole.Identifier).Select(c => HeaderNormalizer.Normalize(c.Name)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(TokenCells(bytes, tokens, header => typed.Contains(HeaderNormalizer.Normalize(header))), Count(silent.Report.MissingByRule, Rules.MissingToken));
    }

    /// <summary>
    /// The adjustments docs/contracts.md tells a user to make: outcome columns required, plausible ranges (here the
    /// observed ones, zeros left out where a zero-as-missing note was accepted), missingWhen where a note suggests it,
    /// quasi-identifier levels listed as categories. The table still ingests with no row quarantined, so neither a token
    /// nor a zero that means "not measured" costs a row.
    /// </summary>
    [Theory]
    [MemberData(nameof(CorpusTables))]
    public async Task Proposal_AfterTheDocumentedAdjustments_StillIngestsTheTableWithNoRowQuarantined(string table)
    {
        var (bytes, info) = Table(table);
        var proposal = Infer(bytes, table.Replace('_', '-'));
        var (adjusted, column) = Adjust(proposal, bytes, table, acceptZeroNotes: true);
        Assert.Empty(ContractLoader.Validate(adjusted));

        var r = await CleanerHarness.CleanAsync(bytes, table + ".csv", adjusted);
        r.AssertCurated();
        Assert.Equal(0, r.Report.Rows.Quarantined);
        Assert.Equal(info["rows"]!.GetValue<long>(), r.Report.Rows.Written);

        // The zeros a note flagged are exactly the columns the suite says hold "not measured" zeros (pima), and each
        // of those zeros is read as missing.
        var suiteZeros = Suite()["tasks"]!.AsArray().Where(t => t!["table"]!.GetValue<string>() == table)
            .SelectMany(t => t!["missingValues"]?.AsObject().Select(kv => kv.Key) ?? []).ToHashSet(StringComparer.Ordinal);
        var zeroNotes = proposal.Notes.Where(n => n.Code == "zero-as-missing").Select(n => n.Column!);
        Assert.Equal(suiteZeros.Order(StringComparer.Ordinal), zeroNotes.Order(StringComparer.Ordinal));
        var zeros = adjusted.Columns.Where(c => c.MissingWhen is not null).Sum(c => column(c).Count(v => v == "0"));
        Assert.Equal(zeros, Count(r.Report.MissingByRule, Rules.MissingWhen));
    }

    [Fact]
    public async Task Pima_WithRangesButWithoutMissingWhen_LosesEveryRowWithAZero()
    {
        // The issue's finding: once ranges are declared, zeros that mean "not measured" cost their rows.
        var (bytes, _) = Table("pima");
        var (adjusted, column) = Adjust(Infer(bytes, "pima"), bytes, "pima", acceptZeroNotes: false);
        string[] flagged = ["glucose", "pressure", "triceps", "insulin", "mass"];
        var cells = flagged.Select(f => column(adjusted.Columns.Single(c => c.Name == f))).ToList();
        var rowsWithAZero = Enumerable.Range(0, cells[0].Length).Count(i => cells.Any(c => c[i] == "0"));
        Assert.True(rowsWithAZero > 300, $"{rowsWithAZero}");

        var r = await CleanerHarness.CleanAsync(bytes, "pima.csv", adjusted);
        Assert.Equal(rowsWithAZero, r.Report.Rows.Quarantined);
    }

    /// <summary>
    /// The adjustments docs/contracts.md tells a user to make: outcome columns required, plausible ranges (here the
    /// observed ones, zeros left out where a zero-as-missing note was accepted), <c>missingWhen</c> where a note suggests
    /// it, quasi-identifier levels listed as categories. Returns the contract and each column's cells (the test kit's own
    /// CSV splitter).
    /// </summary>
    private static (DatasetContract Contract, Func<ColumnSpec, string[]> Column) Adjust(ContractProposal proposal, byte[] bytes, string table, bool acceptZeroNotes)
    {
        var contract = LoadedContract(proposal);
        var records = SyntheticTestKit.Parse(Encoding.UTF8.GetString(bytes), ',');
        var header = records[0].Fields;
        var rows = records.Skip(1).Select(r => r.Fields).ToList();
        string[] Column(ColumnSpec c) => [.. rows.Select(r => r[Array.FindIndex(header, h => HeaderNormalizer.Normalize(h) == HeaderNormalizer.Normalize(c.Name) || c.Aliases.Contains(h))].Trim())];

        var outcomes = Suite()["tasks"]!.AsArray().Where(t => t!["table"]!.GetValue<string>() == table)
            .SelectMany(t => new[] { t!["label"]?["column"], t["outcome"]?["column"], t["outcome"]?["time"], t["outcome"]?["event"] })
            .Where(n => n is not null).Select(n => HeaderNormalizer.Normalize(n!.GetValue<string>())).ToHashSet(StringComparer.Ordinal);
        var zeroNotes = proposal.Notes.Where(n => n.Code == "zero-as-missing").Select(n => n.Column!).ToHashSet(StringComparer.Ordinal);
        var tokens = contract.Dialect.MissingValues ?? MissingValueRules.DefaultTokens;
        var adjusted = contract with
        {
            Version = "1.0.0",
            Columns = [.. contract.Columns.Select(c =>
            {
                var values = Column(c).Where(v => v.Length > 0 && !tokens.Contains(v)).ToList();
                var zerosMissing = zeroNotes.Contains(c.Name);
                if (zerosMissing && acceptZeroNotes)
                {
                    c = c with { MissingWhen = [0] };
                }

                if (c.Privacy == PrivacyRole.None && c.Type is ColumnType.Integer or ColumnType.Number && values.Count > 0)
                {
                    var numbers = values.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Where(x => !(zerosMissing && x == 0)).ToList();
                    c = c with { Range = new RangeSpec { Min = numbers.Min(), Max = numbers.Max() } };
                }

                if (c is { Privacy: PrivacyRole.Quasi, Generalize.Kind: GeneralizeKind.Prefix, Generalize.Length: 1 })
                {
                    var levels = values.Select(v => CategoryFolding.Fold(v)).Distinct().ToDictionary(v => v, _ => (IReadOnlyList<string>)[], StringComparer.Ordinal);
                    c = c with { Type = ColumnType.Category, Generalize = null, Categories = levels };
                }

                return outcomes.Contains(HeaderNormalizer.Normalize(c.Name)) ? c with { Required = true } : c;
            })],
        };
        return (adjusted, Column);
    }

    [Fact]
    public void Proposal_ForPima_NotesTheFiveZeroColumns_ButDoesNotChangeThemByItself()
    {
        var (bytes, _) = Table("pima");
        var proposal = Infer(bytes, "pima");
        Assert.Equal(["glucose", "insulin", "mass", "pressure", "triceps"], proposal.Notes.Where(n => n.Code == "zero-as-missing").Select(n => n.Column!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(proposal.Notes, n => n.Column == "pregnant"); // a count: 0 pregnancies is a value
        Assert.All(proposal.Contract.Columns, c => Assert.Null(c.MissingWhen));
        Assert.Equal(0, proposal.Columns.Single(c => c.Name == "glucose").Min);
    }

    [Fact]
    public void Proposal_ForBiopsy_ReadsQuestionMarksAsMissing_AndTheIdAsAnIdentifier()
    {
        var (bytes, _) = Table("biopsy");
        var proposal = Infer(bytes, "biopsy");
        Assert.Equal(["?"], proposal.Contract.Dialect.MissingValues);
        Assert.Equal(16, proposal.Columns.Single(c => c.Name == "v6").MissingTokens["?"]);
        Assert.Equal(ColumnType.Integer, proposal.Contract.Columns.Single(c => c.Name == "v6").Type);
        var id = proposal.Contract.Columns.Single(c => c.Name == "id");
        Assert.Equal((ColumnType.String, PrivacyRole.Identifier), (id.Type, id.Privacy));
        var profile = proposal.Columns.Single(c => c.Name == "id");
        Assert.Null(profile.Min);
        Assert.Null(profile.Max);
        Assert.Equal(["benign", "malignant"], proposal.Contract.Columns.Single(c => c.Name == "class").Categories!.Keys.Order(StringComparer.Ordinal));
    }

    private static SyntheticTestKit.Generated Encounters() =>
        SyntheticTestKit.Generate(new GeneratorOptions { Rows = 3000, Seed = 11 });

    /// <summary>Every string and property name of the answer (category levels are property names).</summary>
    private static IEnumerable<string> Leaves(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => Leaves(kv.Value).Prepend(kv.Key)),
        JsonArray a => a.SelectMany(Leaves),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => [v.GetValue<string>()],
        JsonValue v => [v.ToJsonString()],
        _ => [],
    };

    private static void AssertNoValueOf(IEnumerable<string> values, string json)
    {
        var leaves = Leaves(JsonNode.Parse(json)).ToHashSet(StringComparer.Ordinal);
        foreach (var value in values.Where(v => v.Length > 0))
        {
            Assert.False(leaves.Contains(value), "a value of an identifying column is in the proposal");
            if (value.Length >= 6)
            {
                Assert.False(json.Contains(value, StringComparison.Ordinal), "a value of an identifying column is in the proposal");
            }
        }
    }

    [Fact]
    public void Proposal_ForEncounters_FindsIdentifyingColumnsByName_AndHoldsNoneOfTheirValues()
    {
        var generated = Encounters();
        var proposal = ContractInference.Infer(generated.Bytes.AsSpan(0, Math.Min(generated.Bytes.Length, ContractInference.MaxSampleBytes)), "encounters-trial");
        string Role(string name) => proposal.Contract.Columns.Single(c => c.Name == name).Privacy.ToString();
        Assert.All(new[] { "first_name", "last_name", "email", "phone", "nir", "address" }, c => Assert.Equal("Direct", Role(c)));
        Assert.All(new[] { "encounter_id", "patient_id" }, c => Assert.Equal("Identifier", Role(c)));
        Assert.All(new[] { "birth_date", "admission_date", "discharge_date", "postal_code", "sex" }, c => Assert.Equal("Quasi", Role(c)));
        Assert.Equal(GeneralizeKind.Year, proposal.Contract.Columns.Single(c => c.Name == "birth_date").Generalize!.Kind);
        Assert.Equal(3, proposal.Contract.Columns.Single(c => c.Name == "postal_code").Generalize!.Length);
        Assert.Null(proposal.Contract.Columns.Single(c => c.Name == "sex").Categories);
        Assert.Equal(ColumnType.Category, proposal.Contract.Columns.Single(c => c.Name == "admission_type").Type);

        var json = ContractProposalJson.Serialize(proposal);
        AssertNoValueOf(generated.Truth.Pii.All(), json);
        Assert.DoesNotContain("female", json, StringComparison.Ordinal);
        Assert.Empty(ContractLoader.Load(JsonNode.Parse(json)!["contract"]!.ToJsonString()).Errors);
    }

    [Fact]
    public void Proposal_ForEncountersWithMeaninglessHeaders_FindsIdentifyingColumnsByValue_AndHoldsNoneOfTheirValues()
    {
        var generated = Encounters();
        var text = generated.Text;
        var firstBreak = text.IndexOf('\n', StringComparison.Ordinal);
        var header = text[..firstBreak].Split(',');
        var neutral = string.Join(",", header.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"c{i + 1:00}")));
        var bytes = Encoding.UTF8.GetBytes(neutral + text[firstBreak..]);
        var proposal = ContractInference.Infer(bytes.AsSpan(0, Math.Min(bytes.Length, ContractInference.MaxSampleBytes)), "neutral");
        PrivacyRole Role(string original) => proposal.Contract.Columns[Array.IndexOf(header, original)].Privacy;
        Assert.All(new[] { "first_name", "last_name", "email", "phone", "nir", "address" }, c => Assert.Equal(PrivacyRole.Direct, Role(c)));
        Assert.All(new[] { "encounter_id", "patient_id" }, c => Assert.Equal(PrivacyRole.Identifier, Role(c)));
        Assert.All(new[] { "birth_date", "admission_date", "discharge_date", "postal_code" }, c => Assert.Equal(PrivacyRole.Quasi, Role(c)));
        AssertNoValueOf(generated.Truth.Pii.All(), ContractProposalJson.Serialize(proposal));
    }

    [Fact]
    public async Task Proposal_ForAFrenchSpreadsheetExport_FindsItsDialect_AndIngestsIt()
    {
        var csv = "Date d'entrée;Glycémie (mmol/L);Réadmis;Service;Poids\r\n" +
                  string.Concat(Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture,
                      $"{1 + (i % 12):00}/{1 + ((i + 5) % 12):00}/2024;{5 + (i % 7)},{i % 10};{(i % 3 == 0 ? "oui" : "non")};{(i % 2 == 0 ? "cardiologie" : "médecine")};{(i % 9 == 0 ? "NA" : (60 + i).ToString(CultureInfo.InvariantCulture))}\r\n")));
        var bytes = CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetBytes(csv);
        var proposal = ContractInference.Infer(bytes, "sejours");
        var d = proposal.Contract.Dialect;
        Assert.Equal((";", ",", "windows-1252"), (d.Delimiter, d.DecimalSeparator, d.Encoding));
        Assert.Equal(["dd/MM/yyyy"], d.DateFormats);
        Assert.Equal(["NA"], d.MissingValues);
        var columns = proposal.Contract.Columns;
        Assert.Equal(["date_d_entree", "glycemie_mmol_l", "readmis", "service", "poids"], columns.Select(c => c.Name));
        Assert.Equal([ColumnType.Date, ColumnType.Number, ColumnType.Boolean, ColumnType.Category, ColumnType.Integer], columns.Select(c => c.Type));
        Assert.Equal(["Glycémie (mmol/L)"], columns[1].Aliases);
        Assert.Contains(proposal.Notes, n => n.Column == "date_d_entree" && n.Code == "date-order-ambiguous");

        var r = await CleanerHarness.CleanAsync(bytes, "sejours.csv", LoadedContract(proposal));
        r.AssertCurated();
        Assert.Equal(40, r.Report.Rows.Written);
        Assert.Equal(0, r.Report.Rows.Quarantined);
        Assert.Equal(5, r.Report.Columns.Single(c => c.Name == "poids").Missing);
    }

    [Fact]
    public void Proposal_ForAUtf16FileWithBom_ReadsIt()
    {
        var csv = "patient_ref,score\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"X{i},{(i * 7) % 30}\n"));
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(csv)).ToArray();
        var proposal = ContractInference.Infer(bytes, "scores");
        Assert.Equal(("utf-16", true), (proposal.Sample.Encoding, proposal.Sample.ByteOrderMark));
        Assert.Equal(ColumnType.Integer, proposal.Contract.Columns[1].Type);
        Assert.Equal(30, proposal.Sample.Rows);
    }

    [Fact]
    public void Proposal_ForASampleCutMidLine_IgnoresTheCutLine()
    {
        var csv = "a,b\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},{i * 10}\n")) + "20,2";
        var proposal = ContractInference.Infer(Encoding.UTF8.GetBytes(csv), "cut");
        Assert.True(proposal.Sample.LastLineIgnored);
        Assert.Equal(20, proposal.Sample.Rows);
        Assert.Contains(proposal.Notes, n => n.Code == "last-line-ignored");
    }

    [Theory]
    [InlineData("1,2.5,2024-01-01,jane.doe@example.org\n2,3.5,2024-01-02,john@example.org\n", "header-looks-like-data", "jane.doe@example.org")]
    [InlineData("a,,c\n1,2,3\n", "blank-header", null)]
    [InlineData("Patient Age,patient_age\n1,2\n", "duplicate-header", "Patient Age")]
    [InlineData("a,b\n\"1,2\n", "unterminated-quote", null)]
    public void Infer_SampleIngestionWouldReject_IsRefusedByRule_WithoutQuotingIt(string csv, string rule, string? secret)
    {
        var ex = Assert.Throws<ContractInferenceException>(() => ContractInference.Infer(Encoding.UTF8.GetBytes(csv + (rule == "unterminated-quote" ? "x\n" : "")), "bad"));
        Assert.Equal(rule, ex.Rule);
        if (secret is not null)
        {
            Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Infer_CompressedOrOversizedSample_IsRefused()
    {
        Assert.Equal("unsupported-format", Assert.Throws<ContractInferenceException>(() => ContractInference.Infer([0x1F, 0x8B, 8, 0], "x")).Rule);
        Assert.Equal("sample-too-large", Assert.Throws<ContractInferenceException>(() => ContractInference.Infer(new byte[ContractInference.MaxSampleBytes + 1], "x")).Rule);
        Assert.Throws<ArgumentException>(() => ContractInference.Infer("a\n1\n"u8, "Not A Name"));
    }
}
