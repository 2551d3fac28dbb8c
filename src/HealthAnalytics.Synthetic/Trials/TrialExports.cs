using System.Globalization;
using System.Text;

namespace HealthAnalytics.Synthetic.Trials;

/// <summary>
/// One randomized trial as a partner would bring it to the product: a dataset contract, a <c>treatment-effect</c> model
/// spec, and the CSV to upload (docs/treatment-effects.md, "Real trials through the public path").
/// </summary>
/// <param name="Dataset">Dataset (contract) name; the upload goes to <c>uploads/{partner}/{dataset}/{file}</c>.</param>
/// <param name="Model">Model (spec) name.</param>
/// <param name="Instance">A prediction instance (the spec's features) for the public-path check.</param>
public sealed record TrialExport(string Dataset, string Model, string Outcome, string Treatment, string ContractJson, string SpecJson, string Csv, string Instance);

/// <summary>
/// The four randomized trials of <c>tests/corpora/clinical</c> (R package survival's exports) as partner exports. The
/// only changes to the R files are those a partner's export makes: the missing-value token <c>NA</c> becomes an empty
/// cell (the product reads an empty cell as missing), a row id is added where a table has none (veteran), columns the
/// model does not use are left in place (the contract ignores them), and for <c>cgd0</c>, whose infections are in wide
/// columns, the time to the first infection and its status are written as two columns. Codes (1/2, 0/10) stay as the
/// trial wrote them: the contracts' category aliases name them.
/// </summary>
public static class TrialExports
{
    public static IReadOnlyList<string> Names { get; } = ["veteran", "udca1", "diabetic", "cgd0"];

    public static TrialExport Export(string name, string corpusDirectory)
    {
        ArgumentNullException.ThrowIfNull(corpusDirectory);
        var (header, rows) = RExport.Read(Path.Combine(corpusDirectory, name + ".csv"));
        return name switch
        {
            "veteran" => Veteran(header, rows),
            "udca1" => Udca(header, rows),
            "diabetic" => Diabetic(header, rows),
            "cgd0" => Cgd(header, rows),
            _ => throw new ArgumentException("Unknown trial; one of " + string.Join(", ", Names) + ".", nameof(name)),
        };
    }

    /// <summary>Writes <c>{dataset}.contract.json</c>, <c>{dataset}.spec.json</c>, <c>{dataset}.csv</c> and
    /// <c>{dataset}.instance.json</c> of every trial into <paramref name="directory"/>.</summary>
    public static void WriteAll(string corpusDirectory, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var name in Names)
        {
            var t = Export(name, corpusDirectory);
            File.WriteAllText(Path.Combine(directory, t.Dataset + ".contract.json"), t.ContractJson);
            File.WriteAllText(Path.Combine(directory, t.Dataset + ".spec.json"), t.SpecJson);
            File.WriteAllText(Path.Combine(directory, t.Dataset + ".csv"), t.Csv);
            File.WriteAllText(Path.Combine(directory, t.Dataset + ".instance.json"), t.Instance);
        }
    }

    /// <summary>VA lung cancer trial: trt 2 (test chemotherapy) vs 1 (standard); death within 90 days.</summary>
    private static TrialExport Veteran(string[] header, List<string?[]> rows)
    {
        // No id column in the R table: the export numbers the patients.
        var numbered = rows.Select((r, i) => (string?[])[string.Create(CultureInfo.InvariantCulture, $"vet-{i + 1:000}"), .. r]).ToList();
        const string Contract = """
            {
              "name": "trial-veteran", "version": "1.0.0",
              "description": "VA lung cancer trial (R survival::veteran): one row per patient.",
              "primaryKey": [ "patient" ],
              "columns": [
                { "name": "patient", "type": "string", "required": true, "privacy": "identifier" },
                { "name": "trt", "type": "integer", "required": true, "range": { "min": 1, "max": 2 } },
                { "name": "celltype", "type": "category", "categories": { "squamous": [], "smallcell": [], "adeno": [], "large": [] } },
                { "name": "time", "type": "integer", "unit": "days", "required": true, "range": { "min": 0, "max": 5000 } },
                { "name": "status", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } },
                { "name": "karno", "type": "integer", "unit": "points", "range": { "min": 0, "max": 100 } },
                { "name": "diagtime", "type": "integer", "unit": "months", "range": { "min": 0, "max": 200 } },
                { "name": "age", "type": "integer", "unit": "years", "range": { "min": 18, "max": 110 } },
                { "name": "prior", "type": "category", "categories": { "no": [ "0" ], "yes": [ "10" ] } }
              ]
            }
            """;
        const string Spec = """
            {
              "name": "veteran-benefit", "task": "treatment-effect", "dataset": "trial-veteran",
              "description": "Who benefits from the test chemotherapy: death within 90 days.",
              "features": [ { "name": "celltype" }, { "name": "karno" }, { "name": "diagtime" }, { "name": "age" }, { "name": "prior" } ],
              "treatment": { "column": "trt", "treated": [ 2 ], "control": [ 1 ] },
              "outcome": { "time": "time", "event": "status", "positive": [ 1 ], "horizon": 90, "better": "lower" },
              "design": "randomized",
              "estimator": "dr-learner",
              "promotion": { "metric": "qini" },
              "minimumRows": 50, "scheduleGroup": "manual"
            }
            """;
        return new TrialExport("trial-veteran", "veteran-benefit", "death within 90 days", "trt 2 (test chemotherapy) vs 1 (standard)",
            Contract, Spec, Csv(["patient", .. header], numbered),
            """{"celltype":"smallcell","karno":60,"diagtime":5,"age":62,"prior":"no"}""");
    }

    /// <summary>UDCA in primary biliary cirrhosis: trt 1 (ursodeoxycholic acid) vs 0 (placebo); treatment failure within 730 days.</summary>
    private static TrialExport Udca(string[] header, List<string?[]> rows)
    {
        const string Contract = """
            {
              "name": "trial-udca1", "version": "1.0.0",
              "description": "UDCA trial in primary biliary cirrhosis (R survival::udca1): one row per patient.",
              "primaryKey": [ "id" ],
              "columns": [
                { "name": "id", "type": "string", "required": true, "privacy": "identifier" },
                { "name": "trt", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } },
                { "name": "stage", "type": "category", "categories": { "early": [ "0" ], "advanced": [ "1" ] } },
                { "name": "bili", "type": "number", "unit": "mg/dL", "range": { "min": 0, "max": 50 } },
                { "name": "riskscore", "type": "number", "unit": "points", "range": { "min": 0, "max": 20 } },
                { "name": "futime", "type": "integer", "unit": "days", "required": true, "range": { "min": 0, "max": 10000 } },
                { "name": "status", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } }
              ]
            }
            """;
        const string Spec = """
            {
              "name": "udca1-benefit", "task": "treatment-effect", "dataset": "trial-udca1",
              "description": "Who benefits from UDCA: treatment failure within two years.",
              "features": [ { "name": "stage" }, { "name": "bili" }, { "name": "riskscore" } ],
              "treatment": { "column": "trt", "treated": [ 1 ], "control": [ 0 ] },
              "outcome": { "time": "futime", "event": "status", "positive": [ 1 ], "horizon": 730, "better": "lower" },
              "design": "randomized",
              "estimator": "dr-learner",
              "minimumRows": 50, "scheduleGroup": "manual"
            }
            """;
        return new TrialExport("trial-udca1", "udca1-benefit", "treatment failure within 730 days", "trt 1 (UDCA) vs 0 (placebo)",
            Contract, Spec, Csv(header, rows), """{"stage":"advanced","bili":1.2,"riskscore":5.5}""");
    }

    /// <summary>Diabetic retinopathy: the laser-treated eye (trt 1) vs the other eye of the same patient; vision loss within 24 months.</summary>
    private static TrialExport Diabetic(string[] header, List<string?[]> rows)
    {
        const string Contract = """
            {
              "name": "trial-diabetic", "version": "1.0.0",
              "description": "Laser coagulation for diabetic retinopathy (R survival::diabetic): one row per eye, two eyes per patient.",
              "primaryKey": [ "id", "eye" ],
              "columns": [
                { "name": "id", "type": "string", "required": true, "privacy": "identifier" },
                { "name": "laser", "type": "category", "categories": { "xenon": [], "argon": [] } },
                { "name": "age", "type": "integer", "unit": "years", "range": { "min": 0, "max": 110 } },
                { "name": "eye", "type": "category", "required": true, "categories": { "left": [], "right": [] } },
                { "name": "trt", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } },
                { "name": "risk", "type": "integer", "unit": "points", "range": { "min": 0, "max": 12 } },
                { "name": "time", "type": "number", "unit": "months", "required": true, "range": { "min": 0, "max": 200 } },
                { "name": "status", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } }
              ]
            }
            """;
        const string Spec = """
            {
              "name": "diabetic-benefit", "task": "treatment-effect", "dataset": "trial-diabetic",
              "description": "Which eyes benefit from laser coagulation: vision loss within 24 months.",
              "features": [ { "name": "laser" }, { "name": "age" }, { "name": "eye" }, { "name": "risk" } ],
              "treatment": { "column": "trt", "treated": [ 1 ], "control": [ 0 ] },
              "outcome": { "time": "time", "event": "status", "positive": [ 1 ], "horizon": 24, "better": "lower" },
              "design": "randomized",
              "propensity": 0.5,
              "estimator": "dr-learner",
              "effects": { "cluster": "id" },
              "minimumRows": 50, "scheduleGroup": "manual"
            }
            """;
        return new TrialExport("trial-diabetic", "diabetic-benefit", "vision loss within 24 months", "trt 1 (laser-treated eye) vs 0 (the other eye)",
            Contract, Spec, Csv(header, rows), """{"laser":"argon","age":30,"eye":"left","risk":10}""");
    }

    /// <summary>Chronic granulomatous disease: treat 1 (gamma interferon) vs 0 (placebo); first serious infection within 180 days.</summary>
    private static TrialExport Cgd(string[] header, List<string?[]> rows)
    {
        // Infections are in wide columns etime1..etime7; the export writes the time to the first one (or the follow-up
        // when there was none) and whether it happened.
        var futime = Array.IndexOf(header, "futime");
        var etime1 = Array.IndexOf(header, "etime1");
        var derived = rows.Select(r => (string?[])[.. r, r[etime1] ?? r[futime], r[etime1] is null ? "0" : "1"]).ToList();
        const string Contract = """
            {
              "name": "trial-cgd0", "version": "1.0.0",
              "description": "Gamma interferon in chronic granulomatous disease (R survival::cgd0): one row per patient.",
              "primaryKey": [ "id" ],
              "columns": [
                { "name": "id", "type": "string", "required": true, "privacy": "identifier" },
                { "name": "treat", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } },
                { "name": "sex", "type": "category", "categories": { "male": [ "1" ], "female": [ "2" ] } },
                { "name": "age", "type": "integer", "unit": "years", "range": { "min": 0, "max": 110 } },
                { "name": "height", "type": "number", "unit": "cm", "range": { "min": 40, "max": 230 } },
                { "name": "weight", "type": "number", "unit": "kg", "range": { "min": 2, "max": 250 } },
                { "name": "inherit", "type": "category", "categories": { "X-linked": [ "1" ], "autosomal": [ "2" ] } },
                { "name": "steroids", "type": "category", "categories": { "yes": [ "1" ], "no": [ "2" ] } },
                { "name": "propylac", "type": "category", "categories": { "yes": [ "1" ], "no": [ "2" ] } },
                { "name": "hos_cat", "type": "category", "categories": { "US:NIH": [ "1" ], "US:other": [ "2" ], "Europe:Amsterdam": [ "3" ], "Europe:other": [ "4" ] } },
                { "name": "infection_days", "type": "integer", "unit": "days", "required": true, "range": { "min": 0, "max": 1000 } },
                { "name": "infection", "type": "integer", "required": true, "range": { "min": 0, "max": 1 } }
              ]
            }
            """;
        const string Spec = """
            {
              "name": "cgd0-benefit", "task": "treatment-effect", "dataset": "trial-cgd0",
              "description": "Who benefits from gamma interferon: a first serious infection within 180 days.",
              "features": [ { "name": "sex" }, { "name": "age" }, { "name": "height" }, { "name": "weight" }, { "name": "inherit" },
                            { "name": "steroids" }, { "name": "propylac" }, { "name": "hos_cat" } ],
              "treatment": { "column": "treat", "treated": [ 1 ], "control": [ 0 ] },
              "outcome": { "time": "infection_days", "event": "infection", "positive": [ 1 ], "horizon": 180, "better": "lower" },
              "design": "randomized",
              "estimator": "dr-learner",
              "minimumRows": 50, "scheduleGroup": "manual"
            }
            """;
        return new TrialExport("trial-cgd0", "cgd0-benefit", "serious infection within 180 days", "treat 1 (interferon) vs 0 (placebo)",
            Contract, Spec, Csv([.. header, "infection_days", "infection"], derived),
            """{"sex":"male","age":12,"height":147,"weight":40,"inherit":"X-linked","steroids":"no","propylac":"yes","hos_cat":"US:other"}""");
    }

    /// <summary>CSV with a plain header; a missing value is an empty cell; a cell with a comma or quote is quoted.</summary>
    private static string Csv(IReadOnlyList<string> header, IEnumerable<string?[]> rows)
    {
        static string Cell(string? v) => v is null ? "" : v.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
        var csv = new StringBuilder().Append(string.Join(',', header.Select(Cell))).Append('\n');
        foreach (var row in rows)
        {
            csv.Append(string.Join(',', row.Select(Cell))).Append('\n');
        }

        return csv.ToString();
    }
}
