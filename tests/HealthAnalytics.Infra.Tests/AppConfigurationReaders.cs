using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Infra.Tests;

/// <summary>
/// What the app reads from configuration in Azure, discovered (never listed by hand):
/// options classes (<c>public const string SectionName</c>, public settable properties) in the app's assemblies,
/// binding settings in the Functions assembly (<c>Connection = "..."</c>, <c>"%Setting%"</c>), and, from the source
/// of the deployed projects, configuration keys read directly (<c>GetSection("X")</c>, <c>config["X"]</c>).
/// </summary>
internal static partial class AppConfigurationReaders
{
    /// <summary>Projects deployed to Azure (the dev host, the synthetic generator, tests and benchmarks are not).</summary>
    private static readonly string[] DeployedSourceFolders =
    [
        "functions",
        "src/HealthAnalytics.Api",
        "src/HealthAnalytics.Storage",
        "src/HealthAnalytics.Core",
    ];

    public sealed record OptionsProperty(string Section, string Property, Type Owner, bool Required, bool HasDefault)
    {
        /// <summary>The app setting name in Azure: ':' becomes '__'.</summary>
        public string SettingName => $"{Section.Replace(":", "__", StringComparison.Ordinal)}__{Property}";
    }

    public static IReadOnlyList<Assembly> AppAssemblies { get; } = LoadAppAssemblies();

    public static IReadOnlyList<OptionsProperty> OptionsProperties { get; } = [.. FindOptionsProperties()];

    /// <summary>Connection names of bindings: each is a setting or a <c>Name__*</c> group of settings.</summary>
    public static IReadOnlySet<string> BindingConnections { get; } = FindBindingConnections();

    /// <summary><c>%Name%</c> expressions in binding attributes (e.g. the timer schedule).</summary>
    public static IReadOnlySet<string> BindingExpressions { get; } = FindBindingExpressions();

    /// <summary>Keys the deployed code reads directly from IConfiguration (setting names, '__' for ':').</summary>
    public static IReadOnlySet<string> DirectConfigurationKeys { get; } = FindDirectKeys();

    /// <summary>Settings the repository's local settings sample declares (the local contract of both hosts).</summary>
    public static IReadOnlySet<string> LocalSampleSettings { get; } = ReadLocalSample();

    /// <summary>Assemblies deployed to Azure that this test's output holds (project references copy them here).</summary>
    private static readonly string[] NotDeployed = ["HealthAnalytics.DevHost", "HealthAnalytics.Synthetic", "HealthAnalytics.Infra.Tests"];

    private static List<Assembly> LoadAppAssemblies()
    {
        // From the output folder rather than assembly references: the compiler drops a reference to a project
        // whose types are not used yet, and an options class there must still be seen.
        return [.. Directory.EnumerateFiles(AppContext.BaseDirectory, "HealthAnalytics.*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => !NotDeployed.Contains(name, StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => Assembly.Load(new AssemblyName(name!)))];
    }

    private static IEnumerable<Type> AllTypes() => AppAssemblies.SelectMany(a =>
    {
        try
        {
            return a.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    });

    private static IEnumerable<OptionsProperty> FindOptionsProperties()
    {
        foreach (var type in AllTypes())
        {
            var field = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static);
            if (field is not { IsLiteral: true } || field.FieldType != typeof(string) || type.IsAbstract)
            {
                continue;
            }

            var section = (string)field.GetRawConstantValue()!;
            var defaults = TryCreate(type);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
                {
                    continue;
                }

                var required = property.GetCustomAttribute<RequiredAttribute>() is not null;
                yield return new OptionsProperty(section, property.Name, type, required, HasUsableDefault(defaults, property));
            }
        }
    }

    private static object? TryCreate(Type type)
    {
        try
        {
            return type.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(type);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    /// <summary>A [Required] property whose fresh instance already holds a value passes validation without any setting.</summary>
    private static bool HasUsableDefault(object? instance, PropertyInfo property)
    {
        if (instance is null || property.GetMethod is null)
        {
            return false;
        }

        return property.GetValue(instance) switch
        {
            null => false,
            string s => !string.IsNullOrWhiteSpace(s),
            _ => true,
        };
    }

    private static HashSet<string> FindBindingConnections()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in BindingAttributes())
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.MemberName == "Connection" && named.TypedValue.Value is string connection && connection.Length > 0)
                {
                    names.Add(connection);
                }
            }
        }

        foreach (var source in DeployedSources("functions"))
        {
            foreach (Match m in ConnectionInSource().Matches(source))
            {
                names.Add(m.Groups[1].Value);
            }
        }

        return names;
    }

    private static HashSet<string> FindBindingExpressions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in BindingAttributes())
        {
            var strings = attribute.ConstructorArguments.Select(a => a.Value)
                .Concat(attribute.NamedArguments.Select(a => a.TypedValue.Value))
                .OfType<string>();
            foreach (var value in strings)
            {
                foreach (Match m in PercentExpression().Matches(value))
                {
                    names.Add(m.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal));
                }
            }
        }

        foreach (var source in DeployedSources("functions"))
        {
            foreach (Match m in PercentExpressionInSource().Matches(source))
            {
                names.Add(m.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal));
            }
        }

        return names;
    }

    /// <summary>Names of functions with a blob trigger sourced from Event Grid (the webhook's <c>Host.Functions.NAME</c>).</summary>
    public static IReadOnlySet<string> EventGridBlobTriggerFunctions { get; } = FindEventGridBlobTriggers();

    private static HashSet<string> FindEventGridBlobTriggers()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in AllTypes().SelectMany(t => t.GetMethods(All)))
        {
            var function = method.CustomAttributes.FirstOrDefault(a => a.AttributeType.Name == "FunctionAttribute");
            var eventGridBlob = method.GetParameters().SelectMany(p => p.CustomAttributes).Any(a =>
                a.AttributeType.Name == "BlobTriggerAttribute"
                && a.NamedArguments.Any(n => n.MemberName == "Source" && IsEventGridSource(n.TypedValue)));
            if (function is not null && eventGridBlob && function.ConstructorArguments.FirstOrDefault().Value is string name)
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>BlobTriggerSource.EventGrid: custom attribute data gives an enum as its underlying value.</summary>
    private static bool IsEventGridSource(CustomAttributeTypedArgument value) =>
        value.ArgumentType.IsEnum
            ? Enum.GetName(value.ArgumentType, value.Value!) == "EventGrid"
            : value.Value?.ToString() == "EventGrid";

    /// <summary>Attributes on function parameters, return values, methods and output-binding properties.</summary>
    private static IEnumerable<CustomAttributeData> BindingAttributes()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in AllTypes())
        {
            foreach (var method in type.GetMethods(All))
            {
                foreach (var a in method.CustomAttributes.Concat(method.ReturnParameter.CustomAttributes)
                    .Concat(method.GetParameters().SelectMany(p => p.CustomAttributes)))
                {
                    yield return a;
                }
            }

            foreach (var property in type.GetProperties(All))
            {
                foreach (var a in property.CustomAttributes)
                {
                    yield return a;
                }
            }
        }
    }

    private static HashSet<string> FindDirectKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in DeployedSourceFolders.SelectMany(DeployedSources))
        {
            foreach (Match m in DirectKeyInSource().Matches(source))
            {
                keys.Add(m.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal));
            }
        }

        return keys;
    }

    private static HashSet<string> ReadLocalSample()
    {
        var path = Path.Combine(CompiledTemplate.RepoRoot, "local.settings.sample.json");
        if (!File.Exists(path))
        {
            return [];
        }

        var values = JsonNode.Parse(File.ReadAllText(path))?["Values"] as JsonObject;
        return values is null ? [] : values.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> DeployedSources(string folder)
    {
        var root = Path.Combine(CompiledTemplate.RepoRoot, folder);
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText);
    }

    [GeneratedRegex("""\bConnection\s*=\s*"([^"]+)"(?!\s*\+)""")]
    private static partial Regex ConnectionInSource();

    [GeneratedRegex("""%([A-Za-z_][A-Za-z0-9_:.\-]*)%""")]
    private static partial Regex PercentExpression();

    [GeneratedRegex(@"""%([A-Za-z_][A-Za-z0-9_:.\-]*)%""")]
    private static partial Regex PercentExpressionInSource();

    [GeneratedRegex("""(?:GetSection|GetValue<[^>]+>|GetConnectionString|GetRequiredSection)\(\s*"(?<key>[^"]+)"|\b(?:configuration|config|Configuration)\[\s*"(?<key>[^"]+)"\s*\]""")]
    private static partial Regex DirectKeyInSource();
}
