namespace HealthAnalytics.Domain;
internal static class AssemblyMarker { }
