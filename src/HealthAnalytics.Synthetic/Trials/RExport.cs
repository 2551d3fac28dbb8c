namespace HealthAnalytics.Synthetic.Trials;

/// <summary>
/// Reads R's <c>write.csv</c> output (the tables of <c>tests/corpora/clinical</c>): a quoted header, quoted strings and
/// <c>NA</c> unquoted for missing. Hand-written rather than Sep because the quoting carries meaning here: an unquoted
/// <c>NA</c> is missing, a quoted one would be the text "NA", and an unescaping reader no longer tells them apart.
/// </summary>
public static class RExport
{
    /// <summary>Header and rows; a missing cell is null.</summary>
    public static (string[] Header, List<string?[]> Rows) Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        var header = Split(lines[0]).Select(h => h!).ToArray();
        return (header, [.. lines.Skip(1).Select(Split)]);
    }

    private static string?[] Split(string line)
    {
        var cells = new List<string?>();
        var i = 0;
        while (i <= line.Length)
        {
            string cell;
            var quoted = i < line.Length && line[i] == '"';
            if (quoted)
            {
                var end = line.IndexOf('"', i + 1);
                cell = line[(i + 1)..end];
                i = end + 2;
            }
            else
            {
                var end = line.IndexOf(',', i);
                end = end < 0 ? line.Length : end;
                cell = line[i..end];
                i = end + 1;
            }

            cells.Add(!quoted && cell == "NA" ? null : cell);
        }

        return [.. cells];
    }
}
