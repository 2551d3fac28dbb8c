using System.Globalization;
using System.Text.Json.Nodes;
using HealthAnalytics.Bench.Clinical;
using HealthAnalytics.Contracts;
using nietras.SeparatedValues;

namespace HealthAnalytics.Bench.Tests;

/// <summary>
/// The clinical harness's own parts, offline (the public path itself is exercised by the integration test
/// <c>ClinicalSuiteHttpTests</c> and by <c>./dev clinical</c>): its metrics against the reference's own per-fold values
/// on the reference's own held-out predictions (bench/reference/README.md, "What the C# harness must do", item 4), the
/// merge patch, and the committed adjustments against every table's proposal.
/// </summary>
public sealed class ClinicalHarnessTests
{
    private static readonly ClinicalManifest Manifest = ClinicalManifest.Load(BenchOptions.FindRepoRoot());

    public static TheoryData<string> Tasks() => [.. Manifest.Tasks.Select(t => t.Id)];

    public static TheoryData<string> Tables() => [.. Manifest.Tasks.Select(t => t.Table).Distinct()];

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Metric_OnTheReferencesHeldOutPredictions_EqualsTheReferencesFoldValues(string id)
    {
        var task = Manifest.Task(id);
        var reference = Manifest.Reference(task);
        var scopeDir = reference.Path[..reference.Path.LastIndexOf('/')];
        var rows = ReadCsv(Path.Combine(Manifest.RepoRoot, scopeDir, $"{task.Id}.{reference.Model}.csv"));
        foreach (var (fold, expected) in reference.Folds)
        {
            var f = rows.Where(r => int.Parse(r["fold"], CultureInfo.InvariantCulture) == fold).ToList();
            double Col(Dictionary<string, string> r, string c) => double.Parse(r[c], CultureInfo.InvariantCulture);
            var actual = task.Kind switch
            {
                ClinicalKind.Binary => ClinicalMetrics.Auc([.. f.Select(r => Col(r, "y") == 1)], [.. f.Select(r => Col(r, "prediction"))]),
                ClinicalKind.Regression => ClinicalMetrics.Rmse([.. f.Select(r => Col(r, "y"))], [.. f.Select(r => Col(r, "prediction"))]),
                _ => ClinicalMetrics.HarrellC([.. f.Select(r => Col(r, "time"))], [.. f.Select(r => Col(r, "event") == 1)], [.. f.Select(r => Col(r, "lp"))]),
            };
            Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{id} fold {fold}: {actual} vs reference {expected}");
        }
    }

    [Fact]
    public void Auc_TiesCountHalf_AndOneClassIsUndefined()
    {
        // 2 positives x 2 negatives: (0.8 > 0.1) (0.8 > 0.5) (0.5 = 0.5 -> 1/2) (0.5 > 0.1) = 3.5 of 4 pairs.
        Assert.Equal(3.5 / 4, ClinicalMetrics.Auc([true, true, false, false], [0.8, 0.5, 0.5, 0.1]), 12);
        Assert.True(double.IsNaN(ClinicalMetrics.Auc([true, true], [0.1, 0.2])));
    }

    [Fact]
    public void MergePatch_FollowsRfc7396()
    {
        // RFC 7396, appendix A (a selection).
        Assert.Equal("""{"a":"c"}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{"a":"b"}"""), JsonNode.Parse("""{"a":"c"}"""))!.ToJsonString());
        Assert.Equal("""{"a":"b","b":"c"}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{"a":"b"}"""), JsonNode.Parse("""{"b":"c"}"""))!.ToJsonString());
        Assert.Equal("""{}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{"a":"b"}"""), JsonNode.Parse("""{"a":null}"""))!.ToJsonString());
        Assert.Equal("""{"a":[1]}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{"a":[{"b":"c"}]}"""), JsonNode.Parse("""{"a":[1]}"""))!.ToJsonString());
        Assert.Equal("""{"a":1}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{"e":null}"""), JsonNode.Parse("""{"a":1,"e":null}"""))!.ToJsonString());
        Assert.Equal("""{"a":{"bb":{}}}""", ContractAdjustment.MergePatch(JsonNode.Parse("""{}"""), JsonNode.Parse("""{"a":{"bb":{"ccc":null}}}"""))!.ToJsonString());
    }

    [Fact]
    public void Apply_PatchesColumnsByName_RemovesWithNull_AndRefusesAColumnTheProposalLacks()
    {
        var contract = JsonNode.Parse("""{"name":"x","columns":[{"name":"a","type":"integer"},{"name":"b","type":"string","generalize":{"kind":"drop"}},{"name":"c","type":"number"}]}""")!.AsObject();
        var patched = ContractAdjustment.Apply(contract, JsonNode.Parse("""{"version":"1.0.0","columns":{"b":{"type":"category","generalize":null},"c":null}}""")!.AsObject());
        Assert.Equal("""{"name":"x","columns":[{"name":"a","type":"integer"},{"name":"b","type":"category"}],"version":"1.0.0"}""", patched.ToJsonString());
        Assert.Throws<InvalidDataException>(() => ContractAdjustment.Apply(contract, JsonNode.Parse("""{"columns":{"z":{"required":true}}}""")!.AsObject()));
    }

    /// <summary>Each table's committed adjustments apply to its proposal (as inference makes it), the result loads as a
    /// contract, and every column a task of the table reads is in it, typed for its use.</summary>
    [Theory]
    [MemberData(nameof(Tables))]
    public void Adjustments_OfEveryTable_GiveAContractThatLoads_WithEveryColumnItsTasksRead(string tableId)
    {
        var tasks = Manifest.Tasks.Where(t => t.Table == tableId).ToList();
        var table = Manifest.Table(tasks[0]);
        var proposal = JsonNode.Parse(ContractProposalJson.Serialize(ContractInference.Infer(table.Bytes, tableId.Replace('_', '-'))))!;
        var adjusted = ContractAdjustment.Apply(proposal["contract"]!.AsObject(), Manifest.Adjustments(tasks[0]));
        var loaded = ContractLoader.Load(adjusted.ToJsonString());
        Assert.True(loaded.Contract is not null, string.Join("; ", loaded.Errors.Select(e => $"{e.Path}: {e.Message}")));
        var names = proposal["columns"]!.AsArray().ToDictionary(c => table.Header[c!["position"]!.GetValue<int>() - 1], c => c!["name"]!.GetValue<string>());
        foreach (var task in tasks)
        {
            foreach (var (header, kind) in task.Features)
            {
                var column = loaded.Contract!.Columns.Single(c => c.Name == names[header]);
                Assert.DoesNotContain(column.Privacy, new[] { PrivacyRole.Identifier, PrivacyRole.Direct });
                Assert.Null(column.Generalize);
                Assert.Contains(column.Type, kind == "numeric" ? [ColumnType.Integer, ColumnType.Number] : new[] { ColumnType.Category, ColumnType.String });
            }
        }
    }

    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = Sep.Reader().FromFile(path);
        var header = reader.Header.ColNames;
        var rows = new List<Dictionary<string, string>>();
        foreach (var row in reader)
        {
            // A Sep row is a ref struct, which a lambda cannot capture: the cells are read in a plain loop.
            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
            {
                cells[header[i]] = row[i].ToString();
            }

            rows.Add(cells);
        }

        return rows;
    }
}
