using System.Globalization;
using System.Text;
using HealthAnalytics.Synthetic;

namespace HealthAnalytics.Ingestion.Tests.Synthetic;

/// <summary>
/// Deliberately simple, independent re-implementations (CSV splitting, AUC by sorting, k-means,
/// adjusted Rand index) so the generator's truth is checked against code that shares nothing with it.
/// </summary>
internal static class SyntheticTestKit
{
    public sealed record Generated(byte[] Bytes, string Text, GenerationTruth Truth, string GroundTruth);

    public static Generated Generate(GeneratorOptions options)
    {
        using var data = new MemoryStream();
        using var side = new MemoryStream();
        GenerationTruth truth = EncounterGenerator.Write(data, options, side);
        byte[] bytes = data.ToArray();
        return new Generated(bytes, Encoding.UTF8.GetString(bytes), truth, Encoding.UTF8.GetString(side.ToArray()));
    }

    /// <summary>A physical record: its fields (quotes removed) and whether it is the header.</summary>
    public sealed record CsvRecord(long Line, string[] Fields, string Raw);

    /// <summary>RFC 4180 split (quoted fields, <c>""</c>, CRLF or LF); the header is the first record.</summary>
    public static List<CsvRecord> Parse(string text, char delimiter)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0, start = 0;
        long line = 1, recordLine = 1;
        bool inQuotes = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }

                if (c == '"')
                {
                    inQuotes = false;
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                i++;
                continue;
            }

            if (c == '"')
            {
                inQuotes = true;
                i++;
            }
            else if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (c is '\r' or '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add(new CsvRecord(recordLine, [.. fields], text[start..i]));
                fields.Clear();
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                line++;
                recordLine = line;
                start = i;
            }
            else
            {
                field.Append(c);
                i++;
            }
        }

        if (i > start)
        {
            fields.Add(field.ToString());
            records.Add(new CsvRecord(recordLine, [.. fields], text[start..]));
        }

        return records;
    }

    public static bool IsBlank(CsvRecord r) => r.Fields.All(f => string.IsNullOrWhiteSpace(f));

    /// <summary>Ground-truth side file as encounter id → (patient id, subgroup, probability).</summary>
    public static Dictionary<string, (string Patient, int Subgroup, double Probability)> ParseGroundTruth(string text)
    {
        var result = new Dictionary<string, (string, int, double)>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n').Skip(1).Where(l => l.Length > 0))
        {
            string[] f = line.Split(',');
            result.Add(f[0], (f[1], int.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary>
    /// The output rows, found without the generator's help: for each ground-truth id, the last record with
    /// that id that is not a byte-for-byte repeat of an earlier record (a reused key follows the
    /// quarantined row it was taken from; duplicates are repeats).
    /// </summary>
    public static List<CsvRecord> OutputRows(List<CsvRecord> records, IReadOnlyDictionary<string, (string, int, double)> groundTruth, int columns)
    {
        var seenRaw = new HashSet<string>(StringComparer.Ordinal);
        var byId = new Dictionary<string, CsvRecord>(StringComparer.Ordinal);
        foreach (CsvRecord r in records.Skip(1))
        {
            if (seenRaw.Add(r.Raw) && r.Fields.Length == columns && groundTruth.ContainsKey(r.Fields[0]))
            {
                byId[r.Fields[0]] = r;
            }
        }

        return [.. byId.Values];
    }

    /// <summary>Records that repeat an earlier record byte for byte and carry an output key: the duplicates.</summary>
    public static int Duplicates(List<CsvRecord> records, IReadOnlyDictionary<string, (string, int, double)> groundTruth, int columns)
    {
        var seenRaw = new HashSet<string>(StringComparer.Ordinal);
        return records.Skip(1).Count(r => !seenRaw.Add(r.Raw) && r.Fields.Length == columns && groundTruth.ContainsKey(r.Fields[0]));
    }

    /// <summary>AUC by sorting and average ranks (Mann-Whitney U).</summary>
    public static double Auc(IReadOnlyList<(double Score, bool Label)> rows)
    {
        var sorted = rows.OrderBy(r => r.Score).ToArray();
        double rankSumPositive = 0;
        long positives = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j < sorted.Length && sorted[j].Score == sorted[i].Score)
            {
                j++;
            }

            double averageRank = ((i + 1) + j) / 2.0;
            for (int k = i; k < j; k++)
            {
                if (sorted[k].Label)
                {
                    rankSumPositive += averageRank;
                    positives++;
                }
            }

            i = j;
        }

        long negatives = sorted.Length - positives;
        return (rankSumPositive - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    /// <summary>Lloyd's k-means with k-means++ seeding, best of several seeded restarts.</summary>
    public static int[] KMeans(double[][] x, int k, int seed, int restarts = 5)
    {
        var random = new Random(seed);
        int[] best = [];
        double bestInertia = double.MaxValue;
        for (int r = 0; r < restarts; r++)
        {
            double[][] centers = SeedCenters(x, k, random);
            int[] assign = new int[x.Length];
            double inertia = 0;
            for (int iter = 0; iter < 100; iter++)
            {
                bool changed = false;
                inertia = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    (int c, double d) = Nearest(x[i], centers);
                    inertia += d;
                    if (c != assign[i] || iter == 0)
                    {
                        changed |= c != assign[i];
                        assign[i] = c;
                    }
                }

                if (!changed && iter > 0)
                {
                    break;
                }

                centers = new double[k][];
                int[] counts = new int[k];
                for (int c = 0; c < k; c++)
                {
                    centers[c] = new double[x[0].Length];
                }

                for (int i = 0; i < x.Length; i++)
                {
                    counts[assign[i]]++;
                    for (int f = 0; f < x[i].Length; f++)
                    {
                        centers[assign[i]][f] += x[i][f];
                    }
                }

                for (int c = 0; c < k; c++)
                {
                    for (int f = 0; f < centers[c].Length; f++)
                    {
                        centers[c][f] = counts[c] == 0 ? x[random.Next(x.Length)][f] : centers[c][f] / counts[c];
                    }
                }
            }

            if (inertia < bestInertia)
            {
                bestInertia = inertia;
                best = assign;
            }
        }

        return best;
    }

    private static double[][] SeedCenters(double[][] x, int k, Random random)
    {
        var centers = new List<double[]> { x[random.Next(x.Length)] };
        double[] d2 = new double[x.Length];
        while (centers.Count < k)
        {
            double total = 0;
            for (int i = 0; i < x.Length; i++)
            {
                d2[i] = Nearest(x[i], [.. centers]).Distance;
                total += d2[i];
            }

            double u = random.NextDouble() * total;
            int pick = 0;
            for (double acc = d2[0]; acc < u && pick < x.Length - 1; acc += d2[++pick])
            {
            }

            centers.Add(x[pick]);
        }

        return [.. centers];
    }

    private static (int Center, double Distance) Nearest(double[] p, double[][] centers)
    {
        int best = 0;
        double bestD = double.MaxValue;
        for (int c = 0; c < centers.Length; c++)
        {
            double d = 0;
            for (int f = 0; f < p.Length; f++)
            {
                double t = p[f] - centers[c][f];
                d += t * t;
            }

            if (d < bestD)
            {
                bestD = d;
                best = c;
            }
        }

        return (best, bestD);
    }

    /// <summary>Adjusted Rand index of two labelings (Hubert and Arabie).</summary>
    public static double AdjustedRandIndex(int[] a, int[] b)
    {
        static double Choose2(double n) => n * (n - 1) / 2;
        var table = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var cols = new Dictionary<int, long>();
        for (int i = 0; i < a.Length; i++)
        {
            table[(a[i], b[i])] = table.GetValueOrDefault((a[i], b[i])) + 1;
            rows[a[i]] = rows.GetValueOrDefault(a[i]) + 1;
            cols[b[i]] = cols.GetValueOrDefault(b[i]) + 1;
        }

        double index = table.Values.Sum(v => Choose2(v));
        double sumRows = rows.Values.Sum(v => Choose2(v));
        double sumCols = cols.Values.Sum(v => Choose2(v));
        double expected = sumRows * sumCols / Choose2(a.Length);
        double max = (sumRows + sumCols) / 2;
        return (index - expected) / (max - expected);
    }

    /// <summary>Standardizes each column to mean 0, standard deviation 1.</summary>
    public static double[][] Standardize(double[][] x)
    {
        int n = x.Length, m = x[0].Length;
        double[][] z = [.. x.Select(r => (double[])r.Clone())];
        for (int f = 0; f < m; f++)
        {
            double mean = x.Average(r => r[f]);
            double sd = Math.Sqrt(x.Sum(r => (r[f] - mean) * (r[f] - mean)) / n);
            for (int i = 0; i < n; i++)
            {
                z[i][f] = sd == 0 ? 0 : (x[i][f] - mean) / sd;
            }
        }

        return z;
    }

    /// <summary>Full years between two dates (birthday not reached yet → one less).</summary>
    public static int Years(DateOnly from, DateOnly to) =>
        to.Year - from.Year - ((to.Month, to.Day).CompareTo((from.Month, from.Day)) < 0 ? 1 : 0);
}
