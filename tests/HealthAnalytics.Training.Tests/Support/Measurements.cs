namespace HealthAnalytics.Training.Tests.Support;

/// <summary>Measured figures (AUC, ARI, seconds) appended to <c>.tmp/modeling-measurements.log</c> for the record.</summary>
internal static class Measurements
{
    private static readonly Lock Gate = new();

    public static void Record(string line)
    {
        TestContext.Current.SendDiagnosticMessage(line);
        var dir = Path.Combine(Path.GetDirectoryName(Repo.ConfigDirectory)!, ".tmp");
        Directory.CreateDirectory(dir);
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(dir, "modeling-measurements.log"), $"{DateTimeOffset.UtcNow:u} {line}\n");
        }
    }
}
