using System.Globalization;
using HealthAnalytics.Curated;
using HealthAnalytics.Synthetic.Trials;
using HealthAnalytics.Training;
using HealthAnalytics.Training.Tests.Support;
using HealthAnalytics.Training.Effects;

namespace HealthAnalytics.Training.Tests.Effects.Validation;

/// <summary>
/// The four randomized trials of the clinical corpus (R package survival's exports) as effect-core inputs, each with a
/// binary outcome at a horizon: an event at or before the horizon = 1, followed past it without the event = 0, and
/// patients censored before the horizon without the event excluded (their outcome is unknown). Excluding them is
/// unbiased only if censoring is independent of outcome and arm; the counts are reported so a reader can judge.
/// </summary>
internal static class ClinicalTrials
{
    public sealed record Trial(string Name, string Outcome, string Treatment, EffectData Data, int Excluded, int Events);

    /// <summary><c>{repo}/tests/corpora/clinical</c> (or <c>HA_CLINICAL_CORPORA</c>); null when absent.</summary>
    public static string? Directory()
    {
        var configured = Environment.GetEnvironmentVariable("HA_CLINICAL_CORPORA");
        var path = configured ?? Path.Combine(Path.GetDirectoryName(Repo.ConfigDirectory)!, "tests", "corpora", "clinical");
        return File.Exists(Path.Combine(path, "veteran.csv")) ? Path.GetFullPath(path) : null;
    }

    public static IReadOnlyList<Trial> All(string directory) => [Veteran(directory), Udca(directory), Diabetic(directory), Cgd(directory)];

    /// <summary>VA lung cancer: trt 2 (test chemotherapy) vs 1 (standard); death within 90 days.</summary>
    public static Trial Veteran(string directory)
    {
        var csv = Read(Path.Combine(directory, "veteran.csv"));
        return Build("veteran", "death within 90 days", "trt 2 (test) vs 1 (standard)", csv,
            r => Horizon(Num(r, "time"), Num(r, "status") == 1, 90), r => Num(r, "trt") == 2, null,
            [("celltype", FeatureKind.Categorical, null, r => Str(r, "celltype")), ("karno", FeatureKind.Numeric, "points", r => Num(r, "karno")),
             ("diagtime", FeatureKind.Numeric, "months", r => Num(r, "diagtime")), ("age", FeatureKind.Numeric, "years", r => Num(r, "age")),
             ("prior", FeatureKind.Categorical, null, r => Num(r, "prior") == 10 ? "yes" : "no")]);
    }

    /// <summary>UDCA in primary biliary cirrhosis: trt 1 vs 0 (placebo); treatment failure within 2 years.</summary>
    public static Trial Udca(string directory)
    {
        var csv = Read(Path.Combine(directory, "udca1.csv"));
        return Build("udca1", "treatment failure within 730 days", "trt 1 (UDCA) vs 0 (placebo)", csv,
            r => Horizon(Num(r, "futime"), Num(r, "status") == 1, 730), r => Num(r, "trt") == 1, null,
            [("stage", FeatureKind.Categorical, null, r => Num(r, "stage") == 1 ? "advanced" : "early"), ("bili", FeatureKind.Numeric, "mg/dL", r => Num(r, "bili")),
             ("riskscore", FeatureKind.Numeric, "points", r => Num(r, "riskscore"))]);
    }

    /// <summary>Diabetic retinopathy: the treated eye (trt 1) vs the other eye of the same patient; vision loss within
    /// 24 months. Two eyes per patient: the patient is the cluster (one fold, one half; cluster-robust errors).</summary>
    public static Trial Diabetic(string directory)
    {
        var csv = Read(Path.Combine(directory, "diabetic.csv"));
        return Build("diabetic", "vision loss within 24 months", "trt 1 (laser-treated eye) vs 0", csv,
            r => Horizon(Num(r, "time"), Num(r, "status") == 1, 24), r => Num(r, "trt") == 1, r => (int)Num(r, "id"),
            [("laser", FeatureKind.Categorical, null, r => Str(r, "laser")), ("age", FeatureKind.Numeric, "years", r => Num(r, "age")),
             ("eye", FeatureKind.Categorical, null, r => Str(r, "eye")), ("risk", FeatureKind.Numeric, "points", r => Num(r, "risk"))]);
    }

    /// <summary>Chronic granulomatous disease: treat 1 (gamma interferon) vs 0 (placebo); first serious infection within 180 days.</summary>
    public static Trial Cgd(string directory)
    {
        var csv = Read(Path.Combine(directory, "cgd0.csv"));
        string?[] hospitals = [null, "US:NIH", "US:other", "Europe:Amsterdam", "Europe:other"];
        return Build("cgd0", "serious infection within 180 days", "treat 1 (interferon) vs 0 (placebo)", csv,
            r => double.IsFinite(Num(r, "etime1")) && Num(r, "etime1") <= 180 ? 1 : Num(r, "futime") >= 180 ? 0 : null,
            r => Num(r, "treat") == 1, null,
            [("sex", FeatureKind.Categorical, null, r => Num(r, "sex") == 1 ? "male" : "female"), ("age", FeatureKind.Numeric, "years", r => Num(r, "age")),
             ("height", FeatureKind.Numeric, "cm", r => Num(r, "height")), ("weight", FeatureKind.Numeric, "kg", r => Num(r, "weight")),
             ("inherit", FeatureKind.Categorical, null, r => Num(r, "inherit") == 1 ? "X-linked" : "autosomal"),
             ("steroids", FeatureKind.Categorical, null, r => Num(r, "steroids") == 1 ? "yes" : "no"),
             ("propylac", FeatureKind.Categorical, null, r => Num(r, "propylac") == 1 ? "yes" : "no"),
             ("hos.cat", FeatureKind.Categorical, null, r => hospitals[(int)Num(r, "hos.cat")])]);
    }

    private static double? Horizon(double time, bool eventObserved, double horizon) =>
        eventObserved && time <= horizon ? 1 : time >= horizon ? 0 : null;

    private static Trial Build(string name, string outcome, string treatment, List<Dictionary<string, string?>> csv,
        Func<Dictionary<string, string?>, double?> label, Func<Dictionary<string, string?>, bool> treated, Func<Dictionary<string, string?>, int>? cluster,
        IReadOnlyList<(string Name, FeatureKind Kind, string? Unit, Func<Dictionary<string, string?>, object?> Value)> features)
    {
        var rows = csv.Where(r => label(r) is not null).ToList();
        var numeric = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var categorical = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        foreach (var f in features)
        {
            if (f.Kind == FeatureKind.Categorical)
            {
                categorical[f.Name] = [.. rows.Select(r => (string?)f.Value(r))];
            }
            else
            {
                numeric[f.Name] = [.. rows.Select(r => (double)f.Value(r)!)];
            }
        }

        var table = new TrainingTable(rows.Count, numeric, categorical);
        var y = rows.Select(r => label(r)!.Value).ToArray();
        var (data, _) = EffectData.FromTable(table, [.. features.Select(f => (f.Name, f.Kind, f.Unit))], [.. rows.Select(treated)], y,
            cluster is null ? null : [.. rows.Select(cluster)]);
        return new Trial(name, outcome, treatment, data, csv.Count - rows.Count, (int)y.Sum());
    }

    private static double Num(Dictionary<string, string?> row, string column) =>
        row[column] is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : double.NaN;

    private static string? Str(Dictionary<string, string?> row, string column) => row[column];

    /// <summary>Each row as column → cell (null = missing).</summary>
    private static List<Dictionary<string, string?>> Read(string path)
    {
        var (header, rows) = RExport.Read(path);
        return [.. rows.Select(cells => header.Select((h, i) => (h, cells[i])).ToDictionary(p => p.h, p => p.Item2, StringComparer.Ordinal))];
    }
}
