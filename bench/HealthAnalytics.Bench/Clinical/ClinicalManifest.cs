using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using nietras.SeparatedValues;

namespace HealthAnalytics.Bench.Clinical;

/// <summary>
/// The clinical suite as committed (tests/corpora/clinical: <c>suite.json</c>, the tables, <c>folds/</c>,
/// <c>adjustments/</c>) and its reference numbers (bench/reference/results). Read-only: the harness never
/// recomputes a fold or a reference.
/// </summary>
public sealed class ClinicalManifest
{
    private ClinicalManifest(string repoRoot, IReadOnlyList<ClinicalTask> tasks)
    {
        RepoRoot = repoRoot;
        Tasks = tasks;
    }

    public string RepoRoot { get; }

    public IReadOnlyList<ClinicalTask> Tasks { get; }

    public string CorpusDirectory => Path.Combine(RepoRoot, "tests", "corpora", "clinical");

    public static ClinicalManifest Load(string repoRoot)
    {
        var dir = Path.Combine(repoRoot, "tests", "corpora", "clinical");
        var suite = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "suite.json")))!;
        var files = suite["tables"]!.AsArray().ToDictionary(t => t!["id"]!.GetValue<string>(), t => t!["file"]!.GetValue<string>(), StringComparer.Ordinal);
        var tasks = suite["tasks"]!.AsArray().Select(t => ClinicalTask.From(t!, files)).ToList();
        return new ClinicalManifest(repoRoot, tasks);
    }

    public ClinicalTask Task(string id) => Tasks.SingleOrDefault(t => t.Id == id)
        ?? throw new ArgumentException($"no task '{id}' in tests/corpora/clinical/suite.json");

    /// <summary>The table's CSV: its bytes, its lines as written, and its cells.</summary>
    public ClinicalTable Table(ClinicalTask task) => ClinicalTable.Read(Path.Combine(CorpusDirectory, task.File));

    /// <summary>The committed fold of every data row (0..k-1, or -1 for a row the task cannot use).</summary>
    public int[] Folds(ClinicalTask task)
    {
        var lines = File.ReadAllLines(Path.Combine(CorpusDirectory, task.FoldsFile));
        if (lines.Length == 0 || lines[0] != "fold")
        {
            throw new InvalidDataException($"{task.FoldsFile}: the first line must be 'fold'");
        }

        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];
    }

    /// <summary>The user's adjustments of the inferred contract for this table (a merge patch, see
    /// <see cref="ContractAdjustment"/>); an empty patch when the table has none.</summary>
    public JsonObject Adjustments(ClinicalTask task)
    {
        var path = Path.Combine(CorpusDirectory, "adjustments", task.Table + ".json");
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : [];
    }

    /// <summary>
    /// The reference for this task's compared model, per fold and the mean, from the standardization scope the product
    /// implements for that model (bench/reference/README.md, "Standardization scope"): logistic regression and ridge
    /// standardize the numeric value columns only (scope <c>values</c>); the Cox model scales its penalty by each
    /// slot's variance, which is standardizing every column (scope <c>all</c>).
    /// </summary>
    public ClinicalReference Reference(ClinicalTask task, string? model = null)
    {
        model ??= task.Compare;
        var scope = task.Kind == ClinicalKind.Survival ? "all" : "values";
        var dir = Path.Combine(RepoRoot, "bench", "reference", "results");
        var path = Path.Combine(scope == "all" ? dir : Path.Combine(dir, "values-scope"), task.Id + ".json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var m = json["models"]![model] ?? throw new InvalidDataException($"{path}: no model '{model}'");
        var folds = m["folds"]!.AsArray().ToDictionary(f => f!["fold"]!.GetValue<int>(), f => f![task.Metric]!.GetValue<double>());
        return new ClinicalReference(model, task.Metric, scope, folds, m["mean"]![task.Metric]!.GetValue<double>(),
            Path.GetRelativePath(RepoRoot, path).Replace('\\', '/'));
    }
}

public enum ClinicalKind
{
    Binary,
    Regression,
    Survival,
}

/// <summary>One task of <c>suite.json</c>: what a user configures (label or outcome, features, trainer) and what it is
/// compared with.</summary>
public sealed record ClinicalTask
{
    public required string Id { get; init; }
    public required string Table { get; init; }
    public required string File { get; init; }
    public required ClinicalKind Kind { get; init; }

    /// <summary>The label (binary), the outcome (regression) or the time/event outcome (survival), as in the manifest.</summary>
    public required JsonObject Outcome { get; init; }

    /// <summary>(CSV header name, <c>numeric</c> or <c>categorical</c>).</summary>
    public required IReadOnlyList<(string Name, string Kind)> Features { get; init; }

    public required string Trainer { get; init; }
    public required JsonObject TrainerOptions { get; init; }
    public required string Compare { get; init; }
    public required string Metric { get; init; }
    public required double Tolerance { get; init; }

    /// <summary><c>absolute</c> (AUC, C-index) or <c>relative</c> (RMSE).</summary>
    public required string ToleranceKind { get; init; }
    public required string FoldsFile { get; init; }

    public static ClinicalTask From(JsonNode t, IReadOnlyDictionary<string, string> files)
    {
        var kind = t["kind"]!.GetValue<string>() switch
        {
            "binary" => ClinicalKind.Binary,
            "regression" => ClinicalKind.Regression,
            "survival" => ClinicalKind.Survival,
            var other => throw new InvalidDataException($"unknown task kind '{other}'"),
        };
        var table = t["table"]!.GetValue<string>();
        var reference = t["reference"]!;
        return new ClinicalTask
        {
            Id = t["id"]!.GetValue<string>(),
            Table = table,
            File = files[table],
            Kind = kind,
            Outcome = (kind == ClinicalKind.Binary ? t["label"] : t["outcome"])!.DeepClone().AsObject(),
            Features = [.. t["features"]!.AsArray().Select(f => (f!["name"]!.GetValue<string>(), f["kind"]!.GetValue<string>()))],
            Trainer = t["trainer"]!["name"]!.GetValue<string>(),
            TrainerOptions = t["trainer"]!["options"]?.DeepClone().AsObject() ?? [],
            Compare = reference["compare"]!.GetValue<string>(),
            Metric = reference["metric"]!.GetValue<string>(),
            Tolerance = reference["tolerance"]!.GetValue<double>(),
            ToleranceKind = reference["toleranceKind"]!.GetValue<string>(),
            FoldsFile = t["folds"]!.GetValue<string>(),
        };
    }
}

/// <param name="Scope">Standardization scope of the reference numbers (<c>all</c> or <c>values</c>).</param>
/// <param name="Path">The reference file, relative to the repository root.</param>
public sealed record ClinicalReference(string Model, string Metric, string Scope, IReadOnlyDictionary<int, double> Folds, double Mean, string Path);

/// <summary>
/// A table's CSV as the harness needs it: the bytes (inference sample), each data row's line as written (uploads are
/// the header line and the training rows' lines, byte for byte) and each row's cells unquoted (outcomes and prediction
/// instances).
/// </summary>
public sealed class ClinicalTable
{
    private ClinicalTable(byte[] bytes, string headerLine, IReadOnlyList<string> lines, IReadOnlyList<string> header, IReadOnlyList<string[]> rows, string newline)
    {
        Bytes = bytes;
        HeaderLine = headerLine;
        Lines = lines;
        Header = header;
        Rows = rows;
        Newline = newline;
    }

    public byte[] Bytes { get; }
    public string HeaderLine { get; }

    /// <summary>Data rows' lines, without their line break.</summary>
    public IReadOnlyList<string> Lines { get; }
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<string[]> Rows { get; }
    public string Newline { get; }

    public int Column(string header)
    {
        var i = Header.ToList().IndexOf(header);
        return i >= 0 ? i : throw new InvalidDataException($"the table has no column '{header}'");
    }

    /// <summary>The header line and the given rows' lines, in the order given, each ended by the file's line break.</summary>
    public byte[] Subset(IEnumerable<int> rows)
    {
        var sb = new StringBuilder(HeaderLine).Append(Newline);
        foreach (var r in rows)
        {
            sb.Append(Lines[r]).Append(Newline);
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static ClinicalTable Read(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var all = text.Split(newline);
        var lines = all.Skip(1).Where(l => l.Length > 0).ToList();

        using var reader = Sep.Reader(o => o with { Unescape = true, HasHeader = true }).FromText(text);
        var header = reader.Header.ColNames.ToList();
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            var cells = new string[row.ColCount];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = row[i].ToString();
            }

            rows.Add(cells);
        }

        // One record per line: a quoted field holding a line break would make the line split wrong.
        if (rows.Count != lines.Count)
        {
            throw new InvalidDataException($"{System.IO.Path.GetFileName(path)}: {rows.Count} records but {lines.Count} lines");
        }

        return new ClinicalTable(bytes, all[0], lines, header, rows, newline);
    }
}
