using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// infra/main.bicep compiled to ARM JSON, once per test run: the file `./dev infra` wrote (HA_ARM_TEMPLATE),
/// else a fresh `bicep build` with HA_BICEP or the CLI restored under .tools/nuget. Never skipped: without a
/// template and without a Bicep CLI the tests fail and say how to get one.
/// </summary>
internal static class CompiledTemplate
{
    private static readonly Lazy<JsonObject> Template = new(Load);

    public static JsonObject Root => Template.Value;

    /// <summary>The template's whole text, for "never appears anywhere" assertions.</summary>
    public static string Text => Root.ToJsonString();

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Every resource of the template and of its nested module deployments, depth first.</summary>
    public static IReadOnlyList<ArmResource> Resources => AllResources.Value;

    // Lazy (not a static initializer) so that a missing template fails each test with its own message.
    private static readonly Lazy<IReadOnlyList<ArmResource>> AllResources = new(() => ResourcesOf(Root));

    /// <summary>Every resource of any compiled template (e.g. a modified copy of <see cref="Root"/>), depth first.</summary>
    public static IReadOnlyList<ArmResource> ResourcesOf(JsonObject root) => [.. Walk(root, "main")];

    /// <summary>A deep copy of the template, for tests that remove something and check that a check notices.</summary>
    public static JsonObject Copy() => (JsonObject)Root.DeepClone();

    /// <summary>Deployed resources of a type (references to <c>existing</c> resources left out).</summary>
    public static IEnumerable<ArmResource> OfType(string type) =>
        Resources.Where(r => !r.Existing && string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public static ArmResource Single(string type)
    {
        var found = OfType(type).ToList();
        Assert.True(found.Count == 1, $"expected exactly one {type} in the template, found {found.Count}");
        return found[0];
    }

    /// <summary>The module deployment named <paramref name="name"/> in main.bicep.</summary>
    public static ArmResource Module(string name) =>
        OfType("Microsoft.Resources/deployments").Single(r => r.Path == "main" && r.Name == name);

    /// <summary>A parameter value main.bicep passes to a module.</summary>
    /// <remarks>Bicep emits either <c>{"value": ...}</c> or, for a conditional value, one expression building that object.</remarks>
    public static JsonNode? ModuleParam(string module, string param) =>
        Module(module).Node["properties"]?["parameters"]?[param] switch
        {
            JsonObject wrapped => wrapped["value"],
            var expression => expression,
        };

    private static IEnumerable<ArmResource> Walk(JsonObject template, string path)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>().Select(r => (Symbol: (string?)null, Resource: r)),
            JsonObject symbolic => symbolic.Where(p => p.Value is JsonObject).Select(p => ((string?)p.Key, (JsonObject)p.Value!)), // languageVersion 2.0
            _ => [],
        };
        foreach (var (symbol, resource) in resources)
        {
            var item = new ArmResource((string?)resource["type"] ?? "", (string?)resource["name"], resource, path)
            {
                Existing = resource["existing"] is JsonValue existing && (bool)existing,
                Symbol = symbol,
                Template = template,
            };
            yield return item;
            if (item.Type == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Walk(nested, $"{path}/{item.Name}"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static JsonObject Load()
    {
        var compiled = Environment.GetEnvironmentVariable("HA_ARM_TEMPLATE");
        if (!string.IsNullOrWhiteSpace(compiled))
        {
            Assert.True(File.Exists(compiled), $"HA_ARM_TEMPLATE points to {compiled}, which does not exist: run ./dev infra");
            return Parse(File.ReadAllText(compiled), compiled);
        }

        var bicep = FindBicep();
        var main = Path.Combine(RepoRoot, "infra", "main.bicep");
        var start = new ProcessStartInfo(bicep, ["build", main, "--stdout"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {bicep}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "bicep build did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, $"bicep build infra/main.bicep failed ({process.ExitCode}):\n{stderr.Result}");
        return Parse(stdout, "bicep build --stdout");
    }

    private static JsonObject Parse(string json, string source) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException($"{source} is not a JSON object");

    internal static string FindBicep()
    {
        var configured = Environment.GetEnvironmentVariable("HA_BICEP");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Assert.True(File.Exists(configured), $"HA_BICEP points to {configured}, which does not exist");
            return configured;
        }

        var restored = Path.Combine(RepoRoot, ".tools", "nuget", "azure.bicep.commandline.linux-x64");
        var candidate = Directory.Exists(restored)
            ? Directory.GetDirectories(restored)
                .Select(d => Path.Combine(d, "tools", "bicep"))
                .Where(File.Exists)
                .OrderDescending(StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        return candidate ?? throw new InvalidOperationException(
            "No compiled template and no Bicep CLI: set HA_ARM_TEMPLATE or HA_BICEP, or run ./dev infra (restores Bicep into .tools/nuget).");
    }

    private static string FindRepoRoot()
    {
        var configured = Environment.GetEnvironmentVariable("HA_REPO_ROOT");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HealthAnalytics.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found: set HA_REPO_ROOT");
    }
}

/// <summary>One resource of the compiled template; <see cref="Path"/> is "main" or "main/module/...".</summary>
internal sealed record ArmResource(string Type, string? Name, JsonObject Node, string Path)
{
    public JsonNode? Properties => Node["properties"];

    /// <summary>A reference to a resource deployed elsewhere (Bicep <c>existing</c>), not a deployment of it.</summary>
    public bool Existing { get; init; }

    /// <summary>The Bicep symbolic name (languageVersion 2.0 templates), else null.</summary>
    public string? Symbol { get; init; }

    /// <summary>The (nested) template the resource is declared in: its variables and parameters.</summary>
    public JsonObject Template { get; init; } = [];

    /// <summary>The <c>resourceId(...)</c> expression a scope pointing at this resource compiles to.</summary>
    public string ResourceIdExpression
    {
        get
        {
            var name = Name ?? "";
            var args = name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : $"'{name}'";
            // A child declared with `parent` is named format('{0}/{1}', parent, child): resourceId takes the segments.
            const string childFormat = "format('{0}/{1}', ";
            if (args.StartsWith(childFormat, StringComparison.Ordinal) && args.EndsWith(')'))
            {
                args = args[childFormat.Length..^1];
            }

            return $"[resourceId('{Type}', {args})]";
        }
    }
}
