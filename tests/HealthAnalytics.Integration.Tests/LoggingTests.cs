using System.Reflection;
using Microsoft.Extensions.Logging;

namespace HealthAnalytics.Integration.Tests;

/// <summary>Log events are found by their id in Azure Monitor queries and alerts: one id, one event.</summary>
public sealed class LoggingTests
{
    private static readonly string[] AppAssemblies =
        ["HealthAnalytics.Core", "HealthAnalytics.Storage", "HealthAnalytics.Api", "HealthAnalytics.Functions", "HealthAnalytics.DevHost"];

    [Fact]
    public void LoggerMessageEventIds_AreUniqueAcrossTheApp()
    {
        var events = AppAssemblies
            .Select(name => Assembly.Load(new AssemblyName(name)))
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();

        Assert.True(events.Count >= 30, $"only {events.Count} [LoggerMessage] methods found: is an assembly missing?");
        var duplicates = events
            .GroupBy(e => e.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method.DeclaringType!.Name + "." + e.Method.Name))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "EventIds used more than once: " + string.Join("; ", duplicates));
    }
}
