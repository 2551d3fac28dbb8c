using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>Runs the pinned Bicep CLI: `build-params` evaluates a parameter file, functions included, at compile time.</summary>
internal static class BicepCli
{
    /// <summary>The evaluated parameter values of a .bicepparam file, with the given environment variables set.</summary>
    public static JsonObject BuildParams(string bicepparamPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(CompiledTemplate.FindBicep(), ["build-params", bicepparamPath, "--stdout"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The azd variables the parameter files read: unset unless the test sets them, so results do not depend on the caller.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("HA_", StringComparison.Ordinal) || k.StartsWith("AZURE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bicep");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "bicep build-params did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, $"bicep build-params {bicepparamPath} failed ({process.ExitCode}):\n{stderr.Result}");

        var parametersJson = (string)JsonNode.Parse(stdout)!["parametersJson"]!;
        var parameters = JsonNode.Parse(parametersJson)!["parameters"]!.AsObject();
        var values = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            values[name] = value!["value"]?.DeepClone();
        }

        return values;
    }

    /// <summary>A scratch folder under the repository's ignored .tmp/, for parameter files that import infra/ modules.</summary>
    public static string ScratchFolder(string name)
    {
        var folder = Path.Combine(CompiledTemplate.RepoRoot, ".tmp", "infra-tests", name);
        Directory.CreateDirectory(folder);
        return folder;
    }
}
