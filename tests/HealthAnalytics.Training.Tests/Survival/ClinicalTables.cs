using System.Globalization;
using HealthAnalytics.Training.Tests.Support;
using HealthAnalytics.Training.Survival;

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
