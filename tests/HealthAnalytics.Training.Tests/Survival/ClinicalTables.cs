using System.Globalization;
using System.Text.Json.Nodes;
using HealthAnalytics.Contracts;
using HealthAnalytics.Curated;
using HealthAnalytics.Training.Survival;
using HealthAnalytics.Training.Tests.Support;

namespace HealthAnalytics.Training.Tests.Survival;

/// <summary>Small comma-separated files (the corpus tables and R's reference output): header + rows, quotes stripped, NA kept as text.</summary>
internal sealed class CsvTable
{
    private readonly Dictionary<string, int> _index;

    private CsvTable(string[] header, List<string[]> rows)
    {
        Header = header;
        Rows = rows;
        _index = header.Select((h, i) => (h, i)).ToDictionary(p => p.h, p => p.i, StringComparer.Ordinal);
    }

    public string[] Header { get; }
    public List<string[]> Rows { get; }

    public static string RepoRoot { get; } = Path.GetDirectoryName(Repo.ConfigDirectory)!;

    public static CsvTable Read(string relativePath)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, relativePath)).Where(l => l.Length > 0).ToArray();
        return new CsvTable(Split(lines[0]), [.. lines.Skip(1).Select(Split)]);
    }

    public static CsvTable Reference(string name) => Read(Path.Combine("tests", "HealthAnalytics.Training.Tests", "Survival", "reference", name));

    public string Text(string[] row, string column) => row[_index[column]];

    public double Number(string[] row, string column)
    {
        var s = Text(row, column);
        return s is "NA" or "" ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
    }

    public double[] Column(string column) => [.. Rows.Select(r => Number(r, column))];

    public IEnumerable<string[]> Where(params (string Column, string Value)[] filters) =>
        Rows.Where(r => filters.All(f => Text(r, f.Column) == f.Value));

    private static string[] Split(string line)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in line)
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (ch == ',' && !quoted)
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        cells.Add(current.ToString());
        return [.. cells];
    }
}

/// <summary>The two corpus tables the R reference uses, as the same design matrices R's formulas build.</summary>
internal static class ClinicalTables
{
    public static readonly string[] LungSlots = ["age", "sex", "ph.ecog", "ph.karno", "wt.loss"];
    public static readonly string[] VeteranSlots = ["trt", "celltype=large", "celltype=smallcell", "celltype=squamous", "karno", "diagtime", "age", "prior"];

    public static CsvTable Lung { get; } = CsvTable.Read(Path.Combine("tests", "corpora", "clinical", "lung.csv"));
    public static CsvTable Veteran { get; } = CsvTable.Read(Path.Combine("tests", "corpora", "clinical", "veteran.csv"));

    /// <summary>lung, complete cases over time, status and the five covariates (R: <c>complete.cases</c>); status 2 = death.</summary>
    public static SurvivalData LungComplete()
    {
        var t = Lung;
        var rows = t.Rows.Where(r => new[] { "time", "status" }.Concat(LungSlots).All(c => !double.IsNaN(t.Number(r, c)))).ToList();
        var x = rows.SelectMany(r => LungSlots.Select(c => (float)t.Number(r, c))).ToArray();
        return new SurvivalData(x, LungSlots.Length, LungSlots, [.. rows.Select(r => t.Number(r, "time"))], [.. rows.Select(r => t.Number(r, "status") == 2)]);
    }

    /// <summary>veteran, every row; celltype as treatment-coded dummies with adeno the reference (R's factor default); status 1 = death.</summary>
    public static SurvivalData VeteranAll()
    {
        var t = Veteran;
        var x = t.Rows.SelectMany(r => new[]
        {
            (float)t.Number(r, "trt"),
            t.Text(r, "celltype") == "large" ? 1f : 0f,
            t.Text(r, "celltype") == "smallcell" ? 1f : 0f,
            t.Text(r, "celltype") == "squamous" ? 1f : 0f,
            (float)t.Number(r, "karno"),
            (float)t.Number(r, "diagtime"),
            (float)t.Number(r, "age"),
            (float)t.Number(r, "prior"),
        }).ToArray();
        return new SurvivalData(x, VeteranSlots.Length, VeteranSlots, t.Column("time"), [.. t.Rows.Select(r => t.Number(r, "status") == 1)]);
    }

    public static SurvivalData Design(string dataset) => dataset == "lung" ? LungComplete() : VeteranAll();

    public static CoxOptions Options(string model) => model switch
    {
        "breslow" => new CoxOptions { Ties = CoxTies.Breslow, L2Penalty = 0 },
        "ridge2" => new CoxOptions { Ties = CoxTies.Efron, L2Penalty = 2 },
        _ => new CoxOptions { Ties = CoxTies.Efron, L2Penalty = 0 },
    };
}

/// <summary>
/// A task of the clinical suite (<c>tests/corpora/clinical/suite.json</c>) read the way the suite configures it, for the
/// in-process reference-fold tests: its table, the feature columns typed with the table's missing tokens and the task's
/// declared missing values as missing, and the committed folds (-1 = no outcome). The outcome columns are the caller's.
/// </summary>
internal sealed class SuiteTaskTable
{
    private static readonly JsonObject Suite = JsonNode.Parse(File.ReadAllText(Path.Combine(CsvTable.RepoRoot, "tests", "corpora", "clinical", "suite.json")))!.AsObject();

    private readonly HashSet<string> _tokens;
    private readonly Dictionary<string, HashSet<double>> _declaredMissing;

    private SuiteTaskTable(JsonObject task, CsvTable csv, HashSet<string> tokens, Dictionary<string, HashSet<double>> declaredMissing)
    {
        Task = task;
        Csv = csv;
        _tokens = tokens;
        _declaredMissing = declaredMissing;
    }

    public JsonObject Task { get; }

    public CsvTable Csv { get; }

    public List<CuratedColumn> Columns { get; } = [];

    public Dictionary<string, double[]> Numeric { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string?[]> Categorical { get; } = new(StringComparer.Ordinal);

    public List<FeatureSpec> Features { get; } = [];

    /// <summary>The committed fold of each row (-1 = no outcome), read from the task's fold file.</summary>
    public int[] ReadFolds() => [.. CsvTable.Read(Path.Combine("tests", "corpora", "clinical", Task["folds"]!.GetValue<string>())).Rows.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture))];

    /// <summary>The columns added so far as a training table.</summary>
    public TrainingTable ToTrainingTable() => new(Csv.Rows.Count, Numeric, Categorical);

    public static SuiteTaskTable Load(string id)
    {
        var task = Suite["tasks"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == id)!.AsObject();
        var tableId = task["table"]!.GetValue<string>();
        var tableSpec = Suite["tables"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == tableId)!;
        var csv = CsvTable.Read(Path.Combine("tests", "corpora", "clinical", tableSpec["file"]!.GetValue<string>()));
        var tokens = tableSpec["missingTokens"]!.AsArray().Select(t => t!.GetValue<string>()).Append("").ToHashSet(StringComparer.Ordinal);
        var declared = task["missingValues"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(v => v!.GetValue<double>()).ToHashSet(), StringComparer.Ordinal) ?? [];
        var table = new SuiteTaskTable(task, csv, tokens, declared);
        foreach (var f in task["features"]!.AsArray())
        {
            var name = f!["name"]!.GetValue<string>();
            var isCategorical = f["kind"]!.GetValue<string>() == "categorical";
            table.Features.Add(new FeatureSpec(name, isCategorical ? FeatureKind.Categorical : FeatureKind.Numeric));
            if (isCategorical)
            {
                table.AddCategory(name, ColumnType.Category);
            }
            else
            {
                table.AddNumber(name);
            }
        }

        return table;
    }

    /// <summary>Adds a number column: the table's missing tokens and the values the task declares missing for it are NaN.</summary>
    public void AddNumber(string name)
    {
        Columns.Add(Column(name, ColumnType.Number));
        var declared = _declaredMissing.GetValueOrDefault(name);
        Numeric[name] = [.. Csv.Rows.Select(r => Csv.Text(r, name) is var text && _tokens.Contains(text) ? double.NaN
            : double.Parse(text, CultureInfo.InvariantCulture) is var value && declared?.Contains(value) == true ? double.NaN : value)];
    }

    /// <summary>Adds a text column of the given type: missing tokens are null.</summary>
    public void AddCategory(string name, ColumnType type)
    {
        Columns.Add(Column(name, type));
        Categorical[name] = [.. Csv.Rows.Select(r => _tokens.Contains(Csv.Text(r, name)) ? null : Csv.Text(r, name))];
    }

    private static CuratedColumn Column(string name, ColumnType type) =>
        new(name, type, PrivacyRole.None, null, [], Derived: false, Dropped: false, new ColumnSpec { Name = name, Type = type });
}
