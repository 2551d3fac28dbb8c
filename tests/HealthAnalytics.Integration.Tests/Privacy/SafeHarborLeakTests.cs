using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using HealthAnalytics.Integration.Tests.Hostile;

namespace HealthAnalytics.Integration.Tests.Privacy;

/// <summary>
/// Issue #6 item 8, end to end on the dev host over Azurite: an upload with ≥ 50 planted values of every
/// applicable HIPAA Safe Harbor identifier kind (in identifier, direct and quasi columns, in unknown extra columns
/// and in free text) is ingested, both models are trained on it, and the prediction API is called with planted
/// values (valid and invalid requests). No planted value, and no form of the pseudonymization key, may appear in
/// the curated Parquet, the reports, the ledger, the model blobs and registry, any API response or problem
/// details, or any log line (captured from Trace).
/// </summary>
public sealed class SafeHarborLeakTests
{
    private const int Rows = 3_000;
    private const int PerKind = 50;

    private const string Clean = """
        {"instances":[{"age":72,"sex":"F","admission_type":"emergency","prior_admissions":3,"medication_count":14,"hba1c":7.5,"glucose":180,
        "creatinine":1.1,"systolic_bp":130,"heart_rate":80,"bmi":27.5,"length_of_stay_days":7}]}
        """;

    private const string CleanSubgroups = """
        {"instances":[{"age":72,"prior_admissions":3,"medication_count":14,"hba1c":7.5,"glucose":180,
        "creatinine":1.1,"systolic_bp":130,"heart_rate":80,"bmi":27.5,"length_of_stay_days":7}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EndToEnd_PlantedSafeHarborIdentifiersAndKey_LeakNowhere()
    {
        var key = "MARKER-KEY-" + Guid.NewGuid().ToString("N");
        await using var storage = new TestStorage();
        var logs = new CapturingLoggerProvider();
        await using var host = await HostileHost.StartAsync(storage, new Dictionary<string, string?> { ["Pseudonymization:Key"] = key }, logs: logs);
        var (upload, planted) = PlantedUpload(seed: 8008);
        foreach (var (kind, values) in planted)
        {
            Assert.True(values.Count >= PerKind, $"only {values.Count} planted values of kind {kind}");
        }

        var outputs = new List<(string Where, string Text)>();
        async Task<HttpResponseMessage> Call(HttpMethod method, string path, string? body = null)
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            var response = await host.Client.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            outputs.Add(($"{method} {path.Split('?')[0]} → {(int)response.StatusCode}", $"{response.Headers}\n{response.Content.Headers}\n{text}"));
            return response;
        }

        // Ingestion through the poller, as a partner drop.
        await storage.UploadAsync("clinic-pii/encounters/patients.csv", upload);
        var (curated, elapsed) = await Wait.ForAsync(
            async () =>
            {
                using var doc = await GetJsonAsync(host.Client, "/api/uploads?status=curated");
                return doc.RootElement.GetProperty("count").GetInt32() >= 1 ? "done" : null;
            },
            TimeSpan.FromMinutes(2));
        Assert.True(curated is not null, $"the planted upload was not curated after {elapsed.TotalSeconds:F0} s");

        // Issue #13: names and headers are partner input too. Headerless files (the first line is a patient's record),
        // uploads under identifying file names, and hostile blob names carrying identifiers, through the same poller.
        var hostile = await DropHostileNamesAsync(storage, upload, planted);
        var (settled, settling) = await Wait.ForAsync(
            async () => (await storage.LedgerEntitiesAsync()).Count(e => e.GetString("Status") is "curated" or "rejected") >= 1 + hostile ? "settled" : null,
            TimeSpan.FromMinutes(3));
        Assert.True(settled is not null, $"the {hostile} hostile uploads were not all final after {settling.TotalSeconds:F0} s");

        // Training on it, then predictions with planted values in valid and invalid requests.
        foreach (var model in new[] { "readmission-risk", "patient-subgroups" })
        {
            using var retrained = await Call(HttpMethod.Post, $"/api/models/{model}/retrain", string.Empty);
            Assert.Equal(HttpStatusCode.OK, retrained.StatusCode);
            using var doc = System.Text.Json.JsonDocument.Parse(outputs[^1].Text[outputs[^1].Text.IndexOf('{', StringComparison.Ordinal)..]);
            Assert.True(doc.RootElement.GetProperty("promoted").GetBoolean(), $"{model} was not promoted");
        }

        await Wait.ForAsync(
            async () =>
            {
                using var health = await GetJsonAsync(host.Client, "/api/health");
                return health.RootElement.GetProperty("models").EnumerateObject().Count(m => m.Value.ValueKind == System.Text.Json.JsonValueKind.String) == 2 ? "ok" : null;
            },
            TimeSpan.FromSeconds(30));
        var p = (int i, string kind) => planted[kind][i % planted[kind].Count];

        // Identifiers a client types into a URL path (a misuse: no route takes patient data). Counted apart from the
        // planted data: ASP.NET Core's hosting logger would carry them in its request-path scope (docs/reliability.md §8).
        var random = new Random(77);
        var routeValues = Enumerable.Range(0, 2 * PerKind).Select(i => (i % 2 == 0 ? "MRN" : "ACCT") + random.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture)).ToList();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < PerKind; i++)
        {
            var valid = $$"""
                {"instances":[{"age":72,"sex":"F","admission_type":"emergency","prior_admissions":3,"medication_count":14,"hba1c":7.5,"glucose":180,
                "creatinine":1.1,"systolic_bp":130,"heart_rate":80,"bmi":27.5,"length_of_stay_days":7,
                "patient_id":{{Json(p(i, "medical record number"))}},"email":{{Json(p(i, "e-mail"))}},"notes":{{Json(p(i, "free text"))}},"ip":{{Json(p(i, "IP address"))}}}]}
                """;
            var invalid = $$"""
                {"instances":[{"age":{{Json(p(i, "first name"))}},"sex":{{Json(p(i, "e-mail"))}},"admission_type":{{Json(p(i, "phone"))}},"prior_admissions":{{Json(p(i, "NIR/SSN"))}},
                "hba1c":{{Json(p(i, "address"))}},"glucose":{{Json(p(i, "URL"))}},"bmi":{{Json(p(i, "IP address"))}},"heart_rate":{{Json(p(i, "birth date"))}},
                "creatinine":{{Json(p(i, "device id"))}},"systolic_bp":{{Json(p(i, "account number"))}},"length_of_stay_days":{{Json(p(i, "postal code"))}},
                "medication_count":{{Json(p(i, "admission date"))}}}]}
                """;
            var model = i % 2 == 0 ? "readmission-risk" : "patient-subgroups";

            // Unknown fields are refused (400), so a scored request carries features only; its response is scanned too.
            using (var r = await Call(HttpMethod.Post, $"/api/models/{model}/predict", model == "readmission-risk" ? Clean : CleanSubgroups))
            {
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }

            using (var r = await Call(HttpMethod.Post, $"/api/models/{model}/predict", valid)) { statuses.Add(r.StatusCode); }
            using (var r = await Call(HttpMethod.Post, $"/api/models/{model}/predict", invalid)) { statuses.Add(r.StatusCode); }
            using (var r = await Call(HttpMethod.Post, $"/api/models/{model}/predict", "{\"instances\":[{\"age\": " + p(i, "NIR/SSN") + " " + p(i, "last name"))) { statuses.Add(r.StatusCode); }
            using (var r = await Call(HttpMethod.Post, $"/api/models/{routeValues[2 * i]}/predict", valid)) { statuses.Add(r.StatusCode); }
            using (var r = await Call(HttpMethod.Get, $"/api/uploads/{routeValues[(2 * i) + 1]}")) { statuses.Add(r.StatusCode); }
            using (var r = await Call(HttpMethod.Get, $"/api/uploads?partner={Uri.EscapeDataString(p(i, "e-mail"))}&dataset={Uri.EscapeDataString(p(i, "last name"))}")) { statuses.Add(r.StatusCode); }
        }

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.BadRequest, statuses);
        Assert.Contains(HttpStatusCode.NotFound, statuses);
        foreach (var path in new[] { "/api/health", "/api/uploads", "/api/models", "/api/models/readmission-risk", "/api/models/patient-subgroups", "/api/openapi.json" })
        {
            using var r = await Call(HttpMethod.Get, path);
        }

        string? uploadId = null;
        using (var list = await GetJsonAsync(host.Client, "/api/uploads"))
        {
            uploadId = list.RootElement.GetProperty("items")[0].GetProperty("uploadId").GetString();
        }

        using (var r = await Call(HttpMethod.Get, $"/api/uploads/{uploadId}"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        // Everything stored: curated Parquet (DuckDB), reports, model blobs (cards, zips), both tables.
        await foreach (var blob in storage.Curated.GetBlobsAsync(cancellationToken: Ct))
        {
            outputs.Add(($"curated {blob.Name}", LeakScan.DumpParquet((await storage.Curated.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToArray())));
        }

        foreach (var container in new[] { storage.Reports, storage.Blobs.GetBlobContainerClient(storage.ModelsContainer) })
        {
            await foreach (var blob in container.GetBlobsAsync(cancellationToken: Ct))
            {
                outputs.Add(($"{container.Name} {blob.Name}", LeakScan.BlobText((await container.GetBlobClient(blob.Name).DownloadContentAsync(Ct)).Value.Content.ToArray())));
            }
        }

        foreach (var table in new[] { storage.UploadsTable, storage.ModelsTable })
        {
            var entities = new StringBuilder();
            await foreach (var e in storage.Tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: Ct))
            {
                entities.AppendJoin("\n", e.Select(kv => $"{kv.Key}={kv.Value}")).Append('\n');
            }

            outputs.Add(($"table {table}", entities.ToString()));
        }

        await host.DisposeAsync();
        outputs.Add(("logs", string.Join("\n", logs.Lines)));
        Assert.True(logs.Lines.Count > 100, $"only {logs.Lines.Count} log lines were captured: the capture is not wired");
        Assert.Contains(outputs, o => o.Where.Contains("-models ", StringComparison.Ordinal) && o.Where.EndsWith("card.json", StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.Where.StartsWith("curated", StringComparison.Ordinal));

        // Safe Harbor: ages over 89 are aggregated (top-coded to 90).
        var curatedText = outputs.First(o => o.Where.StartsWith("curated", StringComparison.Ordinal)).Text;
        var lines = curatedText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ageColumn = Array.IndexOf(lines[0].Split('|'), "age");
        Assert.True(ageColumn >= 0, "no age column in the curated file");
        var maxAge = lines.Skip(1).Select(l => l.Split('|')[ageColumn]).Where(a => a.Length > 0).Max(a => int.Parse(a, CultureInfo.InvariantCulture));
        Assert.True(maxAge <= 90, $"an age of {maxAge} reached the curated file");

        // The scan: per kind, every planted value (and its JSON/HTML-escaped forms) in every output.
        var figures = new StringBuilder();
        var leaks = new List<string>();
        foreach (var (kind, values) in planted)
        {
            var found = 0;
            foreach (var value in values)
            {
                // A header cell would have been shown normalized (lower case, no separators): look for that form too.
                var forms = kind == HeaderlessKind ? LeakScan.Forms(value).Append(Ingestion.HeaderNormalizer.Normalize(value)).Where(f => f.Length >= 4).ToList() : LeakScan.Forms(value).ToList();
                foreach (var (where, text) in outputs)
                {
                    if (forms.Any(form => LeakScan.Contains(text, form)))
                    {
                        found++;

                        // For logs, name the category and event that wrote it (the value itself stays out of the message).
                        var source = where == "logs" ? LogSource(logs.Lines.First(l => LeakScan.Forms(value).Any(form => LeakScan.Contains(l, form)))) : string.Empty;
                        leaks.Add($"{kind} in {where} {source}".TrimEnd());
                    }
                }
            }

            figures.Append(CultureInfo.InvariantCulture, $"{kind}: {values.Count} planted, {found} leaks; ");
        }

        // Route values: in no output at all, log lines and log scopes included.
        var routeLeaks = 0;
        foreach (var value in routeValues)
        {
            foreach (var (where, text) in outputs)
            {
                if (where != "logs" && LeakScan.Contains(text, value))
                {
                    routeLeaks++;
                    leaks.Add($"URL path value in {where}");
                }
            }

            foreach (var line in logs.Lines.Where(l => LeakScan.Contains(l, value)))
            {
                routeLeaks++;
                leaks.Add($"URL path value in logs {LogSource(line)}");
            }
        }

        figures.Append(CultureInfo.InvariantCulture, $"URL path values: {routeValues.Count} sent, {routeLeaks} leaks; ");

        var keyForms = new[] { key, Convert.ToBase64String(Encoding.UTF8.GetBytes(key)), Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key)), Convert.ToHexString(Encoding.UTF8.GetBytes(key)) };
        var keyLeaks = outputs.Where(o => keyForms.Any(f => o.Text.Contains(f, StringComparison.OrdinalIgnoreCase))).Select(o => "key in " + o.Where).ToList();
        figures.Append(CultureInfo.InvariantCulture, $"key (4 forms): {keyLeaks.Count} leaks; outputs scanned: {outputs.Count} ({logs.Lines.Count} log lines)");
        TestContext.Current.SendDiagnosticMessage(figures.ToString());
        if (Environment.GetEnvironmentVariable("HA_PRIVACY_SUMMARY") is { Length: > 0 } summary)
        {
            await File.AppendAllTextAsync(summary, figures + "\n", Ct);
        }

        leaks.AddRange(keyLeaks);
        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks: {string.Join(", ", leaks.Distinct().Take(30))}");
    }

    private const string HeaderlessKind = "headerless file (first line)";

    /// <summary>
    /// Drops the issue #13 cases next to the planted upload and adds their planted values: 6 headerless files (the
    /// planted upload's rows without the header: the first line's ids, names, contacts, NIR, address and birth date),
    /// 25 uploads under file names built from planted identifiers (name + NIR, e-mail, name + phone, name + birth date,
    /// MRN), and 25 hostile blob names carrying identifiers (dot segments, a partner or dataset segment that is an
    /// e-mail or a NIR, a wrong segment count). Returns how many uploads were dropped.
    /// </summary>
    private static async Task<int> DropHostileNamesAsync(TestStorage storage, byte[] upload, Dictionary<string, List<string>> planted)
    {
        var text = Encoding.UTF8.GetString(upload);
        var delimiter = text.Contains(';', StringComparison.Ordinal) && !text.Split('\n')[0].Contains(',', StringComparison.Ordinal) ? ';' : ',';
        var table = Rfc4180.Parse(text.TrimStart('\uFEFF'), delimiter);
        var known = planted.Values.SelectMany(v => v).ToHashSet(StringComparer.Ordinal);
        var headerless = planted[HeaderlessKind] = [];
        var dropped = 0;
        for (var i = 0; i < 6; i++)
        {
            // The first line's planted identifiers (the generator's column order varies; category words are not planted).
            var rows = table.Skip(1 + (i * 40)).Take(40).ToList();
            headerless.AddRange(rows[0].Select(c => c.Trim()).Where(known.Contains));
            await storage.UploadAsync($"clinic-pii/encounters/export-{i}.csv", Encoding.UTF8.GetBytes(Rfc4180.Write(rows, delimiter)));
            dropped++;
        }

        string P(string kind, int i) => planted[kind][i % planted[kind].Count];
        var names = planted["identifying file name"] = [];
        for (var i = 0; i < 25; i++)
        {
            var last = P("last name", i).Replace(' ', '_');
            var file = (i % 5) switch
            {
                0 => $"{last}-{P("first name", i)}-{P("NIR/SSN", i)}.csv",
                1 => $"{P("e-mail", i)}.csv",
                2 => $"{last} {P("phone", i)}.csv",
                3 => $"{last}_{P("birth date", i).Replace('/', '-')}.csv",
                _ => $"{P("medical record number", i)}.csv",
            };
            names.Add(file);
            names.Add(file[..file.LastIndexOf('.')]);
            await storage.UploadAsync($"clinic-pii/encounters/{file}", Csv.Encounters(12, seed: 13_000 + i));
            dropped++;
        }

        var blobNames = planted["hostile blob name"] = [];
        for (var i = 0; i < 25; i++)
        {
            var nir = P("NIR/SSN", i + 7).Replace(" ", string.Empty, StringComparison.Ordinal);
            var email = P("e-mail", i + 7);
            var raw = (i % 5) switch
            {
                0 => $"clinic-pii/encounters/%2E%2E/%2E%2E/{nir}.csv",
                1 => $"{Uri.EscapeDataString(email)}/encounters/x{i}.csv",
                2 => $"clinic-pii/{nir}/x{i}.csv",
                3 => $"clinic-pii/encounters/sub/{Uri.EscapeDataString(email)}.csv",
                _ => $"clinic-pii/encounters/%252E%252E/{nir}-{i}.csv",
            };
            blobNames.Add(nir);
            blobNames.Add(email);
            await Hostile.HostileBlobs.PutRawAsync(storage.Uploads, raw, Csv.Encounters(5, seed: 14_000 + i));
            dropped++;
        }

        Assert.True(headerless.Count >= PerKind, $"only {headerless.Count} identifiers on the headerless first lines");
        planted[HeaderlessKind] = [.. headerless.Distinct()];
        planted["identifying file name"] = [.. names.Distinct()];
        planted["hostile blob name"] = [.. blobNames.Distinct()];
        return dropped;
    }

    /// <summary>
    /// A generated (dirty) upload rewritten with ten extra unknown columns of planted values, and the planted values
    /// by kind: the generator's (ids, names, contacts, NIR, address, birth date, postal code) plus the exact
    /// admission and discharge dates and the extra kinds. A date on 1 January is left out of the planted set: it
    /// is indistinguishable from a year kept by generalization.
    /// </summary>
    internal static (byte[] Upload, Dictionary<string, List<string>> Planted) PlantedUpload(int seed)
    {
        var (content, truth) = Csv.Generate(Rows, seed, dirty: true);
        var delimiter = truth.Delimiter[0];
        var table = Rfc4180.Parse(Encoding.UTF8.GetString(content).TrimStart('\uFEFF'), delimiter);
        var header = table[0];
        var random = new Random(seed);
        string Digits(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)('0' + random.Next(10))));
        var planted = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string kind, IEnumerable<string> values)
        {
            var list = planted.TryGetValue(kind, out var l) ? l : planted[kind] = [];
            list.AddRange(values.Select(v => v.Trim()).Where(v => v.Length >= 4 && !list.Contains(v)));
        }

        Add("encounter id", truth.Pii.EncounterIds);
        Add("medical record number", truth.Pii.PatientIds);
        Add("first name", truth.Pii.FirstNames);
        Add("last name", truth.Pii.LastNames);
        Add("e-mail", truth.Pii.Emails);
        Add("phone", truth.Pii.Phones);
        Add("NIR/SSN", truth.Pii.Nirs);
        Add("address", truth.Pii.Addresses);
        Add("birth date", truth.Pii.BirthDates);
        Add("postal code", truth.Pii.PostalCodes);
        foreach (var (column, kind) in new[] { ("admission_date", "admission date"), ("discharge_date", "discharge date") })
        {
            var at = header.FindIndex(h => Normalize(h).StartsWith(Normalize(column)[..5], StringComparison.Ordinal) || Normalize(h).StartsWith(column == "admission_date" ? "dateentree" : "datesortie", StringComparison.Ordinal));
            Assert.True(at >= 0, $"no {column} in the generated header {string.Join(",", header)}");
            Add(kind, table.Skip(1).Where(r => r.Count > at && IsExactDate(r[at], truth.DateFormat)).Select(r => r[at]).Distinct().Take(400));
        }

        var extraKinds = new (string Header, string Kind, Func<int, string> Make)[]
        {
            ("account_number", "account number", i => $"ACCT-{Digits(10)}"),
            ("health_plan_id", "health plan number", i => $"HPB{Digits(9)}"),
            ("license_number", "licence number", i => $"LIC-{Digits(3)}-{Digits(6)}"),
            ("vehicle_id", "vehicle id", i => $"VF1{Digits(6)}RB{Digits(6)}"),
            ("device_id", "device id", i => $"(01)0{Digits(13)}(21)SN{Digits(8)}"),
            ("website", "URL", i => $"https://patient-{Digits(6)}.portal.example.org/chart"),
            ("ip_address", "IP address", i => $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}"),
            ("ipv6_address", "IPv6 address", i => $"fd00:{Digits(4)}:{Digits(4)}::{Digits(4)}"),
            ("fax", "fax number", i => $"+33 1 {Digits(2)} {Digits(2)} {Digits(2)} {Digits(2)}"),
        };
        header.AddRange(extraKinds.Select(k => k.Header).Append("notes"));
        foreach (var (_, kind, _) in extraKinds)
        {
            planted[kind] = [];
        }

        planted["free text"] = [];
        var names = truth.Pii.LastNames;
        var emails = truth.Pii.Emails;
        for (var r = 1; r < table.Count; r++)
        {
            foreach (var (_, kind, make) in extraKinds)
            {
                var value = make(r);
                table[r].Add(value);
                if (planted[kind].Count < 400)
                {
                    planted[kind].Add(value);
                }
            }

            // Free text mentioning other identifiers, as a clinician's note would.
            var note = $"Seen with Dr {names[r % names.Count]}; reach at {emails[r % emails.Count]} or {table[r][^4]} (device {table[r][^5]})";
            table[r].Add(note);
            if (planted["free text"].Count < 400)
            {
                planted["free text"].Add(note);
            }
        }

        return (Encoding.UTF8.GetBytes(Rfc4180.Write(table, delimiter)), planted);
    }

    private static async Task<System.Text.Json.JsonDocument> GetJsonAsync(HttpClient client, string path)
        => System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative), Ct));

    /// <summary>Category and event of a log line (or "scope"), never its text.</summary>
    private static string LogSource(string line)
    {
        var parts = line.Split(' ');
        return string.Join(" ", parts.Take(parts.Length > 1 && parts[1] == "scope" ? 2 : 3));
    }

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string Normalize(string header) => new([.. header.ToLowerInvariant().Where(char.IsLetterOrDigit)]);

    private static bool IsExactDate(string cell, string format) =>
        DateOnly.TryParseExact(cell.Trim(), format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && !(d.Month == 1 && d.Day == 1);

    /// <summary>HMAC-SHA256 over the NFC, trimmed value, as docs/ingestion.md defines a pseudonym: an oracle independent of the code.</summary>
    internal static string Pseudonym(string key, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value.Trim().Normalize(NormalizationForm.FormC))))[..32]; // HMAC-SHA-256-128
}
