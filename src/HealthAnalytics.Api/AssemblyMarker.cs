namespace HealthAnalytics.Api;
internal static class AssemblyMarker { }
