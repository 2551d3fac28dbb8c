namespace HealthAnalytics.Storage;
internal static class AssemblyMarker { }
